"""Adverse events of special interest: which groups a trial watches, and which AEs belong to each.

A group is either declared in trial.toml (`[[safety.special_interest]]`: a list of MedDRA terms at one level, or one
of the data's own groupings named by its variable), or, where trial.toml declares none, each grouping the data carry:
every distinct non-empty value of ADAE's CQzzNAM (a customised query) and SMQzzNAM (a standardised MedDRA query) is
a group, named as the data hold it (ADaM IG OCCDS; FDA Standard Safety Tables and Figures IG v2.0, "Adverse events
of special interest"). Terms match case-insensitively.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from service.errors import DataError

LEVELS = {"pt": "preferred term", "llt": "lowest level term", "hlt": "high level term",
          "hlgt": "high level group term"}  # fmt: skip
# Where each level's term is: a frame column (pt, llt), or the record's groups under its SDTM/ADaM variable.
LEVEL_GROUP_KEYS = {"hlt": "AEHLT", "hlgt": "AEHLGT"}
DATA_GROUP = re.compile(r"(CQ|SMQ)\d{2}NAM")
SCOPES = ("narrow", "broad")
DECLARED_VARIABLE = "AESI"  # the ARD grouping of a group declared by a term list
WHERE = "safety.special_interest"
NONE_DECLARED = "No adverse events of special interest were declared, and the data carry no grouping of AEs (ADAE " \
    "CQzzNAM or SMQzzNAM)."  # fmt: skip


@dataclass(frozen=True)
class SpecialInterestGroup:
    name: str
    variable: str  # DECLARED_VARIABLE for a term list, else the data's grouping variable (CQ01NAM, SMQ02NAM)
    level: str = "pt"
    terms: tuple[str, ...] = ()  # as declared (matched case-insensitively)
    value: str | None = None  # a data group: the variable's value (None: any value, for a declared variable)
    scope: str | None = None  # an SMQ declared with scope = "narrow": only its narrow-scope terms

    def rule(self) -> str:
        """What puts an AE in the group, as a footnote says it."""
        if self.variable == DECLARED_VARIABLE:
            return f"{self.name}: {LEVELS[self.level]}s {', '.join(self.terms)}"
        scope = _scope_variable(self.variable)
        which = " (narrow scope only, " + scope + " = NARROW)" if self.scope == "narrow" else ""
        value = f" = {self.value}" if self.value is not None else " given"
        return f"{self.name}: {self.variable}{value}{which}"


def parse_special_interest(raw: Mapping[str, Any]) -> tuple[SpecialInterestGroup, ...]:
    """The groups trial.toml declares, checked: each has a name, and either terms (with a level) or a variable."""
    safety = raw.get("safety") or {}
    entries = safety.get("special_interest") if isinstance(safety, dict) else None
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _error("is not a list of tables", WHERE, "Write one [[safety.special_interest]] table per group.")
    groups = [_declared(entry, index) for index, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for index, group in enumerate(groups, start=1):
        if group.name and group.name.casefold() in seen:
            raise _error(f"group '{group.name}' is declared twice", f"{WHERE}[{index}].name",
                         "Give each group its own name.")  # fmt: skip
        seen.add(group.name.casefold())
    return tuple(groups)


def _declared(entry: Mapping[str, Any], index: int) -> SpecialInterestGroup:
    where = f"{WHERE}[{index}]"
    name = entry.get("name")
    terms = entry.get("terms")
    variable = entry.get("variable")
    level = entry.get("level", "pt")
    scope = entry.get("scope")
    if level not in LEVELS:
        raise _error(f"level is {level!r}", f"{where}.level", f"Use one of {', '.join(LEVELS)}.")
    if (terms is None) == (variable is None):
        raise _error("needs either terms or variable, not both", where,
                     'List the MedDRA terms (terms = ["Hypoglycaemia", ...]) or name the data\'s grouping '
                     '(variable = "CQ01NAM").')  # fmt: skip
    if variable is not None:
        if not isinstance(variable, str) or not DATA_GROUP.fullmatch(variable.upper()):
            raise _error(f"variable is {variable!r}", f"{where}.variable",
                         "Name an ADAE grouping variable: CQ01NAM to CQ99NAM or SMQ01NAM to SMQ99NAM.")  # fmt: skip
        if scope is not None and not variable.upper().startswith("SMQ"):
            raise _error("scope applies to a standardised MedDRA query (SMQzzNAM) only", f"{where}.scope")
        if "level" in entry:
            raise _error("level applies to a list of terms only", f"{where}.level")
        return SpecialInterestGroup(str(name or ""), variable.upper(), scope=scope)  # no name: the data's (find_groups)
    if not isinstance(name, str) or not name.strip():
        raise _error("a group of terms needs a name", f"{where}.name", 'Add name = "Hypoglycaemia", say.')
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
        raise _error("terms is not a list of MedDRA terms", f"{where}.terms",
                     'Write terms = ["Hypoglycaemia", "Blood glucose decreased"].')  # fmt: skip
    if scope is not None:
        raise _error('scope applies to a standardised MedDRA query (variable = "SMQzzNAM") only', f"{where}.scope")
    given = tuple(dict.fromkeys(" ".join(t.split()) for t in terms))
    return SpecialInterestGroup(name.strip(), DECLARED_VARIABLE, level, given)


def find_groups(raw: Mapping[str, Any], frame: pd.DataFrame) -> tuple[SpecialInterestGroup, ...]:
    """The groups declared, else one per grouping the AEs carry (CQzzNAM, SMQzzNAM, by variable then value)."""
    declared = parse_special_interest(raw)
    found: Counter[tuple[str, str]] = Counter()
    for groups in _given_groups(frame):
        found.update((key, value) for key, value in groups.items() if DATA_GROUP.fullmatch(key))
    if declared:
        # A declared grouping without a name takes the name the data give it (the commonest, should they differ).
        named = {key: value for (key, value), _ in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))}
        return tuple(replace(g, name=g.name or named.get(g.variable, g.variable)) for g in declared)
    return tuple(SpecialInterestGroup(value, key, value=value) for key, value in sorted(found))


def in_group(group: SpecialInterestGroup, frame: pd.DataFrame) -> np.ndarray:
    """Which of the frame's AEs belong to the group."""
    if group.variable == DECLARED_VARIABLE and group.level in ("pt", "llt"):
        column = frame[group.level].cat
        wanted = {t.casefold() for t in group.terms}
        lookup = np.array([" ".join(str(c).split()).casefold() in wanted for c in column.categories] + [False])
        return lookup[column.codes.to_numpy()]  # code -1 (no term) takes the last entry
    if group.variable == DECLARED_VARIABLE:
        key, wanted = LEVEL_GROUP_KEYS[group.level], {t.casefold() for t in group.terms}
        return np.fromiter((" ".join(g.get(key, "").split()).casefold() in wanted for g in _given_groups(frame)),
                           dtype=bool, count=len(frame))  # fmt: skip
    scope = _scope_variable(group.variable)
    return np.fromiter(
        (bool(value := g.get(group.variable)) and (group.value is None or value == group.value)
         and (group.scope != "narrow" or g.get(scope, "").upper() == "NARROW") for g in _given_groups(frame)),
        dtype=bool, count=len(frame),
    )  # fmt: skip


def scope_note(group: SpecialInterestGroup, frame: pd.DataFrame) -> str | None:
    """An SMQ's scope as the data give it (SMQzzSC: NARROW, BROAD), for the footnotes."""
    if not group.variable.startswith("SMQ") or group.scope == "narrow":
        return None
    scope = _scope_variable(group.variable)
    mask = in_group(group, frame)
    scopes = sorted({g.get(scope, "").upper() for g, kept in zip(_given_groups(frame), mask, strict=True)
                     if kept and g.get(scope)})  # fmt: skip
    if not scopes:
        return None
    return f"{group.name}: terms of {' and '.join(s.lower() for s in scopes)} scope ({scope})."


def check_special_interest(raw: Mapping[str, Any], events: Sequence[Any], file: str) -> None:
    """At import: a declared group's level or variable must be one some AE record gives, else the group would be
    empty in silence (README, 'The trial definition')."""
    given: set[str] = set()
    llt = False
    for event in events:
        given.update(event.groups or ())
        llt = llt or bool(event.llt_name)
    for index, group in enumerate(parse_special_interest(raw), start=1):
        name = group.name or group.variable
        if group.variable == DECLARED_VARIABLE and group.level == "llt" and not llt and events:
            raise _error(f"group '{name}' lists lowest level terms, but no record of {file} gives one",
                         f"{WHERE}[{index}].level", "Give the AEs' LLT (AELLT; the bundle's llt), or list "
                         "preferred terms.")  # fmt: skip
        key = LEVEL_GROUP_KEYS.get(group.level) if group.variable == DECLARED_VARIABLE else group.variable
        if key is not None and key not in given and events:
            raise _error(f"group '{name}' needs {key}, but no record of {file} gives it",
                         f"{WHERE}[{index}]." + ("level" if group.variable == DECLARED_VARIABLE else "variable"),
                         "Give the column in the AE data, or declare the group by preferred terms.")  # fmt: skip


def _given_groups(frame: pd.DataFrame) -> Sequence[dict[str, str]]:
    return [g if isinstance(g, dict) else {} for g in frame["groups"]] if "groups" in frame else [{}] * len(frame)


def _scope_variable(variable: str) -> str:
    return variable[:-3] + "SC"


def _error(problem: str, column: str, hint: str | None = None) -> DataError:
    return DataError(problem, file="trial.toml", column=column, hint=hint)
