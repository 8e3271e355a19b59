"""What a monitoring plan monitors: `[monitoring] comparison`, read from trial.toml and resolved against the arms.

    comparison = "HIGH vs PBO"                  # a pair of arms, by code or label, in either order
    comparison = "trend"                        # the outcome's dose-response test (dose_response = true)
    comparison = ["HIGH vs PBO", "LOW vs PBO"]  # several, with the SAP's split of α:
    alpha_split = "bonferroni"                  # or "holm"

Without the key a two-arm trial monitors its one comparison; three arms or more must name it, so that no comparison
is picked silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.errors import DataError
from service.results import TOTAL

if TYPE_CHECKING:  # the importers read trial.toml through this module: no import of theirs at run time
    from service.importing.records import ArmRecord

TREND = "trend"
ALPHA_SPLITS = ("bonferroni", "holm")
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ComparisonName:
    """A monitored comparison as trial.toml writes it: two arm names (code or label), or the trend."""

    written: str  # "" when trial.toml names none (a two-arm trial's one comparison)
    first: str = ""
    second: str = ""

    @property
    def is_trend(self) -> bool:
        return self.written.casefold() == TREND


@dataclass(frozen=True)
class Target:
    """A monitored comparison resolved to the arms' labels, as the comparison rows name them: `arm` and `control`
    both "" for "the outcome's one comparison" (a two-arm trial that names none), `arm` TOTAL for the trend."""

    written: str
    arm: str = ""
    control: str = ""

    @property
    def is_trend(self) -> bool:
        return self.arm == TOTAL

    def matches(self, arm: str, control: str) -> bool:
        """A comparison row of this comparison: the pair in either order, the trend, or (no names) any pair."""
        if self.is_trend:
            return arm == TOTAL
        if arm == TOTAL or not control:
            return False
        return not self.arm or {arm, control} == {self.arm, self.control}


def parse_comparisons(section: dict[str, Any], dose_response: bool) -> tuple[ComparisonName, ...]:
    """[monitoring] comparison as written: one name, or a list of them (each once)."""
    value = section.get("comparison")
    if value is None:
        return (ComparisonName(""),)
    listed = value if isinstance(value, list) else [value]
    if not listed or not all(isinstance(v, str) and v.strip() for v in listed):
        raise _error("comparison must be 'ARM vs ARM', 'trend', or a list of them", "comparison")
    names = tuple(_name(v.strip()) for v in listed)
    seen: set[frozenset[str]] = set()
    for name in names:
        key = frozenset({TREND}) if name.is_trend else frozenset({name.first.casefold(), name.second.casefold()})
        if key in seen:
            raise _error(f"comparison '{name.written}' is listed twice", "comparison")
        seen.add(key)
        if name.is_trend and not dose_response:
            raise _error("comparison 'trend' is the outcome's dose-response test: the monitored outcome needs "
                         "dose_response = true", "comparison")  # fmt: skip
    return names


def parse_alpha_split(section: dict[str, Any], count: int) -> str | None:
    """[monitoring] alpha_split: how α is shared among two or more monitored comparisons; required for them."""
    split = section.get("alpha_split")
    if count == 1:
        if split is not None:
            raise _error("alpha_split applies to a list of two or more comparisons", "alpha_split")
        return None
    if not isinstance(split, str) or split.lower() not in ALPHA_SPLITS:
        raise _error(f"{count} comparisons are monitored: alpha_split must say how α is split among them, one of "
                     f"{', '.join(ALPHA_SPLITS)}", "alpha_split")  # fmt: skip
    return split.lower()


def resolve_targets(names: Sequence[ComparisonName], arms: Sequence[ArmRecord], pairwise: bool) -> tuple[Target, ...]:
    """Each name as the arms' labels. An unknown arm, a pair the outcome does not compare, or (three arms or more)
    no name at all is refused: `pairwise` says the outcome compares every pair, not only each arm with control."""
    if len(names) == 1 and not names[0].written:
        if len(arms) >= 3:
            example = _example(arms)
            raise DataError(
                "monitoring: name the monitored comparison: [monitoring] comparison = ...",
                file="trial.toml",
                column="monitoring.comparison",
                hint=f'The trial has {len(arms)} arms; e.g. comparison = "{example}", "trend" (the outcome\'s '
                'dose-response test), or a list with alpha_split = "bonferroni" or "holm".',
            )
        return (Target(""),)
    targets = []
    control = next((a for a in arms if a.is_control), None)
    for name in names:
        if name.is_trend:
            targets.append(Target(name.written, TOTAL, ""))
            continue
        first, second = _arm(name, name.first, arms), _arm(name, name.second, arms)
        if first is second:
            raise _error(f"comparison '{name.written}' compares an arm with itself", "comparison")
        if not pairwise and control not in (first, second):
            raise _error(f"comparison '{name.written}': the monitored outcome compares each arm with the control "
                         f"arm{f' ({control.code})' if control else ''} only; set comparisons = \"pairwise\" on it "
                         "to compare these two", "comparison")  # fmt: skip
        targets.append(Target(name.written, first.label, second.label))
    return tuple(targets)


def _name(written: str) -> ComparisonName:
    if written.casefold() == TREND:
        return ComparisonName(written)
    parts = _VERSUS.split(written)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise _error(f"comparison '{written}' is not 'ARM vs ARM' (arm codes or labels) or 'trend'", "comparison")
    return ComparisonName(written, parts[0].strip(), parts[1].strip())


def _arm(name: ComparisonName, wanted: str, arms: Sequence[ArmRecord]) -> ArmRecord:
    for arm in arms:
        if wanted.casefold() in (arm.code.casefold(), arm.label.casefold()):
            return arm
    known = ", ".join(f"{a.code} ({a.label})" for a in arms)
    raise DataError(f"monitoring: comparison '{name.written}' names unknown arm '{wanted}'", file="trial.toml",
                    column="monitoring.comparison", hint=f"The arms are: {known}.")  # fmt: skip


def _example(arms: Sequence[ArmRecord]) -> str:
    control = next((a for a in arms if a.is_control), arms[-1])
    other = next(a for a in reversed(arms) if a is not control)
    return f"{other.code} vs {control.code}"


def _error(problem: str, key: str) -> DataError:
    return DataError(f"monitoring: {problem}", file="trial.toml", column=f"monitoring.{key}")
