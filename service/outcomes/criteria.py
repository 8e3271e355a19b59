"""Responder criteria: `AVALC == 'Y'`, `PCHG <= -50 and AVAL < 7`, `CRIT1FL == 'Y'`, read without eval.

A comparison is a variable of the record (AVAL, AVALC, BASE, CHG, PCHG, or a record flag such as CRIT1FL), an
operator (==, !=, <, <=, >, >=) and a number or a quoted text; comparisons join with `and` / `or` (`and` binds
first). A record whose variable is missing is not a responder by that comparison, never a zero.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.errors import DataError

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}  # fmt: skip
_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|<|>)|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\")"
)


@dataclass(frozen=True)
class Comparison:
    variable: str
    op: str
    value: float | str

    def holds(self, record: Mapping[str, float | str | None]) -> bool:
        found = record.get(self.variable)
        if found is None:
            return False
        if isinstance(self.value, str):
            return OPERATORS[self.op](str(found).strip(), self.value)
        if isinstance(found, str):
            return False
        return OPERATORS[self.op](found, self.value)


@dataclass(frozen=True)
class Criterion:
    """Alternatives (or) of conjunctions (and) of comparisons, with the text it was read from."""

    text: str
    alternatives: tuple[tuple[Comparison, ...], ...]

    def holds(self, record: Mapping[str, float | str | None]) -> bool:
        return any(all(c.holds(record) for c in conjunction) for conjunction in self.alternatives)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.variable for conjunction in self.alternatives for c in conjunction))


def parse_criterion(text: str, where: str) -> Criterion:
    tokens = _tokens(text, where)
    alternatives: list[tuple[Comparison, ...]] = []
    conjunction: list[Comparison] = []
    position = 0
    while True:
        if position + 3 > len(tokens):
            raise _error(where, text, "expected VARIABLE OPERATOR VALUE")
        (kind1, name), (kind2, op), (kind3, value) = tokens[position : position + 3]
        if kind1 != "name" or name.lower() in ("and", "or") or kind2 != "op" or kind3 not in ("number", "text"):
            raise _error(where, text, "expected VARIABLE OPERATOR VALUE")
        if kind3 == "text" and op not in ("==", "!="):
            raise _error(where, text, f"text compares with == or != only, not {op}")
        conjunction.append(Comparison(name.upper(), op, float(value) if kind3 == "number" else value))
        position += 3
        if position == len(tokens):
            break
        kind, joiner = tokens[position]
        if kind != "name" or joiner.lower() not in ("and", "or"):
            raise _error(where, text, f"expected 'and' or 'or' before '{joiner}'")
        if joiner.lower() == "or":
            alternatives.append(tuple(conjunction))
            conjunction = []
        position += 1
    alternatives.append(tuple(conjunction))
    return Criterion(text, tuple(alternatives))


def _tokens(text: str, where: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise _error(where, text, f"cannot read '{stripped[position:].strip()}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        tokens.append(("text" if kind in ("single", "double") else kind, value))
        position = match.end()
    return tokens


def _error(where: str, text: str, problem: str) -> DataError:
    return DataError(f"{where}: responder criteria \"{text}\": {problem}", file="trial.toml",
                     column="outcomes.responder")  # fmt: skip
