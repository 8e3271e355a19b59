"""Adverse-event rows into records: one reader for every format, told the format's column names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.importing.common import SubjectIndex, normalize_severity
from service.importing.records import AdverseEventRecord, ParticipantRecord
from service.importing.tables import Row, SourceTable
from service.safety.rules import read_safety_rules, unclassified_causality
from service.safety.seriousness import contradiction_import_note, find_contradictions
from service.safety.special_interest import check_special_interest
from service.safety.teae import ImputedDate, derive_ae_start_date, derive_treatment_emergent


@dataclass(frozen=True)
class AEColumns:
    subject: str
    verbatim: str | None
    pt: str
    soc: str
    start: str | None
    serious: str
    seq: str | None = None
    llt: str | None = None
    llt_code: str | None = None
    pt_code: str | None = None
    soc_code: str | None = None
    end: str | None = None
    severity: str | None = None
    grade: str | None = None
    serious_death: str | None = None
    serious_life_threatening: str | None = None
    serious_hospitalization: str | None = None
    serious_disability: str | None = None
    serious_congenital_anomaly: str | None = None
    serious_other: str | None = None
    relationship: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    treatment_emergent: str | None = None
    # ADaM carries its own imputed dates and flag; when present they are taken as they are.
    start_imputed: str | None = None
    start_imputed_flag: str | None = None
    end_imputed: str | None = None
    # ADaM population/record flags are "Y" or null, so there a blank TRTEMFL means "no"; in the bundle format a
    # blank treatment_emergent means "derive it".
    blank_flag_means_no: bool = False
    # The trial's groupings of an AE (AdverseEventRecord.groups): (column, the ADAE variable it is kept under) for
    # named columns (AEHLT, AEHLGT; the bundle's hlt, hlgt, special_interest), and patterns of columns kept under
    # their own names (ADAE's CQzzNAM, SMQzzNAM and SMQzzSC, ADaM IG OCCDS).
    groups: tuple[tuple[str, str], ...] = ()
    group_patterns: tuple[str, ...] = ()


SCREEN_FAILURE = "screen failure"


def read_adverse_events(
    table: SourceTable,
    columns: AEColumns,
    subjects: SubjectIndex,
    participants: Mapping[str, ParticipantRecord],
    participants_file: str,
    window_days: int | None,
    treatment_emergent_override: Mapping[tuple[str, int], bool] | None = None,
) -> tuple[list[AdverseEventRecord], list[int]]:
    events: list[AdverseEventRecord] = []
    rows: list[int] = []
    present = {
        name: column if isinstance(column, str) and table.has(column) else None
        for name, column in vars(columns).items()
    }
    grouping = group_columns(table, columns)
    seen: dict[tuple[str, int], int] = {}
    for index, row in enumerate(table, start=1):
        subject = subjects.check(row, columns.subject, participants_file)
        participant = participants[subject]
        given = _sequence_number(row, present["seq"], subject, seen)
        seq = given or index
        events.append(
            _event(
                columns.blank_flag_means_no,
                row,
                present,
                subject,
                seq,
                participant,
                window_days,
                treatment_emergent_override,
                grouping,
            )
        )
        rows.append(row.row_number)
    return events, rows


def group_columns(table: SourceTable, columns: AEColumns) -> tuple[tuple[str, str], ...]:
    """The table's columns that hold groupings of its AEs, each with the name it is kept under."""
    named = tuple((column, key) for column, key in columns.groups if table.has(column))
    matched = tuple((column, column) for column in table.columns
                    if any(re.fullmatch(pattern, column) for pattern in columns.group_patterns))  # fmt: skip
    return named + matched


def _sequence_number(row: Row, column: str | None, subject: str, seen: dict[tuple[str, int], int]) -> int | None:
    """The record's sequence number as given, refused when another record of the participant has it (SDTMIG: --SEQ
    is unique within USUBJID in a domain; the bundle's ae_id likewise): two records under one key would be one
    record to everything keyed by it (SUPPAE's IDVARVAL, a listing, a query back to the site)."""
    if column is None:
        return None
    # A sequence number is a small whole number (SDTM --SEQ); 20 digits is an id pasted into the wrong column.
    seq = row.integer(column, minimum=0, maximum=2**31 - 1)
    if seq is None:
        return None
    first = seen.setdefault((subject, seq), row.row_number)
    if first != row.row_number:
        raise row.error(column, f"{column} {seq} appears twice for subject '{subject}' (first in row {first})",
                        "Give each AE record of a participant its own sequence number.")  # fmt: skip
    return seq


def screen_failure_notes(
    events: Sequence[AdverseEventRecord], participants: Mapping[str, ParticipantRecord], file: str
) -> list[str]:
    """AEs of screen failures, said once as a note. They are real records (SDTMIG collects AEs from informed
    consent), so they are kept; a screen failure took no study treatment, so none may be flagged
    treatment-emergent (refused in _event), and the AE tables, which count the safety population, leave them out."""
    subjects = sorted({e.subject_id for e in events if participants[e.subject_id].disposition == SCREEN_FAILURE})
    if not subjects:
        return []
    count = sum(1 for e in events if e.subject_id in subjects)
    listed = ", ".join(subjects[:5]) + (" and more" if len(subjects) > 5 else "")
    return [f"{file}: {count} AE record(s) of screen failures ({listed}): kept as collected; the AE tables count "
            "the safety population only"]  # fmt: skip


def adverse_event_notes(
    events: Sequence[AdverseEventRecord], file: str, columns: AEColumns, definition_raw: Mapping[str, Any]
) -> list[str]:
    """The import's notes on what the safety tables cannot take as given: records that meet a seriousness
    criterion but are not flagged serious, and causality values trial.toml's [safety] related (or the default
    mapping) leaves unclassified. A group of special interest declared by a level or variable that no record gives
    is refused (service.safety.special_interest)."""
    check_special_interest(definition_raw, events, file)
    notes = []
    found = find_contradictions(events)
    if found is not None:
        notes.append(contradiction_import_note(found, file, vars(columns)))
    unclassified = unclassified_causality(read_safety_rules(definition_raw), (e.relationship for e in events))
    if unclassified:
        listed = "; ".join(f"'{value}' ({n} record(s))" for value, n in unclassified.items())
        notes.append(f"{file}: {columns.relationship or 'causality'} values neither related nor known as not related, "
                     f"counted as related (conservative): {listed}; trial.toml's [safety] related declares the SAP's "
                     "related values")  # fmt: skip
    return notes


def _event(
    blank_flag_means_no: bool,
    row: Row,
    c: Mapping[str, str | None],
    subject: str,
    seq: int,
    participant: ParticipantRecord,
    window_days: int | None,
    override: Mapping[tuple[str, int], bool] | None,
    grouping: tuple[tuple[str, str], ...] = (),
) -> AdverseEventRecord:
    def text(name: str) -> str | None:
        column = c[name]
        return row.text(column) if column else None

    def flag(name: str) -> bool:
        column = c[name]
        return row.flag(column) if column else False

    pt = row.required_text(c["pt"] or "")
    end_partial = row.partial_date(c["end"]) if c["end"] else None
    end = row.date(c["end_imputed"]) if c["end_imputed"] else (end_partial.complete if end_partial else None)
    start = _start_date(row, c, participant.first_dose_date, end)
    if end is not None and start.value is not None and start.flag is None and end < start.value:
        raise row.error(
            c["end"] or c["end_imputed"] or "",
            f"the AE ends ({end.isoformat()}) before it starts ({start.value.isoformat()})",
            "Correct the start or the end date.",
        )
    explicit_te = None
    if c["treatment_emergent"]:
        explicit_te = (
            row.flag(c["treatment_emergent"]) if blank_flag_means_no else row.optional_flag(c["treatment_emergent"])
        )
    stated_by = c["treatment_emergent"] if explicit_te is not None else None
    if explicit_te is None and override is not None:
        explicit_te = override.get((subject, seq))
        stated_by = f"{c['seq']} (SUPPAE QNAM = AETRTEM)" if explicit_te is not None else None
    if explicit_te and participant.disposition == SCREEN_FAILURE:
        raise row.error(stated_by or "", f"subject '{subject}' is a screen failure, who took no study treatment, but "
                        "the AE is flagged treatment-emergent", "Correct the flag, or the participant's "
                        "disposition if they were randomized and treated.")  # fmt: skip
    treatment_emergent = (
        explicit_te
        if explicit_te is not None
        else derive_treatment_emergent(
            start.value, end, participant.first_dose_date, participant.last_dose_date, window_days
        )
    )
    return AdverseEventRecord(
        subject_id=subject,
        seq=seq,
        verbatim=text("verbatim") or pt,
        pt_name=pt,
        soc_name=row.required_text(c["soc"] or ""),
        llt_name=text("llt"),
        llt_code=text("llt_code"),
        pt_code=text("pt_code"),
        soc_code=text("soc_code"),
        start_date_raw=_raw_text(row, c["start"]),
        end_date_raw=_raw_text(row, c["end"]),
        start_date=start.value,
        start_date_imputation=start.flag,
        end_date=end,
        severity=row.choice(c["severity"], normalize_severity, "MILD, MODERATE, SEVERE") if c["severity"] else None,
        ctcae_grade=row.integer(c["grade"], minimum=1, maximum=5) if c["grade"] else None,
        serious=flag("serious"),
        serious_death=flag("serious_death"),
        serious_life_threatening=flag("serious_life_threatening"),
        serious_hospitalization=flag("serious_hospitalization"),
        serious_disability=flag("serious_disability"),
        serious_congenital_anomaly=flag("serious_congenital_anomaly"),
        serious_other=flag("serious_other"),
        relationship=text("relationship"),
        action_taken=text("action_taken"),
        outcome=text("outcome"),
        treatment_emergent=treatment_emergent,
        groups={key: value for column, key in grouping if (value := row.text(column))} or None,
    )


def _start_date(row: Row, c: Mapping[str, str | None], first_dose: date | None, end: date | None) -> ImputedDate:
    if c["start_imputed"] and row.raw(c["start_imputed"]) is not None:
        flag = row.text(c["start_imputed_flag"]) if c["start_imputed_flag"] else None
        return ImputedDate(row.date(c["start_imputed"]), flag)
    partial = row.partial_date(c["start"]) if c["start"] else None
    return derive_ae_start_date(partial, first_dose, end)


def _raw_text(row: Row, column: str | None) -> str | None:
    if column is None:
        return None
    value = row.raw(column)
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
