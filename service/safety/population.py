"""The safety set: who is analysed for safety, in which arm, and which of their AEs count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from service.importing.definition import safety_arm_basis
from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import TOTAL
from service.safety.frame import DEFAULT_RULES, apply_safety_rules, build_event_frame, with_arms
from service.safety.rules import SafetyRules, read_safety_rules
from service.safety.seriousness import Contradictions, find_contradictions_in_frame

SAFETY_POPULATION = "Safety population: participants who received at least one dose of study treatment"
ARM_RULE = "Participants are counted in the arm of the treatment they actually received."
PLANNED_ARM_RULE = (
    "Participants are counted in the arm they were randomized to, as the trial's analysis plan says, not in the "
    "treatment they received."
)
RANDOMIZED_ARM_RULE = "Participants are counted in the arm they were randomized to (planned arm)."
# The arm variable a table's arms come from, by the data's format and the arm basis (DESIGN.md: ARD group1).
ARM_VARIABLES = {
    ("adam", "actual"): "TRT01A",
    ("adam", "planned"): "TRT01P",
    ("sdtm", "actual"): "ACTARM",
    ("sdtm", "planned"): "ARM",
}


def arm_variable(source_format: str, basis: str) -> str:
    return ARM_VARIABLES.get((source_format, basis), "ARM")


def safety_arm_codes(data: ImportedTrial) -> dict[str, str]:
    """Subject → the arm code safety analyses count them in: the treatment received (else the planned arm, where
    no actual arm is recorded), or the planned arm where trial.toml says safety_arm = "planned"."""
    planned = safety_arm_basis(data.definition.raw) == "planned"
    return {p.subject_id: code for p in data.participants
            if (code := (p.arm_code if planned else p.safety_arm_code))}  # fmt: skip


def arm_rule(basis: str) -> str:
    """The footnote of a safety table whose arms follow `basis` (definition.safety_arm_basis)."""
    return PLANNED_ARM_RULE if basis == "planned" else ARM_RULE


def arm_differences_note(data: ImportedTrial) -> str | None:
    """Every participant whose treatment received differs from the arm randomized to, named."""
    labels = data.arm_labels
    differing = [(p.subject_id, labels[p.arm_code], labels[p.actual_arm_code]) for p in data.participants
                 if p.arm_code and p.actual_arm_code and p.arm_code != p.actual_arm_code]  # fmt: skip
    if not differing:
        return None
    listed = "; ".join(
        f"{subject} (randomized to {planned}, received {actual})" for subject, planned, actual in differing
    )
    return f"Treatment received differs from the randomized arm for {len(differing)} participant(s): {listed}."


# AE items that may not be collected at all, and which of the frame's records give one.
COLLECTED_ITEMS: dict[str, Callable[[pd.DataFrame], np.ndarray]] = {
    "grade": lambda frame: frame["grade_rank"].to_numpy() >= 0,
    "action": lambda frame: frame["action_known"].to_numpy(),
    "relationship": lambda frame: frame["relationship_known"].to_numpy(),
}
NOT_COLLECTED_RULE = "{items}: not collected in these data (no AE record gives one), so shown as not collected, not 0."


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
    collected: frozenset[str] = frozenset(COLLECTED_ITEMS)  # the AE items some record gives (COLLECTED_ITEMS)
    rules: SafetyRules = DEFAULT_RULES  # trial.toml's [safety] seriousness and related
    contradictions: Contradictions | None = None  # AEs with a seriousness criterion but AESER = N (all AEs)
    unclassified: dict[str, int] | None = None  # causality values neither related nor known not related: records

    @property
    def columns(self) -> tuple[str, ...]:
        """The arms and the total, as tables show them."""
        return (*self.arms, TOTAL)


def derive_safety_set(
    data: ImportedTrial, data_cutoff: date | None = None, ae_frame: pd.DataFrame | None = None
) -> SafetySet:
    """Participants in the safety population (the importer's flag: SAFFL, the bundle's `safety`, or treated),
    each in their actual arm (the planned arm where no actual arm is recorded); their AEs, of which those
    flagged treatment-emergent are the ones the tables count, serious and related as trial.toml's [safety] says.

    `ae_frame` is every AE of the trial as a frame (service.safety.frame); without it, it is built from
    data.adverse_events."""
    labels = data.arm_labels
    control = next((arm.label for arm in data.arms if arm.is_control), None)
    arm_of: dict[str, str] = {}
    participants: dict[str, ParticipantRecord] = {}
    codes = safety_arm_codes(data)
    for person in data.participants:
        code = codes.get(person.subject_id)
        if person.safety_population and code is not None:
            arm_of[person.subject_id] = labels[code]
            participants[person.subject_id] = person
    at_risk = {label: 0 for label in labels.values()}
    for label in arm_of.values():
        at_risk[label] += 1
    at_risk[TOTAL] = len(arm_of)
    rules = read_safety_rules(data.definition.raw)
    every = apply_safety_rules(build_event_frame(data.adverse_events) if ae_frame is None else ae_frame, rules)
    all_frame = with_arms(every, arm_of, list(labels.values()))
    collected = frozenset(item for item, given in COLLECTED_ITEMS.items() if not len(every) or given(every).any())
    return SafetySet(
        arms=tuple(labels.values()),
        control=control,
        arm_of=arm_of,
        participants=participants,
        at_risk=at_risk,
        data_cutoff=data_cutoff,
        frame=all_frame[all_frame["treatment_emergent"].to_numpy()],
        all_frame=all_frame,
        collected=collected,
        rules=rules,
        contradictions=find_contradictions_in_frame(every),
        unclassified=_unclassified(every, rules),
    )


def _unclassified(frame: pd.DataFrame, rules: SafetyRules) -> dict[str, int]:
    """Each causality value of the trial's AEs that the rules leave unclassified, with its number of records."""
    if frame.empty:
        return {}
    counts = frame["relationship"].value_counts()
    return {str(value): int(n) for value, n in sorted(counts.items())
            if n and rules.causality(str(value)) == "unclassified"}  # fmt: skip
