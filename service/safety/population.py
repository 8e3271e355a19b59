"""The safety set: who is analysed for safety, in which arm, and which of their AEs count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from service.importing.records import AdverseEventRecord, ImportedTrial, ParticipantRecord
from service.results import TOTAL
from service.safety.frame import build_event_frame

SAFETY_POPULATION = "Safety population: participants who received at least one dose of study treatment"
ARM_RULE = "Participants are counted in the arm of the treatment they actually received."


@dataclass(frozen=True)
class SafetySet:
    arms: tuple[str, ...]  # arm labels, in the trial's order
    control: str | None
    arm_of: dict[str, str]  # subject -> arm label
    participants: dict[str, ParticipantRecord]
    at_risk: dict[str, int]  # arm label (and Total) -> N
    events: tuple[AdverseEventRecord, ...]  # the treatment-emergent AEs of the safety set
    all_events: tuple[AdverseEventRecord, ...]  # every AE of the safety set, emergent or not
    data_cutoff: date | None
    frame: pd.DataFrame  # the treatment-emergent AEs as columns (service.safety.frame)

    @property
    def columns(self) -> tuple[str, ...]:
        """The arms and the total, as tables show them."""
        return (*self.arms, TOTAL)


def derive_safety_set(data: ImportedTrial, data_cutoff: date | None = None) -> SafetySet:
    """Participants in the safety population (the importer's flag: SAFFL, the bundle's `safety`, or treated),
    each in their actual arm (the planned arm where no actual arm is recorded); their AEs, of which those
    flagged treatment-emergent are the ones the tables count."""
    labels = {arm.code: arm.label for arm in data.arms}
    control = next((arm.label for arm in data.arms if arm.is_control), None)
    arm_of: dict[str, str] = {}
    participants: dict[str, ParticipantRecord] = {}
    for person in data.participants:
        code = person.actual_arm_code or person.arm_code
        if person.safety_population and code is not None:
            arm_of[person.subject_id] = labels[code]
            participants[person.subject_id] = person
    at_risk = {label: 0 for label in labels.values()}
    for label in arm_of.values():
        at_risk[label] += 1
    at_risk[TOTAL] = len(arm_of)
    events = tuple(e for e in data.adverse_events if e.subject_id in arm_of)
    emergent = tuple(e for e in events if e.treatment_emergent)
    return SafetySet(
        arms=tuple(labels.values()),
        control=control,
        arm_of=arm_of,
        participants=participants,
        at_risk=at_risk,
        events=emergent,
        all_events=events,
        data_cutoff=data_cutoff,
        frame=build_event_frame(emergent, arm_of),
    )
