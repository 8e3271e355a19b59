"""The safety set: who is analysed for safety, in which arm, and which of their AEs count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import TOTAL
from service.safety.frame import build_event_frame, with_arms

SAFETY_POPULATION = "Safety population: participants who received at least one dose of study treatment"
ARM_RULE = "Participants are counted in the arm of the treatment they actually received."


@dataclass(frozen=True)
class SafetySet:
    arms: tuple[str, ...]  # arm labels, in the trial's order
    control: str | None
    arm_of: dict[str, str]  # subject -> arm label
    participants: dict[str, ParticipantRecord]
    at_risk: dict[str, int]  # arm label (and Total) -> N
    data_cutoff: date | None
    frame: pd.DataFrame  # the treatment-emergent AEs of the safety set, as columns (service.safety.frame)
    all_frame: pd.DataFrame  # every AE of the safety set, emergent or not

    @property
    def columns(self) -> tuple[str, ...]:
        """The arms and the total, as tables show them."""
        return (*self.arms, TOTAL)


def derive_safety_set(
    data: ImportedTrial, data_cutoff: date | None = None, ae_frame: pd.DataFrame | None = None
) -> SafetySet:
    """Participants in the safety population (the importer's flag: SAFFL, the bundle's `safety`, or treated),
    each in their actual arm (the planned arm where no actual arm is recorded); their AEs, of which those
    flagged treatment-emergent are the ones the tables count.

    `ae_frame` is every AE of the trial as a frame (service.safety.frame); without it, it is built from
    data.adverse_events."""
    labels = data.arm_labels
    control = next((arm.label for arm in data.arms if arm.is_control), None)
    arm_of: dict[str, str] = {}
    participants: dict[str, ParticipantRecord] = {}
    for person in data.participants:
        code = person.safety_arm_code
        if person.safety_population and code is not None:
            arm_of[person.subject_id] = labels[code]
            participants[person.subject_id] = person
    at_risk = {label: 0 for label in labels.values()}
    for label in arm_of.values():
        at_risk[label] += 1
    at_risk[TOTAL] = len(arm_of)
    all_frame = with_arms(
        build_event_frame(data.adverse_events) if ae_frame is None else ae_frame, arm_of, list(labels.values())
    )
    return SafetySet(
        arms=tuple(labels.values()),
        control=control,
        arm_of=arm_of,
        participants=participants,
        at_risk=at_risk,
        data_cutoff=data_cutoff,
        frame=all_frame[all_frame["treatment_emergent"].to_numpy()],
        all_frame=all_frame,
    )
