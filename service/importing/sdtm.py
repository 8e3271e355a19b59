"""CDISC SDTM: DM, AE, DS and EX (SUPPAE optional), as .xpt or .csv (README, 'SDTM mapping').

Treatment-emergence is derived here (SDTM has no flag for it) from the AE start against the first
exposure (service.safety.teae), unless SUPPAE carries the sponsor's AETRTEM.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

from service.errors import DataError
from service.importing.ae_rows import AEColumns, adverse_event_notes, read_adverse_events, screen_failure_notes
from service.importing.common import (
    SubjectIndex,
    cdisc_demographics,
    check_death_date,
    check_dose_dates,
    choose_control,
    derive_dosing_period,
    duplicate_ae_notes,
    imputation_note,
    merge_definition_arms,
)
from service.importing.dates import PartialDate
from service.importing.definition import load_definition
from service.importing.findings import read_findings
from service.importing.participant_level import (
    baseline_variable_names,
    present_variables,
    read_variables,
    variables_to_read,
)
from service.importing.records import ExposureRecord, ImportedTrial, ParticipantRecord
from service.importing.reference_dates import check_randomization_variable, randomization_variable
from service.importing.tables import Row, SourceTable, find_table, read_table
from service.outcomes.definition import outcome_variable_names

# SDTMIG: ARMCD values for participants who were never assigned to an arm.
NOT_ASSIGNED = {"SCRNFAIL", "NOTASSGN"}
NOT_TREATED = {"NOTTRT", "SCRNFAIL", "NOTASSGN"}

AE_COLUMNS = AEColumns(
    subject="USUBJID",
    seq="AESEQ",
    verbatim="AETERM",
    pt="AEDECOD",
    soc="AEBODSYS",
    start="AESTDTC",
    serious="AESER",
    llt="AELLT",
    llt_code="AELLTCD",
    pt_code="AEPTCD",
    soc_code="AEBDSYCD",
    end="AEENDTC",
    severity="AESEV",
    grade="AETOXGR",
    serious_death="AESDTH",
    serious_life_threatening="AESLIFE",
    serious_hospitalization="AESHOSP",
    serious_disability="AESDISAB",
    serious_congenital_anomaly="AESCONG",
    serious_other="AESMIE",
    relationship="AEREL",
    action_taken="AEACN",
    outcome="AEOUT",
    groups=(("AEHLT", "AEHLT"), ("AEHLGT", "AEHLGT")),
)


def load_sdtm(folder: Path, trial_id: str, control: str | None = None) -> ImportedTrial:
    definition = load_definition(folder, required=False)
    dm = _dataset(folder, "dm", required=True)
    ae = _dataset(folder, "ae", required=True)
    assert dm is not None and ae is not None
    dm.require("USUBJID", "ARMCD", "ARM")
    ae.require("USUBJID", "AEDECOD", "AESTDTC", "AESER")
    soc_column = ae.require_one_of("AEBODSYS", "AESOC")
    dosing = _exposures(folder)
    exposures: dict[str, list[ExposureRecord]] = defaultdict(list)
    for _, record in dosing:
        exposures[record.subject_id].append(record)
    milestones = _disposition_events(folder)

    arms = merge_definition_arms(
        ((r.required_text("ARMCD"), r.required_text("ARM")) for r in dm if _assigned(r)), definition, dm.name, "ARM"
    )
    arms = choose_control(arms, control, dm.name)
    by_name = {a.code.casefold(): a.code for a in arms} | {a.label.casefold(): a.code for a in arms}
    subjects = SubjectIndex()
    participants = []
    variables = variables_to_read(dm, baseline_variable_names(definition.raw))
    variables += present_variables(dm, outcome_variable_names(definition.raw), variables)
    stand_in = randomization_variable(definition.raw, "sdtm")
    check_randomization_variable(stand_in, dm.columns, "sdtm", dm.name)
    for row in dm:
        subject = subjects.add(row, "USUBJID")
        own_milestones = None if milestones is None else milestones.get(subject, {})
        participants.append(
            _participant(row, subject, by_name, exposures.get(subject, []), own_milestones, variables, stand_in)
        )
    _check_subjects(folder, "ex", subjects, dm.name)
    _check_subjects(folder, "ds", subjects, dm.name)
    by_id = {p.subject_id: p for p in participants}
    for row, record in dosing:
        check_dose_dates(row, record.subject_id, by_id[record.subject_id].randomization_date,
                         ("EXSTDTC", record.start_date), ("EXENDTC", record.end_date))  # fmt: skip
    columns = AE_COLUMNS if soc_column == "AEBODSYS" else _with_soc(AE_COLUMNS, soc_column)
    events, rows = read_adverse_events(
        ae, columns, subjects, by_id, dm.name, definition.teae_window_days, _supp_treatment_emergent(folder)
    )
    from service.labs.read_common import Context, measured_parameters, subset_table  # pandas: loaded when used
    from service.labs.read_sdtm import load_sdtm_labs

    context = Context(dm.name, frozenset(by_id), {p.subject_id: (p.first_dose_date, p.last_dose_date)
                      for p in participants}, definition.teae_window_days, "sdtm", partial_dates=True)  # fmt: skip
    labs, lab_notes, lab_sources = load_sdtm_labs(folder, context)
    lab_tables = {domain.lower(): subset_table(source, f"{domain}TESTCD", measured_parameters(definition.raw, domain))
                  for domain, source in lab_sources.items()}  # fmt: skip
    measurements, ignored = read_findings(folder, subjects, dm.name, lab_tables)
    notes = [*duplicate_ae_notes(events, ae.name, rows), *screen_failure_notes(events, by_id, ae.name),
             *imputation_note(ae.name, events), *adverse_event_notes(events, ae.name, columns, definition.raw),
             *ignored, *lab_notes]  # fmt: skip
    return ImportedTrial(
        trial_id=trial_id,
        source_format="sdtm",
        source_path=str(folder),
        definition=definition,
        arms=arms,
        participants=tuple(participants),
        adverse_events=tuple(events),
        exposures=tuple(r for records in exposures.values() for r in records),
        measurements=tuple(measurements),
        notes=tuple(notes),
        labs=labs,
    )


def _participant(
    row: Row,
    subject: str,
    arms: dict[str, str],
    doses: list[ExposureRecord],
    milestones: dict[str, tuple[str, str | None, date | None]] | None,
    variables: tuple[str, ...],
    randomization_stand_in: str | None = None,
) -> ParticipantRecord:
    """`milestones`: the participant's DS events, or None where the data have no DS dataset at all (then the
    disposition is not recorded, rather than 'ongoing'). The randomization date is the DS RANDOMIZED record's,
    else the DM variable trial.toml's [sdtm] randomization_date names. A disposition takes effect at its DS
    record's DSSTDTC, else at the end of participation RFPENDTC; with neither it is undated."""
    collected = milestones is not None
    milestones = milestones or {}
    assigned = _assigned(row)
    arm = arms[row.required_text("ARMCD").casefold()] if assigned else None
    actual = None
    if row.table.has("ACTARMCD") and (row.text("ACTARMCD") or "NOTTRT").upper() not in NOT_TREATED:
        actual_code = row.required_text("ACTARMCD")
        actual = arms.get(actual_code.casefold()) or arms.get((row.text("ACTARM") or "").casefold())
        if actual is None:
            raise row.error(
                "ACTARMCD", f"unknown arm '{actual_code}'", f"Known arms: {', '.join(sorted(set(arms.values())))}."
            )
    exposed_from, exposed_to = derive_dosing_period(doses)
    first_dose = _date_of(row, "RFXSTDTC") or exposed_from
    last_dose = _date_of(row, "RFXENDTC") or exposed_to
    if actual is None and first_dose is not None and not row.table.has("ACTARMCD"):
        actual = arm
    status, reason, when = milestones.get("DISPOSITION", (None, None, None))
    if not assigned:
        status = "screen failure"
    randomization = milestones.get("RANDOMIZED", (None, None, None))[2] or (
        _date_of(row, randomization_stand_in) if assigned and randomization_stand_in else None
    )
    final = status in ("completed", "discontinued")
    effective = (when or _date_of(row, "RFPENDTC")) if final else when
    check_dose_dates(row, subject, randomization, ("RFXSTDTC", _date_of(row, "RFXSTDTC")),
                     ("RFXENDTC", _date_of(row, "RFXENDTC")))  # fmt: skip
    death = _date_of(row, "DTHDTC")
    check_death_date(row, "DTHDTC", subject, death, randomization)
    return ParticipantRecord(
        subject_id=subject,
        **cdisc_demographics(row),
        consent_date=_date_of(row, "RFICDTC"),
        randomized=assigned,
        arm_code=arm,
        actual_arm_code=actual,
        randomization_date=randomization,
        first_dose_date=first_dose,
        last_dose_date=last_dose,
        safety_population=first_dose is not None and actual is not None,
        itt_population=assigned,
        per_protocol_population=False,
        disposition=status or ("ongoing" if collected else None),
        disposition_reason=reason,
        disposition_date=effective,
        death_date=death,
        death_cause=None,
        study_end_date=_date_of(row, "RFENDTC") or (when if final else None),
        variables=read_variables(row, variables),
    )


def _assigned(row: Row) -> bool:
    code = row.text("ARMCD")
    return code is not None and code.upper() not in NOT_ASSIGNED


def _date_of(row: Row, column: str) -> date | None:
    """A --DTC date as a date when complete; partial reference dates are not imputed (too coarse to use)."""
    partial: PartialDate | None = row.partial_date(column)
    return partial.complete if partial else None


def _dataset(folder: Path, stem: str, *, required: bool) -> SourceTable | None:
    path = find_table(folder, stem)
    if path is None:
        if required:
            raise DataError(
                "the dataset is missing",
                file=f"{stem}.xpt",
                hint=f"SDTM import needs {stem}.xpt or {stem}.csv in {folder}.",
            )
        return None
    return read_table(path, upper=True)


def _check_subjects(folder: Path, stem: str, subjects: SubjectIndex, dm_name: str) -> None:
    table = _dataset(folder, stem, required=False)
    if table is not None:
        for row in table:
            subjects.check(row, "USUBJID", dm_name)


def _exposures(folder: Path) -> list[tuple[Row, ExposureRecord]]:
    ex = _dataset(folder, "ex", required=False)
    result: list[tuple[Row, ExposureRecord]] = []
    if ex is None:
        return result
    ex.require("USUBJID", "EXTRT", "EXSTDTC")
    for row in ex:
        subject = row.required_text("USUBJID")
        start = row.partial_date("EXSTDTC")
        end = row.partial_date("EXENDTC")
        result.append(
            (
                row,
                ExposureRecord(
                    subject_id=subject,
                    treatment=row.required_text("EXTRT"),
                    dose=row.number("EXDOSE"),
                    dose_unit=row.text("EXDOSU"),
                    start_date=start.complete if start else None,
                    end_date=end.complete if end else None,
                ),
            )
        )
    return result


def _disposition_events(folder: Path) -> dict[str, dict[str, tuple[str, str | None, date | None]]] | None:
    """Per subject: the randomization milestone and the last disposition event (status, coded reason DSDECOD,
    date); None without a DS dataset (disposition not collected)."""
    ds = _dataset(folder, "ds", required=False)
    result: dict[str, dict[str, tuple[str, str | None, date | None]]] = defaultdict(dict)
    if ds is None:
        return None
    ds.require("USUBJID", "DSDECOD")
    for row in ds:
        subject = row.required_text("USUBJID")
        decod = row.required_text("DSDECOD")
        partial = row.partial_date("DSSTDTC")
        when = partial.complete if partial else None
        category = (row.text("DSCAT") or "DISPOSITION EVENT").upper()
        if decod.upper() == "RANDOMIZED":
            result[subject]["RANDOMIZED"] = ("randomized", None, when)
        elif category == "DISPOSITION EVENT":
            status = {"COMPLETED": "completed", "SCREEN FAILURE": "screen failure"}.get(decod.upper(), "discontinued")
            reason = decod if status == "discontinued" else None  # the coded term: DSTERM is free text
            previous = result[subject].get("DISPOSITION")
            if previous is None or (when and (previous[2] is None or when >= previous[2])):
                result[subject]["DISPOSITION"] = (status, reason, when)
    return result


def _supp_treatment_emergent(folder: Path) -> dict[tuple[str, int], bool] | None:
    supp = _dataset(folder, "suppae", required=False)
    if supp is None:
        return None
    supp.require("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL")
    flags: dict[tuple[str, int], bool] = {}
    for row in supp:
        if (row.text("QNAM") or "").upper() == "AETRTEM" and (row.text("IDVAR") or "").upper() == "AESEQ":
            seq = row.integer("IDVARVAL")
            if seq is not None:
                flags[(row.required_text("USUBJID"), seq)] = row.flag("QVAL")
    return flags


def _with_soc(columns: AEColumns, soc: str) -> AEColumns:
    return replace(columns, soc=soc, soc_code="AESOCCD")
