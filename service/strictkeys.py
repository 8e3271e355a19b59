"""One way to read a TOML file strictly (config.toml, trial.toml): every section and key is one the file may hold,
each value of the kind and range its key takes.

A file's keys are written down once, as a schema: a table maps each key it may hold to a `Kind` (a value, checked),
a `Table` (a nested table: [monitoring]), `Tables` (an array of tables: [[outcomes]]) or `Named` (a table of named
entries of one shape: config.toml's [trials.ID]). `find_problem` walks a file against its schema and returns the
first thing wrong, with where it is; the caller turns that into its own error (ConfigError, DataError). An unknown
key is answered with the nearest known one ("did you mean 'spending'?"), as git and pip answer a misspelt command.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Kind:
    """A value: `what` says what it must be ("a whole number from 1 to 20"), `accepts` says whether it is."""

    what: str
    accepts: Callable[[Any], bool]


@dataclass(frozen=True)
class Table:
    keys: Mapping[str, Spec]


@dataclass(frozen=True)
class Tables:
    """An array of tables ([[outcomes]]), each of these keys."""

    keys: Mapping[str, Spec]


@dataclass(frozen=True)
class Named:
    """A table of named entries ([trials.ID]), each of these keys."""

    keys: Mapping[str, Spec]


Spec = Kind | Table | Tables | Named


@dataclass(frozen=True)
class Problem:
    """The first thing wrong in a file: `path` is the dotted key (monitoring.spendng), `section` where it is
    written ([monitoring], [[outcomes]] entry 2), `first` the message's first line, `hint` what to do."""

    path: str
    section: str
    first: str
    hint: str


def find_problem(raw: Mapping[str, Any], schema: Mapping[str, Spec]) -> Problem | None:
    return _table(raw, schema, (), "the top level")


def closest(name: str, known: tuple[str, ...] | list[str]) -> str | None:
    """The known name nearest to `name` (difflib's ratio at least 0.6, case ignored), if any is near."""
    folded = {k.casefold(): k for k in known}
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def unknown_words(kind: str, name: str, section: str, known: tuple[str, ...] | list[str]) -> tuple[str, str]:
    """The two lines that refuse an unknown key or section: what and where, with the nearest known name; then the
    known ones."""
    guess = closest(name, known)
    if kind == "section":
        first = f"unknown section [{name}]" + (f"; did you mean [{guess}]?" if guess else "")
    else:
        first = f"unknown key '{name}' in {section}" + (f"; did you mean '{guess}'?" if guess else "")
    return first, f"Known {kind}s: {', '.join(known)}." if known else f"No {kind}s are known here."


def _table(raw: Mapping[str, Any], schema: Mapping[str, Spec], path: tuple[str, ...], section: str) -> Problem | None:
    for key, value in raw.items():
        where = (*path, str(key))
        spec = schema.get(key)
        if spec is None:
            is_section = not path and _is_tables(value)
            known = [k for k, s in schema.items() if not isinstance(s, Kind)] if is_section else list(schema)
            first, hint = unknown_words("section" if is_section else "key", str(key), section, known)
            return Problem(".".join(where), section, first, hint)
        problem = _value(value, spec, where, section)
        if problem is not None:
            return problem
    return None


def _value(value: Any, spec: Spec, path: tuple[str, ...], section: str) -> Problem | None:
    dotted = ".".join(path)
    if isinstance(spec, Kind):
        if spec.accepts(value):
            return None
        entry = section.replace("[[", "").replace("]]", "") + ": " if section.endswith(")") else ""  # an [[entry]]
        return Problem(dotted, section, f"{entry}{path[-1]} must be {spec.what}, not {_shown(value)}", "")
    if isinstance(spec, Table):
        if not isinstance(value, dict):
            return Problem(dotted, dotted, f"[{dotted}] must be a table", "")
        return _table(value, spec.keys, path, f"[{dotted}]")
    if isinstance(spec, Named):
        if not isinstance(value, dict):
            return Problem(dotted, dotted, f"[{dotted}] must be a table", "")
        for name, entry in value.items():
            if not isinstance(entry, dict):
                return Problem(f"{dotted}.{name}", dotted, f"[{dotted}.{name}] must be a table", "")
            problem = _table(entry, spec.keys, (*path, str(name)), f"[{dotted}.{name}]")
            if problem is not None:
                return problem
        return None
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return Problem(dotted, dotted, f"{dotted} must be a list of tables ([[{dotted}]])", "")
    for index, entry in enumerate(value, start=1):
        problem = _table(entry, spec.keys, path, f"[[{dotted}]] (entry {index})")
        if problem is not None:
            return problem
    return None


def _is_tables(value: Any) -> bool:
    return isinstance(value, dict) or (bool(value) and all(isinstance(v, dict) for v in value))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "a table"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# The kinds of value the files use.


def text() -> Kind:
    return Kind("text", lambda v: isinstance(v, str))


def texts() -> Kind:
    return Kind(
        'a list of text, such as ["a", "b"]', lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
    )


def text_table() -> Kind:
    """A table whose keys are the data's own (a preferred term, a comparison) and whose values are text."""
    return Kind("a table of text values", lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()))


def boolean() -> Kind:
    return Kind("true or false", lambda v: isinstance(v, bool))


def a_date() -> Kind:
    # A stored definition holds its dates as ISO text (service.importing.definition), so such text is a date too.
    return Kind("a date written as 2019-02-05", _is_date)


def whole(low: int, high: int) -> Kind:
    return Kind(f"a whole number from {low} to {high}",
                lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high)  # fmt: skip


def number(low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> Kind:
    """A finite number in [low, high], either end open where said."""
    if open_low or open_high:
        what = (f"a number {'above' if open_low else 'at least'} {low:g} and "
                f"{'below' if open_high else 'at most'} {high:g}")  # fmt: skip
    else:
        what = f"a number from {low:g} to {high:g}"

    def accepts(v: Any) -> bool:
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            return False
        return (low < v if open_low else low <= v) and (v < high if open_high else v <= high)

    return Kind(what, accepts)


def one_of(*choices: str) -> Kind:
    return Kind(f"one of {', '.join(choices)}", lambda v: isinstance(v, str) and v in choices)


def anything(what: str) -> Kind:
    """A value its own parser checks (it takes several shapes, or its rule needs other keys)."""
    return Kind(what, lambda v: True)


def _is_date(value: Any) -> bool:
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    if isinstance(value, str) and len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False
