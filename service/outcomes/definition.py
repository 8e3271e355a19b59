"""The [[outcomes]] of trial.toml, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.errors import DataError

METHODS = ("welch", "mann-whitney", "ancova", "fisher", "chi-square")
VARIABLES = ("value", "change")
TYPES = ("primary", "secondary", "other")


@dataclass(frozen=True)
class OutcomeSpec:
    parameter: str
    title: str
    outcome_type: str
    method: str
    variable: str  # compare the value at the timepoint, or its change from baseline
    timepoint: str | None  # the visit compared; default the last one
    time_frame: str
    description: str


def parse_outcomes(raw: dict[str, Any]) -> tuple[OutcomeSpec, ...]:
    specs = []
    for index, entry in enumerate(raw.get("outcomes", []), start=1):
        where = f"outcomes (entry {index})"
        if not isinstance(entry, dict) or not isinstance(entry.get("parameter"), str):
            raise _error(where, "needs a 'parameter' naming the measurement", "parameter")
        method = str(entry.get("method", "welch")).lower()
        if method not in METHODS:
            raise _error(where, f"method '{method}' is not one of {', '.join(METHODS)}", "method")
        variable = str(entry.get("variable", "value")).lower()
        if variable not in VARIABLES:
            raise _error(where, f"variable '{variable}' is not one of {', '.join(VARIABLES)}", "variable")
        if method == "ancova" and variable == "change":
            raise _error(where, 'ANCOVA adjusts the value for its baseline; use variable = "value"', "variable")
        outcome_type = str(entry.get("type", "secondary")).lower()
        if outcome_type not in TYPES:
            raise _error(where, f"type '{outcome_type}' is not one of {', '.join(TYPES)}", "type")
        specs.append(
            OutcomeSpec(
                parameter=entry["parameter"],
                title=str(entry.get("title", entry["parameter"])),
                outcome_type=outcome_type,
                method=method,
                variable=variable,
                timepoint=entry.get("timepoint"),
                time_frame=str(entry.get("time_frame", "")),
                description=str(entry.get("description", "")),
            )
        )
    return tuple(specs)


def _error(where: str, problem: str, key: str) -> DataError:
    return DataError(f"{where}: {problem}", file="trial.toml", column=f"outcomes.{key}")
