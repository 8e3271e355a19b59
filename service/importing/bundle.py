"""The bundle format: regsync's own CSV folder (README, 'The bundle format').

trial.toml            the trial definition (arms, registry ids, ...)
participants.csv      one row per participant, screen failures included
adverse_events.csv    one row per AE record
measurements.csv      one row per outcome value (optional)
exposure.csv          one row per dosing record (optional)
labs.csv, vitals.csv  one row per laboratory / vital-sign result (optional; service.labs.read_bundle)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.errors import DataError
from service.importing.ae_rows import AEColumns, adverse_event_notes, read_adverse_events, screen_failure_notes
from service.importing.common import (
    ArmResolver,
    SubjectIndex,
    check_death_date,
    check_dose_dates,
    choose_control,
    derive_dosing_period,
    duplicate_ae_notes,
    imputation_note,
    normalize_disposition,
    normalize_sex,
)
from service.importing.definition import load_definition
from service.importing.participant_level import (
    baseline_variable_names,
    present_variables,
    read_variables,
    variables_to_read,
)
from service.importing.records import (
    ExposureRecord,
    ImportedTrial,
    MeasurementRecord,
    ParticipantRecord,
)
from service.importing.reference_dates import check_randomization_variable, randomization_variable
from service.importing.tables import Row, SourceTable, find_file, read_csv
from service.outcomes.definition import outcome_variable_names

PARTICIPANTS = "participants.csv"
ADVERSE_EVENTS = "adverse_events.csv"
MEASUREMENTS = "measurements.csv"
EXPOSURE = "exposure.csv"

PARTICIPANT_REQUIRED = ("subject_id", "arm", "age", "sex", "randomization_date", "first_dose_date", "disposition")
AE_REQUIRED = ("subject_id", "verbatim_term", "pt", "soc", "start_date", "serious")
MEASUREMENT_REQUIRED = ("subject_id", "parameter", "visit", "value", "unit")
EXPOSURE_REQUIRED = ("subject_id", "treatment", "start_date")
# Every column each file may have (README, 'The bundle format'): any other is refused, naming the closest.
PARTICIPANT_COLUMNS = (
    "subject_id", "site", "country", "age", "age_unit", "sex", "race", "ethnicity", "consent_date", "arm",
    "actual_arm", "randomization_date", "first_dose_date", "last_dose_date", "safety", "itt", "per_protocol",
    "disposition", "disposition_reason", "disposition_date", "death_date", "death_cause",
)  # fmt: skip
MEASUREMENT_COLUMNS = ("subject_id", "parameter", "parameter_label", "visit", "visit_number", "value", "value_text",
                       "unit", "baseline", "date", "censored")  # fmt: skip
EXPOSURE_COLUMNS = ("subject_id", "treatment", "dose", "dose_unit", "start_date", "end_date")
# The oldest a participant can be, in each unit `age_unit` may give (a value above is a typing error).
MAX_AGE = {"YEARS": 130, "MONTHS": 130 * 12, "WEEKS": 130 * 53, "DAYS": 130 * 366, "HOURS": 130 * 366 * 24}

AE_COLUMNS = AEColumns(
    subject="subject_id",
    seq="ae_id",
    verbatim="verbatim_term",
    pt="pt",
    soc="soc",
    start="start_date",
    serious="serious",
    llt="llt",
    llt_code="llt_code",
    pt_code="pt_code",
    soc_code="soc_code",
    end="end_date",
    severity="severity",
    grade="ctcae_grade",
    serious_death="sae_death",
    serious_life_threatening="sae_life_threatening",
    serious_hospitalization="sae_hospitalization",
    serious_disability="sae_disability",
    serious_congenital_anomaly="sae_congenital_anomaly",
    serious_other="sae_other",
    relationship="relationship",
    action_taken="action_taken",
    outcome="outcome",
    treatment_emergent="treatment_emergent",
    groups=(("hlt", "AEHLT"), ("hlgt", "AEHLGT"), ("special_interest", "CQ01NAM")),
)


AE_KNOWN = tuple(column for column in vars(AE_COLUMNS).values() if isinstance(column, str)) + tuple(
    column for column, _ in AE_COLUMNS.groups
)


def load_bundle(folder: Path, trial_id: str, control: str | None = None) -> ImportedTrial:
    definition = load_definition(folder, required=True)
    if not definition.arms:
        raise DataError(
            "no arms are defined", file="trial.toml", hint="Add one [[arms]] table per arm, with code, label and type."
        )
    arms = choose_control(definition.arms, control, "trial.toml")
    exposures = _exposures(folder)
    dosing: dict[str, list[ExposureRecord]] = defaultdict(list)
    for _, exposure in exposures:
        dosing[exposure.subject_id].append(exposure)
    variable_names = tuple(name.lower() for name in baseline_variable_names(definition.raw))
    adjusting = tuple(name.lower() for name in outcome_variable_names(definition.raw))
    stand_in = randomization_variable(definition.raw, "bundle")
    participants = _table(
        folder,
        PARTICIPANTS,
        PARTICIPANT_REQUIRED,
        PARTICIPANT_COLUMNS + variable_names + _orders(variable_names) + adjusting + ((stand_in,) if stand_in else ()),
    )
    check_randomization_variable(stand_in, participants.columns, "bundle", PARTICIPANTS)
    variables = variables_to_read(participants, variable_names, upper=False)
    variables += present_variables(participants, adjusting, variables, upper=False)
    people = _participants(participants, ArmResolver(arms, "trial.toml"), dosing, variables, stand_in)
    by_id = {p.subject_id: p for p in people.records}
    for row, exposure in exposures:
        people.subjects.check(row, "subject_id", PARTICIPANTS)
        check_dose_dates(row, exposure.subject_id, by_id[exposure.subject_id].randomization_date,
                         ("start_date", exposure.start_date), ("end_date", exposure.end_date))  # fmt: skip
    ae_table = _table(folder, ADVERSE_EVENTS, AE_REQUIRED, AE_KNOWN)
    events, rows = read_adverse_events(
        ae_table, AE_COLUMNS, people.subjects, by_id, PARTICIPANTS, definition.teae_window_days
    )
    measurements = _measurements(folder, people.subjects)
    from service.labs.read_bundle import load_bundle_labs  # pandas: loaded when used
    from service.labs.read_common import Context

    context = Context(PARTICIPANTS, frozenset(by_id), {p.subject_id: (p.first_dose_date, p.last_dose_date)
                      for p in people.records}, definition.teae_window_days, "bundle", partial_dates=False)  # fmt: skip
    labs, lab_notes = load_bundle_labs(folder, context)
    notes = [
        *duplicate_ae_notes(events, ADVERSE_EVENTS, rows),
        *screen_failure_notes(events, by_id, ADVERSE_EVENTS),
        *imputation_note(ADVERSE_EVENTS, events),
        *adverse_event_notes(events, ADVERSE_EVENTS, AE_COLUMNS, definition.raw),
        *people.notes,
        *lab_notes,
    ]
    return ImportedTrial(
        trial_id=trial_id,
        source_format="bundle",
        source_path=str(folder),
        definition=definition,
        arms=arms,
        participants=tuple(people.records),
        adverse_events=tuple(events),
        measurements=tuple(measurements),
        exposures=tuple(record for _, record in exposures),
        notes=tuple(notes),
        labs=labs,
    )


@dataclass
class _Participants:
    records: list[ParticipantRecord]
    subjects: SubjectIndex
    notes: list[str]


def _table(folder: Path, name: str, required: tuple[str, ...], known: tuple[str, ...]) -> SourceTable:
    path = find_file(folder, name)
    if path is None:
        raise DataError("the file is missing", file=name, hint=f"The bundle folder {folder} must contain {name}.")
    table = read_csv(path)
    table.require(*required)
    table.refuse_unknown(known)
    return table


def _orders(names: tuple[str, ...]) -> tuple[str, ...]:
    """The order columns a baseline variable may have (CDISC's NAME + N: agegr1 → agegr1n)."""
    return tuple(name + "n" for name in names)


def _participants(
    table: SourceTable,
    arms: ArmResolver,
    dosing: Mapping[str, Sequence[ExposureRecord]],
    variables: tuple[str, ...],
    randomization_stand_in: str | None = None,
) -> _Participants:
    """The randomization date is the randomization_date column's, else the column trial.toml's [bundle]
    randomization_date names; a disposition takes effect at disposition_date (else it is undated)."""
    read = _Participants([], SubjectIndex(), [])
    per_protocol_known = table.has("per_protocol")
    for row in table:
        subject = read.subjects.add(row, "subject_id")
        arm = arms.resolve(row, "arm")
        actual = arms.resolve(row, "actual_arm")
        disposition = row.choice(
            "disposition", normalize_disposition, "completed, discontinued, ongoing, screen failure"
        )
        if disposition == "screen failure" and arm is not None:
            raise row.error(
                "disposition",
                f"subject '{subject}' is a screen failure but has arm '{row.text('arm')}'",
                "A screen failure is not randomized: leave its arm empty.",
            )
        exposed_from, exposed_to = derive_dosing_period(dosing.get(subject, ()))
        first_dose = row.date("first_dose_date") or exposed_from
        last_dose = (row.date("last_dose_date")) or exposed_to
        treated = first_dose is not None
        reason = row.text("disposition_reason")
        if disposition == "discontinued" and not reason:
            read.notes.append(f"{PARTICIPANTS}: row {row.row_number}: subject {subject} discontinued without a reason")
        randomized_on = row.date("randomization_date") or (
            row.date(randomization_stand_in) if randomization_stand_in and arm is not None else None
        )
        check_dose_dates(row, subject, randomized_on, ("first_dose_date", row.date("first_dose_date")),
                         ("last_dose_date", row.date("last_dose_date")))  # fmt: skip
        death = row.date("death_date")
        check_death_date(row, "death_date", subject, death, randomized_on)
        age_unit = (row.text("age_unit") or "YEARS").upper()
        if age_unit not in MAX_AGE:
            raise row.error(
                "age_unit", f"'{row.text('age_unit')}' is not allowed here", f"Use one of: {', '.join(MAX_AGE)}."
            )
        read.records.append(
            ParticipantRecord(
                subject_id=subject,
                site=row.text("site"),
                country=row.text("country"),
                age=row.number("age", minimum=0, maximum=MAX_AGE[age_unit]),
                age_unit=age_unit,
                sex=row.choice("sex", normalize_sex, "M, F, U, UNDIFFERENTIATED"),
                race=row.text("race"),
                ethnicity=row.text("ethnicity"),
                consent_date=row.date("consent_date"),
                randomized=arm is not None,
                arm_code=arm,
                actual_arm_code=actual if actual is not None else (arm if treated else None),
                randomization_date=randomized_on,
                first_dose_date=first_dose,
                last_dose_date=last_dose,
                safety_population=row.flag("safety", default=treated),
                itt_population=row.flag("itt", default=arm is not None),
                per_protocol_population=row.flag("per_protocol", default=False),
                disposition=disposition if arm is not None or disposition else "screen failure",
                disposition_reason=reason,
                disposition_date=row.date("disposition_date"),
                death_date=death,
                death_cause=row.text("death_cause"),
                study_end_date=row.date("disposition_date") if disposition in ("completed", "discontinued") else None,
                populations={"PPROTFL": row.flag("per_protocol")} if per_protocol_known else None,
                variables=read_variables(row, variables),
            )
        )
    return read


def _exposures(folder: Path) -> list[tuple[Row, ExposureRecord]]:
    if find_file(folder, EXPOSURE) is None:
        return []
    table = _table(folder, EXPOSURE, EXPOSURE_REQUIRED, EXPOSURE_COLUMNS)
    return [
        (
            row,
            ExposureRecord(
                subject_id=row.required_text("subject_id"),
                treatment=row.required_text("treatment"),
                dose=row.number("dose", minimum=0),  # units vary (mg, cells, mL): finite and plausible
                dose_unit=row.text("dose_unit"),
                start_date=row.date("start_date", required=True),
                end_date=row.date("end_date"),
            ),
        )
        for row in table
    ]


def _measurements(folder: Path, subjects: SubjectIndex) -> list[MeasurementRecord]:
    if find_file(folder, MEASUREMENTS) is None:
        return []
    table = _table(folder, MEASUREMENTS, MEASUREMENT_REQUIRED, MEASUREMENT_COLUMNS)
    records = []
    for row in table:
        parameter = row.required_text("parameter")
        censored = _censored(row) if table.has("censored") else None
        records.append(
            MeasurementRecord(
                subject_id=subjects.check(row, "subject_id", PARTICIPANTS),
                parameter=parameter,
                # A time to event (censored given) is one per participant, at no visit.
                visit=row.required_text("visit") if censored is None else row.text("visit") or "",
                parameter_label=row.text("parameter_label") or parameter,
                visit_number=row.number("visit_number"),
                value=row.number("value", minimum=0 if censored is not None else None),  # a time: never negative
                value_text=row.text("value_text"),
                unit=row.text("unit"),
                baseline=row.flag("baseline"),
                measured_on=row.date("date"),
                dataset=MEASUREMENTS,
                censored=censored,
            )
        )
    return records


def _censored(row: Row) -> bool | None:
    """A time to event's censoring: 1 (censored) or 0 (the event), as ADTTE's CNSR; blank for other values."""
    value = row.number("censored")
    if value is None:
        return None
    if value not in (0, 1):
        raise row.error("censored", f"is {value:g}, not 0 (the event happened) or 1 (censored)",
                        "Give 0 or 1 for a time to event, and leave it blank for other values.")  # fmt: skip
    return value == 1
