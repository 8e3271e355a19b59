"""Participant-level data beyond the fixed fields: population flags and the baseline variables trial.toml names.

ADaMIG (section 3, 'Subject-level population flags') names the population flags: FASFL, SAFFL, ITTFL, PPROTFL,
COMPLFL, RANDFL, ENRLFL, and their period or milestone forms (COMP24FL, SAF1FL, ...); the CDISC pilot adds EFFFL.
Other ADSL flags ending in FL (DTHFL, DSRAEFL, ...) describe an event, not a population, and are not read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from service.errors import DataError
from service.importing.definition import baseline_entries
from service.importing.tables import Row, SourceTable

POPULATION_FLAG = re.compile(r"^(FAS|SAF|ITT|PPROT|COMP|RAND|ENRL|EFF|SCRN)[A-Z0-9]*FL$")
# The order a submission's population table lists them in; other flags follow by name.
POPULATION_ORDER = ("ENRLFL", "RANDFL", "ITTFL", "FASFL", "SAFFL", "EFFFL", "PPROTFL", "COMPLFL")
POPULATION_LABELS = {
    "ENRLFL": "Enrolled",
    "RANDFL": "Randomized",
    "ITTFL": "Intention-to-treat",
    "FASFL": "Full analysis set",
    "SAFFL": "Safety",
    "EFFFL": "Efficacy",
    "PPROTFL": "Per-protocol",
    "COMPLFL": "Completed the study",
    "SCRNFL": "Screened",
}


def _milestone_week(flag: str) -> int | None:
    """The week of a completion milestone flag (ADaMIG COMPxxFL: COMP24FL → 24), else None."""
    milestone = re.fullmatch(r"COMP(\d+)FL", flag)
    return int(milestone.group(1)) if milestone else None


def population_label(flag: str) -> str:
    """A flag's name as a reader says it: COMP24FL → 'Completed week 24'."""
    if flag in POPULATION_LABELS:
        return POPULATION_LABELS[flag]
    week = _milestone_week(flag)
    return f"Completed week {week}" if week is not None else flag


def population_flags(table: SourceTable) -> tuple[str, ...]:
    return tuple(column for column in table.columns if POPULATION_FLAG.match(column))


def read_populations(row: Row, flags: Sequence[str]) -> dict[str, bool] | None:
    """The row's population flags; a blank flag is N (ADaMIG: population flags are Y or N, never null)."""
    return {flag: row.flag(flag) for flag in flags} or None


def population_sort_key(flag: str) -> tuple[int, int, str]:
    if flag in POPULATION_ORDER:
        return (POPULATION_ORDER.index(flag), 0, flag)
    week = _milestone_week(flag)
    return (len(POPULATION_ORDER), week if week is not None else 10**6, flag)


def baseline_variable_names(definition_raw: dict[str, Any]) -> tuple[str, ...]:
    """The participant-level variables trial.toml's [[baseline]] entries and [safety] subgroups name, upper-cased as
    CDISC names are (the subgroups' SEX and AGE are the participant's own fields, read anyway)."""
    from service.safety.subgroups import subgroup_variables_to_read

    named = [e.name for e in baseline_entries(definition_raw) if e.kind == "variable"]
    return tuple(dict.fromkeys([*named, *subgroup_variables_to_read(definition_raw)]))


def variables_to_read(table: SourceTable, names: Iterable[str], *, upper: bool = True) -> tuple[str, ...]:
    """Each named variable, which the table must have, with its numeric order variable (NAME + 'N') where the
    table has one. `upper=False` for a bundle, whose columns are lower case."""
    wanted: list[str] = []
    for name in names:
        column = name if upper else name.lower()
        if not table.has(column):
            raise DataError(
                f"has no column '{column}', which trial.toml names ([[baseline]] variable or [safety] subgroups)",
                file=table.name,
                hint="Name a participant-level variable the file has, or remove the [[baseline]] entry or subgroup.",
            )
        wanted.append(column)
        if table.has(column + ("N" if upper else "n")):
            wanted.append(column + ("N" if upper else "n"))
    return tuple(dict.fromkeys(wanted))


def present_variables(table: SourceTable, names: Iterable[str], already: Sequence[str], *, upper: bool = True
                      ) -> tuple[str, ...]:  # fmt: skip
    """Those of `names` the table has and `already` lacks: an outcome's adjusting variable may be on ADSL or on
    its BDS records, so neither may insist on it (the analysis says when neither has it)."""
    columns = [name if upper else name.lower() for name in names]
    return tuple(c for c in dict.fromkeys(columns) if table.has(c) and c not in already)


RECORD_FLAG = re.compile(r"^[A-Z][A-Z0-9]*FL$")


def record_flags(table: SourceTable) -> tuple[str, ...]:
    """A BDS dataset's record-level flags (ANL01FL, ONTRTFL, CRIT1FL, ...): every ...FL column but the baseline
    flag ABLFL and the subject-level population flags copied from ADSL."""
    return tuple(c for c in table.columns if RECORD_FLAG.match(c) and c != "ABLFL" and not POPULATION_FLAG.match(c))


def read_variables(row: Row, columns: Sequence[str]) -> dict[str, float | str | None] | None:
    """The row's values of `columns`, keyed by the CDISC (upper-case) name: a SAS file's character variables as
    text and numeric ones as numbers; a CSV cell as a number where it reads as one, else as text; empty as None."""
    if not columns:
        return None
    values: dict[str, float | str | None] = {}
    for column in columns:
        if row.table.typed and isinstance(row.raw(column), str):
            values[column.upper()] = row.text(column)  # a character variable, even when its text reads as a number
            continue
        try:
            values[column.upper()] = row.number(column)  # None for an empty cell
        except DataError:
            values[column.upper()] = row.text(column)
    return values
