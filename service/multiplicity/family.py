"""Families of hypotheses, read from trial.toml's [[multiplicity]] and resolved against its arms and outcomes.

    [[multiplicity]]
    name = "Primary and key secondary"
    method = "holm"        # bonferroni, holm, hochberg, fixed-sequence (in the order listed), graphical, or
                           # dunnett (each arm against the control on one outcome and timepoint, two-sided)
    hypotheses = [
      { outcome = "ADAS", comparison = "HIGH vs PBO", timepoint = "Week 24" },
      { outcome = "CIBIC", comparison = "HIGH vs PBO" },   # timepoint: the outcome's key one
    ]
    weights = [1, 0]                   # graphical only: each hypothesis's initial share of α, summing to at most 1
    transitions = [[0, 1], [1, 0]]     # graphical only: row i says where H_i's weight goes once it is rejected

A hypothesis names an [[outcomes]] entry (its parameter, or its title when two share the parameter), the comparison
as [monitoring] comparison does (two arms by code or label, in either order, or "trend"; optional with two arms), and
a timepoint (optional: the outcome's key timepoint). A comparison belongs to at most one family.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.errors import DataError
from service.importing.records import ArmRecord
from service.monitoring.comparison import TREND, Target
from service.outcomes.definition import OutcomeSpec, parse_outcomes
from service.results import TOTAL

METHODS = ("bonferroni", "holm", "hochberg", "fixed-sequence", "graphical", "dunnett")
HYPOTHESIS_KEYS = ("outcome", "comparison", "timepoint")
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.IGNORECASE)  # as [monitoring] comparison
_TOLERANCE = 1e-9  # weights and transition rows summing to 1 as decimals written in TOML may (0.1 + 0.2 + 0.7)


@dataclass(frozen=True)
class Hypothesis:
    """One comparison of a family: the outcome (its parameter and title), the arms as the comparison rows name
    them (`target`), and the visit (None: the outcome's key timepoint)."""

    parameter: str
    title: str
    target: Target
    timepoint: str | None


@dataclass(frozen=True)
class Family:
    name: str
    method: str
    hypotheses: tuple[Hypothesis, ...]
    weights: tuple[float, ...] = ()  # graphical only
    transitions: tuple[tuple[float, ...], ...] = ()


def parse_multiplicity(raw: dict[str, Any], arms: Sequence[ArmRecord]) -> tuple[Family, ...]:
    """Every [[multiplicity]] family, checked: a known method, at least two hypotheses each naming a declared
    outcome, comparison and timepoint, no comparison in two families, and for the graphical method a valid graph."""
    entries = raw.get("multiplicity", [])
    if not isinstance(entries, list):
        raise _error("multiplicity must be a list of tables ([[multiplicity]])", "multiplicity")
    outcomes = parse_outcomes(raw)
    families: list[Family] = []
    seen: dict[tuple[str, str, str, str, str | None], str] = {}
    for index, entry in enumerate(entries, start=1):
        family = _family(entry, index, arms, outcomes)
        if family.name in {f.name for f in families}:
            raise _error(f"multiplicity (entry {index}): the name '{family.name}' is used twice", "multiplicity.name")
        for h in family.hypotheses:
            low, high = sorted((h.target.arm, h.target.control))
            key = (h.parameter, h.title, low, high, h.timepoint)
            if key in seen:
                raise _error(
                    f"multiplicity (entry {index}): {_named(h)} is listed twice (in '{seen[key]}' and "
                    f"'{family.name}'); a comparison belongs to one family",
                    "multiplicity.hypotheses",
                )
            seen[key] = family.name
        families.append(family)
    return tuple(families)


def _family(entry: Any, index: int, arms: Sequence[ArmRecord], outcomes: Sequence[OutcomeSpec]) -> Family:
    where = f"multiplicity (entry {index})"
    if not isinstance(entry, dict):
        raise _error(f"{where} must be a table ([[multiplicity]])", "multiplicity")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error(f"{where}: name must be a non-empty text, the family's name in the footnotes", "multiplicity.name")
    method = entry.get("method")
    if method not in METHODS:
        raise _error(f"{where}: method must be one of {', '.join(METHODS)}, not {method!r}", "multiplicity.method")
    listed = entry.get("hypotheses")
    if not isinstance(listed, list) or len(listed) < 2 or not all(isinstance(h, dict) for h in listed):
        raise _error(f"{where}: hypotheses must list at least two tables {{ outcome = ..., comparison = ..., "
                     "timepoint = ... }", "multiplicity.hypotheses")  # fmt: skip
    hypotheses = tuple(_hypothesis(h, f"{where}, hypothesis {n}", arms, outcomes) for n, h in enumerate(listed, 1))
    if method == "dunnett":
        first = next(o for o in outcomes if (o.parameter, o.title) == (hypotheses[0].parameter, hypotheses[0].title))
        _check_many_to_one(hypotheses, first, arms, where)
    if method != "graphical":
        for key in ("weights", "transitions"):
            if key in entry:
                raise _error(f'{where}: {key} applies to method = "graphical" only', f"multiplicity.{key}")
        return Family(name.strip(), method, hypotheses)
    weights = _weights(entry.get("weights"), len(hypotheses), where)
    transitions = _transitions(entry.get("transitions"), len(hypotheses), where)
    return Family(name.strip(), method, hypotheses, weights, transitions)


def _check_many_to_one(hypotheses: Sequence[Hypothesis], first: OutcomeSpec, arms: Sequence[ArmRecord], where: str
                       ) -> None:  # fmt: skip
    """Dunnett's test compares several arms with one control on one outcome, at one timepoint, two-sided."""
    control = next((a.label for a in arms if a.is_control), None)
    column = "multiplicity.hypotheses"
    if len({(h.parameter, h.title, h.timepoint) for h in hypotheses}) > 1:
        raise _error(f"{where}: method \"dunnett\" compares arms on one outcome at one timepoint; these hypotheses "
                     "name several", column)  # fmt: skip
    if control is None or any(control not in (h.target.arm, h.target.control) for h in hypotheses):
        raise _error(f"{where}: method \"dunnett\" compares each arm with the control arm; every comparison must "
                     "name it", column)  # fmt: skip
    if first.sides != 2 or first.test != "superiority":
        raise _error(f"{where}: method \"dunnett\" is two-sided, for superiority; the outcome '{first.parameter}' "
                     "is tested otherwise", column)  # fmt: skip


def _hypothesis(entry: dict[str, Any], where: str, arms: Sequence[ArmRecord], outcomes: Sequence[OutcomeSpec]
                ) -> Hypothesis:  # fmt: skip
    column = "multiplicity.hypotheses"
    for key in entry:
        if key not in HYPOTHESIS_KEYS:
            raise _error(f"{where}: unknown key '{key}'; a hypothesis has {', '.join(HYPOTHESIS_KEYS)}", column)
    spec = _outcome(entry.get("outcome"), where, outcomes)
    target = _target(entry.get("comparison"), where, arms, spec)
    timepoint = entry.get("timepoint")
    if timepoint is not None:
        declared = (*spec.timepoints, *([spec.timepoint] if spec.timepoint else []))
        if not isinstance(timepoint, str) or (declared and timepoint not in declared):
            raise _error(f"{where}: timepoint {timepoint!r} is not one the outcome '{spec.parameter}' analyses"
                         + (f" ({', '.join(dict.fromkeys(declared))})" if declared else ""), column)  # fmt: skip
    # The declared key timepoint written out is the key timepoint: one comparison, however it is named.
    return Hypothesis(spec.parameter, spec.title, target, None if timepoint == spec.timepoint else timepoint)


def _outcome(name: Any, where: str, outcomes: Sequence[OutcomeSpec]) -> OutcomeSpec:
    by_parameter = [o for o in outcomes if o.parameter == name]
    if len(by_parameter) == 1:
        return by_parameter[0]
    by_title = [o for o in outcomes if o.title == name]
    if len(by_title) == 1:
        return by_title[0]
    if by_parameter:
        titles = ", ".join(repr(o.title) for o in by_parameter)
        raise _error(f"{where}: outcome {name!r} is the parameter of {len(by_parameter)} outcomes; name one by its "
                     f"title ({titles})", "multiplicity.hypotheses")  # fmt: skip
    known = ", ".join(dict.fromkeys(o.parameter for o in outcomes)) or "none"
    raise _error(f"{where}: outcome {name!r} is not the parameter or title of an [[outcomes]] entry (parameters: "
                 f"{known})", "multiplicity.hypotheses")  # fmt: skip


def _target(written: Any, where: str, arms: Sequence[ArmRecord], spec: OutcomeSpec) -> Target:
    column = "multiplicity.hypotheses"
    if written is None:
        if len(arms) > 2:
            raise _error(f"{where}: name the comparison (e.g. comparison = \"{_example(arms)}\"): the trial has "
                         f"{len(arms)} arms", column)  # fmt: skip
        return Target("")
    if not isinstance(written, str):
        raise _error(f"{where}: comparison must be 'ARM vs ARM' or 'trend'", column)
    if written.strip().casefold() == TREND:
        if not spec.dose_response:
            raise _error(f"{where}: comparison 'trend' needs dose_response = true on the outcome", column)
        return Target(written, TOTAL, "")
    parts = [p.strip() for p in _VERSUS.split(written.strip())]
    if len(parts) != 2 or not all(parts):
        raise _error(f"{where}: comparison '{written}' is not 'ARM vs ARM' (arm codes or labels) or 'trend'", column)
    first, second = (_arm(part, written, where, arms) for part in parts)
    if first is second:
        raise _error(f"{where}: comparison '{written}' compares an arm with itself", column)
    if spec.comparisons != "pairwise" and not (first.is_control or second.is_control):
        raise _error(f"{where}: comparison '{written}': the outcome compares each arm with the control arm only; set "
                     "comparisons = \"pairwise\" on it to compare these two", column)  # fmt: skip
    return Target(written, first.label, second.label)


def _arm(wanted: str, written: str, where: str, arms: Sequence[ArmRecord]) -> ArmRecord:
    for arm in arms:
        if wanted.casefold() in (arm.code.casefold(), arm.label.casefold()):
            return arm
    known = ", ".join(f"{a.code} ({a.label})" for a in arms)
    raise _error(f"{where}: comparison '{written}' names unknown arm '{wanted}' (the arms: {known})",
                 "multiplicity.hypotheses")  # fmt: skip


def _weights(value: Any, m: int, where: str) -> tuple[float, ...]:
    if not _numbers(value) or len(value) != m:
        raise _error(f"{where}: weights must list {m} numbers, one per hypothesis", "multiplicity.weights")
    if any(w < 0 for w in value) or sum(value) > 1 + _TOLERANCE:
        raise _error(f"{where}: weights must be 0 or more and sum to at most 1, not {sum(value):g}",
                     "multiplicity.weights")  # fmt: skip
    return tuple(float(w) for w in value)


def _transitions(value: Any, m: int, where: str) -> tuple[tuple[float, ...], ...]:
    column = "multiplicity.transitions"
    if not isinstance(value, list) or len(value) != m or not all(_numbers(r) and len(r) == m for r in value):
        raise _error(f"{where}: transitions must be {m} rows of {m} numbers (row i: where H{{i}}'s weight goes)",
                     column)  # fmt: skip
    for i, row in enumerate(value, start=1):
        if row[i - 1] != 0:
            raise _error(f"{where}: transitions row {i} must have 0 on the diagonal (a hypothesis passes no weight "
                         "to itself)", column)  # fmt: skip
        if any(g < 0 for g in row) or sum(row) > 1 + _TOLERANCE:
            raise _error(f"{where}: transitions row {i} must be 0 or more and sum to at most 1, not {sum(row):g}",
                         column)  # fmt: skip
    return tuple(tuple(float(g) for g in row) for row in value)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
    )


def _named(h: Hypothesis) -> str:
    return (
        f"{h.parameter}"
        + (f", {h.target.written}" if h.target.written else "")
        + (f", {h.timepoint}" if h.timepoint else "")
    )


def _example(arms: Sequence[ArmRecord]) -> str:
    control = next((a for a in arms if a.is_control), arms[-1])
    other = next(a for a in reversed(arms) if a is not control)
    return f"{other.code} vs {control.code}"


def _error(problem: str, key: str) -> DataError:
    return DataError(problem, file="trial.toml", column=key)
