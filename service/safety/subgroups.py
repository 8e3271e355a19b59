"""Subgroup safety (FDA Standard Safety Tables and Figures IG v2.0): the AE overview within each level of the
participant-level variables trial.toml's [safety] subgroups names.

- `SEX` and `AGE` are the participant's own fields; `AGE` is grouped at [safety] age_groups (cut points, default
  [65]: < 65 and ≥ 65; [18, 65]: < 18, 18 to < 65, ≥ 65), so an age group needs no AGEGR1 in the data.
- Any other name (AGEGR1, RACE, SITEGR1, …) is an ADSL (SDTM DM) variable or a column of the bundle's
  participants.csv, read at import (service.importing.participant_level) and refused there when the data lack it.
  Levels follow NAME + "N" (AGEGR1N) where the data have it, else their text.
- A participant without a value is in the level "Not collected".

Within a level, the overview's categories (service.safety.overview) per arm, n (%) of the arm's participants in
that level; the breakdown of serious TEAEs by criterion is left to the overall overview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from service.errors import DataError
from service.importing.definition import ARM_VARIABLE
from service.importing.records import ParticipantRecord
from service.results import TOTAL, OverviewRow
from service.safety.overview import summarise_ae_overview
from service.safety.population import SafetySet

FIELDS = ("SEX", "AGE")
DEFAULT_AGE_CUTS = (65.0,)
NOT_COLLECTED_LEVEL = "Not collected"


@dataclass(frozen=True, slots=True)
class SubgroupRow:
    """One category of the AE overview, in one level of one subgroup variable, for one arm."""

    variable: str  # the CDISC variable: SEX, AGEGR1, … (AGE grouped at the declared cut points)
    subgroup: str  # its level as the data hold it (F), or the age group ("< 65")
    category: str
    arm: str
    n_subjects: Any  # int, or NOT_COLLECTED
    n_events: Any
    n_at_risk: int
    percent: Any


def subgroup_names(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """[safety] subgroups, upper case, checked: a list of variable names, none of them an arm variable."""
    safety = raw.get("safety", {})
    names = safety.get("subgroups", []) if isinstance(safety, dict) else []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise DataError("subgroups must be a list of variable names", file="trial.toml", column="safety.subgroups",
                        hint='Write subgroups = ["SEX", "AGE"] (participant-level variables).')  # fmt: skip
    found = tuple(dict.fromkeys(n.strip().upper() for n in names))
    for name in found:
        if ARM_VARIABLE.match(name):  # refused as for [[baseline]]
            raise DataError(
                f"subgroups names '{name}', the treatment assignment",
                file="trial.toml",
                column="safety.subgroups",
                hint="The tables are already by arm; an arm variable would unblind the open edition.",
            )
    return found


def subgroup_variables_to_read(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The subgroup variables an importer must read (all but the participant's own fields SEX and AGE)."""
    return tuple(n for n in subgroup_names(raw) if n not in FIELDS)


def age_cuts(raw: Mapping[str, Any]) -> tuple[float, ...]:
    safety = raw.get("safety", {})
    cuts = safety.get("age_groups", list(DEFAULT_AGE_CUTS)) if isinstance(safety, dict) else list(DEFAULT_AGE_CUTS)
    ok = isinstance(cuts, list) and cuts and all(isinstance(c, int | float) and not isinstance(c, bool) for c in cuts)
    if not ok or any(b <= a for a, b in pairwise(cuts)):
        raise DataError(f"age_groups is {cuts!r}", file="trial.toml", column="safety.age_groups",
                        hint="Give the age groups' cut points as increasing numbers, e.g. [18, 65].")  # fmt: skip
    return tuple(float(c) for c in cuts)


def age_group(age: float | None, cuts: Sequence[float]) -> str:
    """'< 65', '18 to < 65', '≥ 65' for the cut points [18, 65]."""
    if age is None:
        return NOT_COLLECTED_LEVEL
    low = None
    for cut in cuts:
        if age < cut:
            return f"< {cut:g}" if low is None else f"{low:g} to < {cut:g}"
        low = cut
    return f"≥ {cuts[-1]:g}"


def age_groups(cuts: Sequence[float]) -> list[str]:
    return [f"< {cuts[0]:g}", *(f"{a:g} to < {b:g}" for a, b in pairwise(cuts)), f"≥ {cuts[-1]:g}"]


def level_of(person: ParticipantRecord, name: str, cuts: Sequence[float]) -> tuple[str, Any]:
    """The participant's level of the subgroup variable, and its sort key."""
    if name == "AGE":
        level = age_group(person.age, cuts)
        return level, (level == NOT_COLLECTED_LEVEL, age_groups(cuts).index(level) if level in age_groups(cuts) else 0)
    variables = person.variables or {}
    value = person.sex if name == "SEX" and person.sex else variables.get(name)
    if value is None or value == "":
        return NOT_COLLECTED_LEVEL, (True, 0, "")
    order = variables.get(name + "N")
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text, (False, order if isinstance(order, int | float) else float("inf"), text)


def summarise_subgroups(safety: SafetySet, names: Sequence[str], cuts: Sequence[float]) -> tuple[SubgroupRow, ...]:
    rows: list[SubgroupRow] = []
    for name in names:
        levels: dict[str, list[str]] = {}
        keys: dict[str, Any] = {}
        for subject, person in safety.participants.items():
            level, key = level_of(person, name, cuts)
            levels.setdefault(level, []).append(subject)
            keys[level] = key
        for level in sorted(levels, key=lambda lv: keys[lv]):
            part = _within(safety, set(levels[level]))
            rows.extend(SubgroupRow(name, level, r.category, r.arm, r.n_subjects, r.n_events, r.n_at_risk, r.percent)
                        for r in _overview(part))  # fmt: skip
    return tuple(rows)


def _overview(safety: SafetySet) -> tuple[OverviewRow, ...]:
    return tuple(r for r in summarise_ae_overview(safety) if not r.category.startswith("Serious TEAE: "))


def _within(safety: SafetySet, subjects: set[str]) -> SafetySet:
    """The safety set of these participants only: their arms, their AEs, each arm's number at risk."""
    arm_of = {s: arm for s, arm in safety.arm_of.items() if s in subjects}
    at_risk = {arm: 0 for arm in safety.arms}
    for arm in arm_of.values():
        at_risk[arm] += 1
    at_risk[TOTAL] = len(arm_of)
    keep = list(subjects)
    return replace(safety, arm_of=arm_of, participants={s: p for s, p in safety.participants.items() if s in subjects},
                   at_risk=at_risk, frame=safety.frame[safety.frame["subject"].isin(keep).to_numpy()],
                   all_frame=safety.all_frame[safety.all_frame["subject"].isin(keep).to_numpy()])  # fmt: skip


def subgroup_notes(names: Sequence[str], cuts: Sequence[float]) -> tuple[str, ...]:
    notes = ["Within each subgroup level: participants of the safety population in that level, per arm; n (%) of "
             "the arm's participants in the level (N, shown beside the level); [E] events. Subgroups are descriptive: "
             "nothing is tested."]  # fmt: skip
    if "AGE" in names:
        notes.append(f"Age groups: age at baseline (ADSL AGE, SDTM DM AGE, the bundle's age) cut at "
                     f"{', '.join(f'{c:g}' for c in cuts)} years ([safety] age_groups).")  # fmt: skip
    return tuple(notes)
