"""Checks and normalizations every importer shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from service.errors import DataError
from service.importing.records import AdverseEventRecord, ArmRecord, ExposureRecord, TrialDefinition
from service.importing.tables import Row

SEX_CODES = {
    "M": "M",
    "MALE": "M",
    "F": "F",
    "FEMALE": "F",
    "U": "U",
    "UNKNOWN": "U",
    "UNDIFFERENTIATED": "UNDIFFERENTIATED",
    "INTERSEX": "UNDIFFERENTIATED",
}
SEVERITIES = {"MILD": "MILD", "MODERATE": "MODERATE", "SEVERE": "SEVERE", "1": "MILD", "2": "MODERATE", "3": "SEVERE"}
DISPOSITIONS = {
    "COMPLETED": "completed",
    "DISCONTINUED": "discontinued",
    "ONGOING": "ongoing",
    "SCREEN FAILURE": "screen failure",
}


def normalize_sex(value: str) -> str | None:
    return SEX_CODES.get(value.strip().upper())


def cdisc_demographics(row: Row) -> dict[str, Any]:
    """The demographic variables ADaM ADSL and SDTM DM share, under the same names, as ParticipantRecord fields."""
    return {
        "site": row.text("SITEID"),
        "country": row.text("COUNTRY"),
        "age": row.number("AGE", minimum=0),
        "age_unit": row.text("AGEU"),
        "sex": row.choice("SEX", normalize_sex, "M, F, U, UNDIFFERENTIATED"),
        "race": row.text("RACE"),
        "ethnicity": row.text("ETHNIC"),
    }


def check_death_date(row: Row, column: str, subject: str, death: date | None, randomized: date | None) -> None:
    """A participant cannot die before being randomized: one of the two dates is wrong."""
    if death is not None and randomized is not None and death < randomized:
        raise row.error(column, f"subject '{subject}' died ({death}) before randomization ({randomized})",
                        "Correct the death or the randomization date.")  # fmt: skip


# A dose this long before randomization is a date typed wrong (a run-in phase is days or weeks).
DOSE_BEFORE_RANDOMIZATION_DAYS = 90


def check_dose_dates(
    row: Row, subject: str, randomized: date | None, start: tuple[str, date | None], end: tuple[str, date | None]
) -> None:
    """One rule for every date that says when a participant was dosed, whatever carries it (bundle participants.csv
    first_dose_date/last_dose_date and exposure.csv start_date/end_date, SDTM DM RFXSTDTC/RFXENDTC and EX
    EXSTDTC/EXENDTC, ADaM ADSL TRTSDT/TRTEDT), each a (column, date) pair:

    1. Dosing may not end before it starts.
    2. Dosing may not start (or, with no start given, end) more than DOSE_BEFORE_RANDOMIZATION_DAYS before
       randomization: such a date is a typing error, and would make every AE after it treatment-emergent.
    """
    (start_column, first), (end_column, last) = start, end
    if first is not None and last is not None and last < first:
        raise row.error(end_column, f"the dose ends ({last}) before it starts ({first})", "Correct one of the dates.")
    column, dosed = (start_column, first) if first is not None else (end_column, last)
    if dosed is not None and randomized is not None and (randomized - dosed).days > DOSE_BEFORE_RANDOMIZATION_DAYS:
        raise row.error(
            column,
            f"subject '{subject}' is dosed on {dosed}, {(randomized - dosed).days} days before randomization "
            f"({randomized})",
            f"Doses more than {DOSE_BEFORE_RANDOMIZATION_DAYS} days before randomization are taken as typing errors: "
            "correct the date.",
        )


def normalize_severity(value: str) -> str | None:
    return SEVERITIES.get(value.strip().upper())


def normalize_disposition(value: str) -> str | None:
    return DISPOSITIONS.get(value.strip().upper())


class SubjectIndex:
    """The participants read so far, to refuse a duplicate and to check every reference to one."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}

    def add(self, row: Row, column: str) -> str:
        subject = row.required_text(column)
        if subject in self._rows:
            raise row.error(
                column,
                f"subject '{subject}' appears twice (first in row {self._rows[subject]})",
                "Each participant must have exactly one row.",
            )
        self._rows[subject] = row.row_number
        return subject

    def check(self, row: Row, column: str, participants_file: str) -> str:
        subject = row.required_text(column)
        if subject not in self._rows:
            raise row.error(
                column,
                f"subject '{subject}' is not in {participants_file}",
                f"Add the participant to {participants_file} or correct the subject id.",
            )
        return subject

    def __contains__(self, subject: str) -> bool:
        return subject in self._rows


class ArmResolver:
    """Maps arm names as the data gives them (code or label) to the trial's arm codes."""

    def __init__(self, arms: Sequence[ArmRecord], where: str) -> None:
        self.arms = tuple(arms)
        self._where = where
        self._lookup: dict[str, str] = {}
        for arm in arms:
            self._lookup[arm.code.casefold()] = arm.code
            self._lookup[arm.label.casefold()] = arm.code

    def resolve(self, row: Row, column: str) -> str | None:
        value = row.text(column)
        if value is None:
            return None
        code = self._lookup.get(value.casefold())
        if code is None:
            known = ", ".join(f"{a.code} ({a.label})" for a in self.arms)
            raise row.error(column, f"unknown arm '{value}'", f"Known arms in {self._where}: {known}.")
        return code


def choose_control(arms: Sequence[ArmRecord], control: str | None, source: str) -> tuple[ArmRecord, ...]:
    """Mark the control arm: `--control` (a code or label) wins over the definition's `control = true`."""
    if control is None:
        return tuple(arms)
    wanted = control.casefold()
    matches = [a for a in arms if wanted in (a.code.casefold(), a.label.casefold())]
    if not matches:
        known = ", ".join(f"{a.code} ({a.label})" for a in arms)
        raise DataError(f"--control names unknown arm '{control}'", file=source, hint=f"Known arms: {known}.")
    chosen = matches[0].code
    return tuple(ArmRecord(a.code, a.label, a.description, a.arm_type, a.code == chosen) for a in arms)


def merge_definition_arms(
    data_arms: Iterable[tuple[str, str]], definition: TrialDefinition, file: str, column: str
) -> tuple[ArmRecord, ...]:
    """Arms found in the data (code, label), described by the definition where it has them.

    With a definition that lists arms, every arm in the data must be one of them (and the definition's
    order is kept); without one, the arms are those of the data, in order of first appearance.
    """
    found = list(dict.fromkeys(data_arms))
    _check_one_label_per_code(found, file, column)
    if not definition.arms:
        return tuple(ArmRecord(code, label) for code, label in found)
    by_name = {}
    for arm in definition.arms:
        by_name[arm.code.casefold()] = arm
        by_name[arm.label.casefold()] = arm
    for code, label in found:
        if code.casefold() not in by_name and label.casefold() not in by_name:
            known = ", ".join(f"{a.code} ({a.label})" for a in definition.arms)
            raise DataError(
                f"unknown arm '{label}' (code '{code}')",
                file=file,
                column=column,
                hint=f"trial.toml lists: {known}. Add the arm there or correct the data.",
            )
    return definition.arms


def _check_one_label_per_code(pairs: Sequence[tuple[str, str]], file: str, column: str) -> None:
    """Each arm code names one arm, and each arm one code (SDTM ARMCD/ARM, ADaM TRT01PN/TRT01P)."""
    seen: dict[tuple[str, str], str] = {}
    for code, label in pairs:
        for name, other, said in ((code, label, "arm code '{}' is given two labels"),
                                  (label, code, "arm '{}' is given two codes")):  # fmt: skip
            first = seen.setdefault((said, name.casefold()), other)
            if first != other:
                raise DataError(
                    f"{said.format(name)}, '{first}' and '{other}'",
                    file=file,
                    column=column,
                    hint="Each arm must have one code and one label throughout; correct the rows that differ.",
                )


def _when(raw: str | None, parsed: date | None) -> str:
    return raw or (parsed.isoformat() if parsed else "unknown")


# What may differ between two records of one event before they are near-duplicates: the assessments.
NEAR_DUPLICATE_FIELDS = {
    "severity": "severity",
    "ctcae_grade": "grade",
    "serious": "seriousness",
    "relationship": "relationship",
    "action_taken": "action taken",
    "outcome": "outcome",
    "verbatim": "verbatim term",
}


def duplicate_ae_notes(events: Sequence[AdverseEventRecord], file: str, rows: Sequence[int]) -> list[str]:
    """AE records of one participant, term and dates, reported once per group as a data-quality note: identical
    ones (all but their sequence number), and near-duplicates that differ only in their assessments (severity,
    grade, outcome, ...). Both are kept and counted as separate events, as published tables count records.

    The dates compared are the analysis dates where the source has them (ADaM ASTDT/AENDT), else the collected
    strings (SDTM --DTC): an ADAE without AESTDTC is compared on what it has."""
    if len(rows) != len(events):
        raise ValueError("duplicate_ae_notes needs one source row number per event")
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)  # key -> indexes into events (ints: cheap at 1M)
    for index, event in enumerate(events):
        key = (event.subject_id, event.pt_name, event.soc_name, event.start_date_raw, event.start_date,
               event.end_date_raw, event.end_date)  # fmt: skip
        groups[key].append(index)
    notes = []
    for (subject, pt, _, start_raw, start, *_), members in groups.items():
        if len(members) < 2:
            continue
        listed = ", ".join(str(rows[i]) for i in members)
        when = _when(start_raw, start)
        differing = [label for name, label in NEAR_DUPLICATE_FIELDS.items()
                     if len({getattr(events[i], name) for i in members}) > 1]  # fmt: skip
        if not differing:
            notes.append(f"{file}: rows {listed} are identical records for subject {subject} ({pt}, start {when}); "
                         "all are kept and counted as separate events")  # fmt: skip
        else:
            notes.append(f"{file}: rows {listed} are near-duplicate records for subject {subject} ({pt}, start "
                         f"{when}, the same dates) that differ only in {', '.join(differing)}; all are kept and "
                         "counted as separate events, as published tables count records")  # fmt: skip
    return notes


def imputation_note(file: str, events: Sequence[AdverseEventRecord], *, by_source: bool = False) -> list[str]:
    """`by_source`: the dates were imputed by the source's own derivation (ADaM ASTDT with ASTDTF), not here."""
    imputed = sum(1 for e in events if e.start_date_imputation)
    missing = sum(1 for e in events if e.start_date is None)
    notes = []
    if imputed and by_source:
        notes.append(f"{file}: {imputed} AE start date(s) were imputed by the ADaM derivation (ASTDTF); "
                     "regsync uses ASTDT as given")  # fmt: skip
    elif imputed:
        notes.append(f"{file}: {imputed} partial AE start date(s) imputed (see README, 'Partial dates')")
    if missing:
        notes.append(f"{file}: {missing} AE(s) without any start date; treatment-emergence decided conservatively")
    return notes


def derive_dosing_period(doses: Sequence[ExposureRecord]) -> tuple[date | None, date | None]:
    """First and last dose dates from exposure records: the earliest start, and the latest end (or start)."""
    starts = [d.start_date for d in doses if d.start_date is not None]
    ends = [d.end_date or d.start_date for d in doses]
    known_ends = [e for e in ends if e is not None]
    return (min(starts) if starts else None, max(known_ends) if known_ends else None)
