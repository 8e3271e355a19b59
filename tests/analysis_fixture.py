"""A small trial built for checking the analysis by hand (tests/safety, tests/outcomes, ...).

Arms: Drug (DRG, N=4 treated of 5 randomized), Low dose (LOW, N=2, no AEs at all), Placebo (PBO, control, N=3).
Every expected number in the tests that use it was worked out from the rows below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from service.importing.records import (
    AdverseEventRecord,
    ArmRecord,
    ImportedTrial,
    ParticipantRecord,
    TrialDefinition,
)

D = date
EVENT_DAY = D(2020, 2, 1)
ARMS = (
    ArmRecord("DRG", "Drug", arm_type="Experimental"),
    ArmRecord("LOW", "Low dose", arm_type="Experimental"),
    ArmRecord("PBO", "Placebo", arm_type="Placebo Comparator", is_control=True),
)


def person(
    subject: str,
    arm: str | None,
    age: float,
    sex: str,
    first: date | None,
    status: str,
    reason: str | None = None,
    end: date | None = None,
    death: date | None = None,
) -> ParticipantRecord:
    return ParticipantRecord(
        subject_id=subject,
        age=age,
        sex=sex,
        randomized=arm is not None,
        arm_code=arm,
        actual_arm_code=arm if first else None,
        randomization_date=first,
        first_dose_date=first,
        safety_population=first is not None,
        itt_population=arm is not None,
        disposition=status,
        disposition_reason=reason,
        disposition_date=end,
        death_date=death,
    )


PARTICIPANTS = (
    person("A1", "DRG", 20, "F", D(2020, 1, 1), "completed", end=D(2020, 12, 31)),
    person("A2", "DRG", 30, "M", D(2020, 1, 1), "discontinued", "Adverse event", D(2020, 6, 30)),
    person("A3", "DRG", 40, "F", D(2020, 1, 1), "completed", end=D(2020, 12, 31)),
    person("A4", "DRG", 70, "M", D(2020, 1, 1), "completed", end=D(2020, 12, 31)),
    person("A5", "DRG", 18, "F", None, "discontinued", "Withdrawal by subject", D(2020, 1, 5)),  # never treated
    person("Z1", "LOW", 50, "F", D(2020, 2, 1), "completed", end=D(2020, 12, 31)),
    person("Z2", "LOW", 60, "M", D(2020, 2, 1), "discontinued", "Death", D(2020, 5, 1), death=D(2020, 5, 1)),
    person("P1", "PBO", 25, "F", D(2020, 1, 1), "discontinued", "Adverse event", D(2020, 3, 1)),
    person("P2", "PBO", 35, "M", D(2020, 1, 1), "completed", end=D(2020, 12, 31)),
    person("P3", "PBO", 45, "F", D(2020, 1, 1), "ongoing"),
    person("S1", None, 33, "M", None, "screen failure"),
)


def ae(
    subject: str,
    seq: int,
    soc: str,
    pt: str,
    grade: int | None,
    severity: str | None,
    *,
    teae: bool = True,
    start: date = EVENT_DAY,
    **extra: Any,
) -> AdverseEventRecord:
    return AdverseEventRecord(
        subject_id=subject,
        seq=seq,
        verbatim=pt.lower(),
        pt_name=pt,
        soc_name=soc,
        start_date=start,
        ctcae_grade=grade,
        severity=severity,
        treatment_emergent=teae,
        **extra,
    )


NERV, GI, EAR, SKIN = (
    "Nervous system disorders",
    "Gastrointestinal disorders",
    "Ear and labyrinth disorders",
    "Skin and subcutaneous tissue disorders",
)
EVENTS = (
    ae("A1", 1, NERV, "Headache", 1, "MILD", relationship="NOT RELATED"),
    ae("A1", 2, NERV, "Headache", 2, "MODERATE", relationship="NOT RELATED"),  # the same PT twice
    ae("A2", 1, NERV, "Headache", 3, "SEVERE", relationship="RELATED", serious=True, serious_hospitalization=True),
    ae("A2", 2, GI, "Nausea", 1, None),  # severity and relationship missing
    ae("A3", 1, NERV, "Dizziness", 1, "MILD", relationship="UNLIKELY RELATED", start=D(2020, 1, 10)),
    ae("A3", 2, EAR, "Dizziness", None, "MILD", relationship="UNLIKELY RELATED"),  # the PT under a second SOC
    ae("A4", 1, SKIN, "Rash", 1, "MILD", teae=False, start=D(2019, 12, 20)),  # before the first dose
    ae("A5", 1, NERV, "Headache", 1, "MILD", teae=False),  # never treated
    ae("P1", 1, NERV, "Headache", 1, "MILD", relationship="NOT RELATED"),
    ae("P1", 2, GI, "Nausea", 2, "MODERATE", relationship="POSSIBLY RELATED", action_taken="DRUG WITHDRAWN"),
)


def hand_trial(**definition: Any) -> ImportedTrial:
    return ImportedTrial(
        trial_id="hand",
        source_format="bundle",
        source_path="-",
        definition=TrialDefinition(title="Hand-checked trial", arms=ARMS, raw=definition),
        arms=ARMS,
        participants=PARTICIPANTS,
        adverse_events=EVENTS,
    )


def with_events(trial: ImportedTrial, *events: AdverseEventRecord) -> ImportedTrial:
    return replace(trial, adverse_events=events)
