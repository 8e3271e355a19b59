"""CDISC ADaM: ADSL and ADAE, and BDS datasets (ADLB, ADQS*, ...) as outcome measurements, as .xpt or .csv
(README, 'ADaM mapping').

ADaM's own flags decide: the safety population is SAFFL = "Y" and treatment-emergent is TRTEMFL = "Y"
where those columns exist; only where they are absent are they derived as for the other formats.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from service.errors import DataError
from service.importing.ae_rows import adverse_event_notes, read_adverse_events, screen_failure_notes
from service.importing.common import (
    SubjectIndex,
    cdisc_demographics,
    check_death_date,
    check_dose_dates,
    choose_control,
    duplicate_ae_notes,
    imputation_note,
    merge_definition_arms,
    normalize_disposition,
)
from service.importing.definition import load_definition
from service.importing.participant_level import (
    baseline_variable_names,
    population_flags,
    present_variables,
    read_populations,
    read_variables,
    record_flags,
    variables_to_read,
)
from service.importing.records import ImportedTrial, MeasurementRecord, ParticipantRecord
from service.importing.reference_dates import check_randomization_variable, randomization_variable
from service.importing.sdtm import AE_COLUMNS as SDTM_AE_COLUMNS
from service.importing.tables import TABLE_SUFFIXES, Row, SourceTable, find_table, read_table, refuse_twins
from service.outcomes.definition import outcome_variable_names
from service.safety.categories import discontinued_for_adverse_event

# Treatment values that mean the participant was never assigned (CDISC ADaM IG examples).
NOT_ASSIGNED = {"SCREEN FAILURE", "NOT ASSIGNED", "NOT RANDOMIZED", "SCRNFAIL", "NOTASSGN"}

# ADAE carries SDTM's AE variables plus the analysis ones.
AE_COLUMNS = replace(
    SDTM_AE_COLUMNS,
    treatment_emergent="TRTEMFL",
    start_imputed="ASTDT",
    start_imputed_flag="ASTDTF",
    end_imputed="AENDT",
    blank_flag_means_no=True,
    group_patterns=(r"CQ\d{2}NAM", r"SMQ\d{2}NAM", r"SMQ\d{2}SC"),
)
SKIP_STEMS = {"adsl", "adae"}
# The laboratory and vital-sign datasets (service.labs.read_adam reads them whole into the safety frame).
LAB_STEM = re.compile(r"^(adlb\w*|advs)$", re.IGNORECASE)


def load_adam(folder: Path, trial_id: str, control: str | None = None) -> ImportedTrial:
    definition = load_definition(folder, required=False)
    adsl = _dataset(folder, "adsl")
    adae = _dataset(folder, "adae")
    adsl.require("USUBJID")
    planned = adsl.require_one_of("TRT01P", "TRT01A")
    adae.require("USUBJID", "AEDECOD", "AEBODSYS", "AESER")
    if not adae.has("ASTDT"):
        adae.require("AESTDTC", hint="ADAE needs ASTDT (analysis start date) or AESTDTC.")

    arms = merge_definition_arms(_arm_names(adsl, planned), definition, adsl.name, planned)
    arms = choose_control(arms, control, adsl.name)
    lookup = {a.code.casefold(): a.code for a in arms} | {a.label.casefold(): a.code for a in arms}
    subjects = SubjectIndex()
    flags = population_flags(adsl)
    variables = variables_to_read(adsl, baseline_variable_names(definition.raw))
    variables += present_variables(adsl, outcome_variable_names(definition.raw), variables)
    stand_in = randomization_variable(definition.raw, "adam")
    check_randomization_variable(stand_in, adsl.columns, "adam", adsl.name)
    participants = [_participant(row, subjects.add(row, "USUBJID"), planned, lookup, flags, variables, stand_in)
                    for row in adsl]  # fmt: skip
    by_id = {p.subject_id: p for p in participants}
    if adae.has("TRTA"):
        _check_trta(adae, by_id, lookup)
    events, rows = read_adverse_events(adae, AE_COLUMNS, subjects, by_id, adsl.name, definition.teae_window_days)
    from service.labs.read_adam import load_adam_labs  # pandas: loaded when used
    from service.labs.read_common import Context, measured_parameters, subset_table

    context = Context(adsl.name, frozenset(by_id), {p.subject_id: (p.first_dose_date, p.last_dose_date)
                      for p in participants}, definition.teae_window_days, "adam", partial_dates=False)  # fmt: skip
    labs, lab_notes, lab_sources = load_adam_labs(folder, context)
    lab_tables = {name: subset_table(source, "PARAMCD", measured_parameters(definition.raw, name))
                  for name, source in lab_sources.items()}  # fmt: skip
    measurements, ignored = _measurements(folder, subjects, adsl.name, outcome_variable_names(definition.raw),
                                          lab_tables)  # fmt: skip
    notes = [
        *duplicate_ae_notes(events, adae.name, rows),
        *screen_failure_notes(events, by_id, adae.name),
        *imputation_note(adae.name, events, by_source=adae.has("ASTDT")),
        *adverse_event_notes(events, adae.name, AE_COLUMNS, definition.raw),
        *ae_discontinuation_notes(adsl, participants),
    ]
    notes += [f"{name}: not a BDS dataset with PARAMCD, AVISIT (or CNSR) and AVAL; not imported" for name in ignored]
    notes += lab_notes
    return ImportedTrial(
        trial_id=trial_id,
        source_format="adam",
        source_path=str(folder),
        definition=definition,
        arms=arms,
        participants=tuple(participants),
        adverse_events=tuple(events),
        measurements=tuple(measurements),
        notes=tuple(notes),
        labs=labs,
    )


def _arm_names(adsl: SourceTable, planned: str) -> list[tuple[str, str]]:
    """ADaM arms are their treatment labels, in TRT01PN order where it is given."""
    found: dict[str, float] = {}
    label_of: dict[float, str] = {}
    for index, row in enumerate(adsl):
        label = row.text(planned)
        if label is None or label.upper() in NOT_ASSIGNED:
            continue
        number = row.number(f"{planned}N")
        if number is not None:
            # ADaMIG: TRTxxPN is the numeric form of TRTxxP, one to one.
            if label_of.setdefault(number, label) != label:
                raise row.error(f"{planned}N", f"{number:g} stands for two arms, '{label_of[number]}' and '{label}'",
                                f"{planned}N must be the numeric code of {planned}, one number per arm.")  # fmt: skip
            if found.get(label, number) != number:
                raise row.error(f"{planned}N", f"arm '{label}' has two numbers, {found[label]:g} and {number:g}",
                                f"{planned}N must be the numeric code of {planned}, one number per arm.")  # fmt: skip
        found.setdefault(label, number if number is not None else 1e9 + index)
    return [(label, label) for label in sorted(found, key=lambda name: (found[name], name))]


def _participant(
    row: Row,
    subject: str,
    planned: str,
    arms: dict[str, str],
    flags: tuple[str, ...],
    variables: tuple[str, ...],
    randomization_stand_in: str | None,
) -> ParticipantRecord:
    """The randomization date is RANDDT, else the variable trial.toml's [adam] randomization_date names. A
    disposition takes effect at EOSDT, else at the end of participation RFENDT; with neither it is undated."""
    table = row.table
    label = row.text(planned)
    arm = arms.get(label.casefold()) if label and label.upper() not in NOT_ASSIGNED else None
    randomized = arm is not None and row.flag("RANDFL", default=True)
    actual = None
    if table.has("TRT01A"):
        actual_label = row.text("TRT01A")
        if actual_label and actual_label.upper() not in NOT_ASSIGNED:
            actual = arms.get(actual_label.casefold())
            if actual is None:
                raise row.error(
                    "TRT01A",
                    f"unknown arm '{actual_label}'",
                    f"Known arms (from {planned}): {', '.join(sorted(set(arms.values())))}.",
                )
    else:
        actual = arm
    first_dose = row.date("TRTSDT")
    disposition, reason = _end_of_study(row)
    randomized_on = row.date("RANDDT") or (
        row.date(randomization_stand_in) if randomization_stand_in and randomized else None
    )
    check_dose_dates(row, subject, randomized_on, ("TRTSDT", first_dose), ("TRTEDT", row.date("TRTEDT")))
    death, end_of_study, participation_end = row.date("DTHDT"), row.date("EOSDT"), row.date("RFENDT")
    check_death_date(row, "DTHDT", subject, death, randomized_on)
    final = disposition in ("completed", "discontinued")
    return ParticipantRecord(
        subject_id=subject,
        **cdisc_demographics(row),
        consent_date=row.date("RFICDT"),
        randomized=randomized,
        arm_code=arm if randomized else None,
        actual_arm_code=actual,
        randomization_date=randomized_on,
        first_dose_date=first_dose,
        last_dose_date=row.date("TRTEDT"),
        safety_population=row.flag("SAFFL") if table.has("SAFFL") else first_dose is not None,
        itt_population=row.flag("ITTFL")
        if table.has("ITTFL")
        else (row.flag("FASFL") if table.has("FASFL") else randomized),
        per_protocol_population=row.flag("PPROTFL"),
        disposition=disposition if randomized else "screen failure",
        disposition_reason=reason,
        disposition_date=(end_of_study or participation_end) if final else end_of_study,
        death_date=death,
        death_cause=row.text("DTHCAUS"),
        study_end_date=end_of_study or participation_end,
        populations=read_populations(row, flags),
        variables=read_variables(row, variables),
    )


# ADSL's coded reason for discontinuation, by preference: ADaMIG's DCSREAS, then the CDISC pilot's DCREASCD and
# DCDECOD (DS's coded term, which says COMPLETED for those who completed).
REASON_VARIABLES = ("DCSREAS", "DCREASCD", "DCDECOD")
AE_DISCONTINUATION_FLAG = "DSRAEFL"


def _end_of_study(row: Row) -> tuple[str | None, str | None]:
    """The end-of-study status and coded reason. Without EOSSTT the status follows from the coded reason
    (COMPLETED, else discontinued); with neither it is not collected (None), never 'ongoing'."""
    table = row.table
    reason_column = next((c for c in REASON_VARIABLES if table.has(c) and row.text(c)), None)
    reason = row.text(reason_column) if reason_column else None
    if table.has("EOSSTT"):
        status = row.choice("EOSSTT", normalize_disposition, "COMPLETED, DISCONTINUED, ONGOING")
    elif reason is not None:
        status = "completed" if reason.upper() == "COMPLETED" else "discontinued"
    else:
        status = None
    if status == "discontinued" and reason is not None and reason.upper() == "COMPLETED":
        raise row.error(reason_column or "DCSREAS", "says COMPLETED for a participant who discontinued (EOSSTT)")
    if table.has(AE_DISCONTINUATION_FLAG) and row.flag(AE_DISCONTINUATION_FLAG):
        # The CDISC pilot's DSRAEFL ("discontinued due to AE"): the coded reason where ADSL gives none.
        if status == "completed":
            raise row.error(AE_DISCONTINUATION_FLAG, "is Y (discontinued for an adverse event) for a participant "
                            "who completed", "Correct DSRAEFL or the end-of-study status.")  # fmt: skip
        status, reason = "discontinued", reason or "ADVERSE EVENT"
    return status, reason if status == "discontinued" else None


def ae_discontinuation_notes(adsl: SourceTable, participants: Sequence[ParticipantRecord]) -> list[str]:
    """Participants flagged DSRAEFL = Y whose coded reason for discontinuing is another one: a contradiction,
    counted by the coded reason."""
    if not adsl.has(AE_DISCONTINUATION_FLAG):
        return []
    found = [p.subject_id for row, p in zip(adsl, participants, strict=True) if row.flag(AE_DISCONTINUATION_FLAG)
             and not discontinued_for_adverse_event(p)]  # fmt: skip
    if not found:
        return []
    return [f"{adsl.name}: {len(found)} participant(s) with DSRAEFL = Y give another coded reason for "
            f"discontinuing ({', '.join(found[:5])}{' and more' if len(found) > 5 else ''}); counted by the coded "
            "reason"]  # fmt: skip


def _check_trta(adae: SourceTable, participants: dict[str, ParticipantRecord], arms: dict[str, str]) -> None:
    """TRTA must name a known arm, and (one treatment period supported) the participant's actual arm."""
    for row in adae:
        label = row.text("TRTA")
        if label is None:
            continue
        code = arms.get(label.casefold())
        if code is None:
            raise row.error("TRTA", f"unknown arm '{label}'", f"Known arms: {', '.join(sorted(set(arms.values())))}.")
        participant = participants.get(row.text("USUBJID") or "")
        if participant is not None and participant.actual_arm_code not in (None, code):
            raise row.error(
                "TRTA",
                f"'{label}' differs from the participant's TRT01A",
                "regsync analyses one treatment period; crossover data are not supported yet.",
            )


def _dataset(folder: Path, stem: str) -> SourceTable:
    path = find_table(folder, stem)
    if path is None:
        raise DataError(
            "the dataset is missing",
            file=f"{stem}.xpt",
            hint=f"ADaM import needs {stem}.xpt or {stem}.csv in {folder}.",
        )
    return read_table(path, upper=True)


def _measurements(
    folder: Path,
    subjects: SubjectIndex,
    adsl_name: str,
    adjust: Sequence[str],
    lab_tables: Mapping[str, SourceTable | None],
) -> tuple[list[MeasurementRecord], list[str]]:
    """Every BDS dataset's records (ADaMIG: PARAMCD with AVAL or AVALC, by AVISIT; ADTTE's AVAL with CNSR),
    as they are: BASE, CHG, DTYPE and the record flags are the sponsor's, not re-derived. A laboratory or
    vital-sign dataset (ADLB*, ADVS: the safety frame holds all of it) gives only the records of the parameters
    trial.toml reads as outcomes or baseline values (`lab_tables`, None where it names none)."""
    records: list[MeasurementRecord] = []
    ignored: list[str] = []
    by_stem: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        stem = path.stem.lower()
        if stem.startswith("ad") and stem not in SKIP_STEMS and path.suffix.lower() in TABLE_SUFFIXES:
            by_stem[stem].append(path)
    for stem, paths in by_stem.items():
        refuse_twins(paths, stem.upper())
        path = paths[0]
        if LAB_STEM.match(stem):  # read once, by service.labs.read_adam
            selected = lab_tables.get(stem.upper())
            if selected is None:
                continue
            table = selected
        elif not path.is_file():
            continue
        else:
            table = read_table(path, upper=True)
        time_to_event = table.has("CNSR")
        if not (table.has("USUBJID") and table.has("PARAMCD") and (table.has("AVISIT") or time_to_event)) or not (
            table.has("AVAL") or table.has("AVALC")
        ):
            ignored.append(path.name)
            continue
        flags = record_flags(table)
        covariates = tuple(name for name in adjust if table.has(name))
        dataset = path.stem.upper()
        for row in table:
            parameter = row.required_text("PARAMCD")
            records.append(
                MeasurementRecord(
                    subject_id=subjects.check(row, "USUBJID", adsl_name),
                    parameter=parameter,
                    visit=row.text("AVISIT") or "",
                    parameter_label=row.text("PARAM") or parameter,
                    visit_number=row.number("AVISITN"),
                    # ADTTE's AVAL is a time from the origin to the event or censoring: never negative.
                    value=row.number("AVAL", minimum=0 if time_to_event else None),
                    value_text=row.text("AVALC"),
                    unit=row.text("AVALU"),
                    baseline=row.flag("ABLFL"),
                    measured_on=row.date("ADT"),
                    dataset=dataset,
                    base=row.number("BASE"),
                    change=row.number("CHG"),
                    dtype=row.text("DTYPE"),
                    flags=",".join(flag for flag in flags if row.flag(flag)),
                    censored=_censored(row) if time_to_event else None,
                    variables=read_variables(row, covariates),
                )
            )
    return records, ignored


def _censored(row: Row) -> bool:
    """ADaMIG ADTTE: CNSR = 0 is an event, a positive integer a censoring; anything else is impossible."""
    value = row.number("CNSR", required=True)
    if value is None or value < 0 or value != int(value):
        raise row.error("CNSR", f"is {value:g}, not 0 (event) or a positive integer (censored)" if value is not None
                        else "is empty", "ADTTE's CNSR is 0 for an event and 1, 2, ... for a censoring.")  # fmt: skip
    return value > 0
