"""The bundle format: regsync's own CSV folder (README, 'The bundle format').

trial.toml            the trial definition (arms, registry ids, ...)
participants.csv      one row per participant, screen failures included
adverse_events.csv    one row per AE record
measurements.csv      one row per outcome value (optional)
exposure.csv          one row per dosing record (optional)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.errors import DataError
from service.importing.ae_rows import AEColumns, read_adverse_events
from service.importing.common import (
    ArmResolver,
    SubjectIndex,
    choose_control,
    derive_dosing_period,
    duplicate_ae_notes,
    imputation_note,
    normalize_disposition,
    normalize_sex,
)
from service.importing.definition import load_definition
from service.importing.records import (
    ExposureRecord,
    ImportedTrial,
    MeasurementRecord,
    ParticipantRecord,
)
from service.importing.tables import Row, SourceTable, read_csv

PARTICIPANTS = "participants.csv"
ADVERSE_EVENTS = "adverse_events.csv"
MEASUREMENTS = "measurements.csv"
EXPOSURE = "exposure.csv"

PARTICIPANT_REQUIRED = ("subject_id", "arm", "age", "sex", "randomization_date", "first_dose_date", "disposition")
AE_REQUIRED = ("subject_id", "verbatim_term", "pt", "soc", "start_date", "serious")
MEASUREMENT_REQUIRED = ("subject_id", "parameter", "visit", "value", "unit")
EXPOSURE_REQUIRED = ("subject_id", "treatment", "start_date")

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
    people = _participants(_table(folder, PARTICIPANTS, PARTICIPANT_REQUIRED), ArmResolver(arms, "trial.toml"), dosing)
    for row, _ in exposures:
        people.subjects.check(row, "subject_id", PARTICIPANTS)
    by_id = {p.subject_id: p for p in people.records}
    ae_table = _table(folder, ADVERSE_EVENTS, AE_REQUIRED)
    events, rows = read_adverse_events(
        ae_table, AE_COLUMNS, people.subjects, by_id, PARTICIPANTS, definition.teae_window_days
    )
    measurements = _measurements(folder, people.subjects)
    notes = [
        *duplicate_ae_notes(events, ADVERSE_EVENTS, rows),
        *imputation_note(ADVERSE_EVENTS, events),
        *people.notes,
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
    )


@dataclass
class _Participants:
    records: list[ParticipantRecord]
    subjects: SubjectIndex
    notes: list[str]


def _table(folder: Path, name: str, required: tuple[str, ...]) -> SourceTable:
    path = folder / name
    if not path.exists():
        raise DataError("the file is missing", file=name, hint=f"The bundle folder {folder} must contain {name}.")
    table = read_csv(path)
    table.require(*required)
    return table


def _participants(
    table: SourceTable, arms: ArmResolver, dosing: Mapping[str, Sequence[ExposureRecord]]
) -> _Participants:
    read = _Participants([], SubjectIndex(), [])
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
        read.records.append(
            ParticipantRecord(
                subject_id=subject,
                site=row.text("site"),
                country=row.text("country"),
                age=row.number("age", minimum=0),
                age_unit=row.text("age_unit") or "YEARS",
                sex=row.choice("sex", normalize_sex, "M, F, U, UNDIFFERENTIATED"),
                race=row.text("race"),
                ethnicity=row.text("ethnicity"),
                consent_date=row.date("consent_date"),
                randomized=arm is not None,
                arm_code=arm,
                actual_arm_code=actual if actual is not None else (arm if treated else None),
                randomization_date=row.date("randomization_date"),
                first_dose_date=first_dose,
                last_dose_date=last_dose,
                safety_population=row.flag("safety", default=treated),
                itt_population=row.flag("itt", default=arm is not None),
                per_protocol_population=row.flag("per_protocol", default=False),
                disposition=disposition or ("ongoing" if arm is not None else "screen failure"),
                disposition_reason=reason,
                disposition_date=row.date("disposition_date"),
                death_date=row.date("death_date"),
                death_cause=row.text("death_cause"),
            )
        )
    return read


def _exposures(folder: Path) -> list[tuple[Row, ExposureRecord]]:
    if not (folder / EXPOSURE).exists():
        return []
    table = _table(folder, EXPOSURE, EXPOSURE_REQUIRED)
    return [
        (
            row,
            ExposureRecord(
                subject_id=row.required_text("subject_id"),
                treatment=row.required_text("treatment"),
                dose=row.number("dose", minimum=0),
                dose_unit=row.text("dose_unit"),
                start_date=row.date("start_date", required=True),
                end_date=row.date("end_date"),
            ),
        )
        for row in table
    ]


def _measurements(folder: Path, subjects: SubjectIndex) -> list[MeasurementRecord]:
    path = folder / MEASUREMENTS
    if not path.exists():
        return []
    table = read_csv(path)
    table.require(*MEASUREMENT_REQUIRED)
    records = []
    for row in table:
        parameter = row.required_text("parameter")
        records.append(
            MeasurementRecord(
                subject_id=subjects.check(row, "subject_id", PARTICIPANTS),
                parameter=parameter,
                visit=row.required_text("visit"),
                parameter_label=row.text("parameter_label") or parameter,
                visit_number=row.number("visit_number"),
                value=row.number("value"),
                value_text=row.text("value_text"),
                unit=row.text("unit"),
                baseline=row.flag("baseline"),
                measured_on=row.date("date"),
            )
        )
    return records
