"""trial.toml's [vitals]: which positions and timepoints the vital-sign tables show, the clinically notable criteria
per parameter, and the weight-change categories. Choices only: the data say what was measured.

    [vitals]
    positions = ["SUPINE", "STANDING"]   # default: every position, each shown apart
    weight_percent = [5, 10]             # weight change categories, percent of baseline (default 5 and 10)

    [[vitals.criteria]]
    parameter = "SYSBP"
    above = [160]                        # value > 160
    below = [90]                         # value < 90
    increase = [20]                      # value − baseline ≥ 20
    decrease = [20]                      # baseline − value ≥ 20

Without [[vitals.criteria]], the defaults below (FDA ST&F IG, vital signs) apply to systolic and diastolic blood
pressure and pulse (heart) rate, and the table's footnote says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.errors import DataError
from service.strictkeys import Kind, Table, Tables, text, texts


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x >= 0 for x in value
    )


NUMBERS = Kind("a list of numbers from 0, such as [140, 160]", _numbers)
VITALS = Table(
    {
        "positions": texts(),
        "timepoints": texts(),
        "weight": text(),
        "weight_percent": NUMBERS,
        "criteria": Tables(
            {"parameter": text(), "above": NUMBERS, "below": NUMBERS, "increase": NUMBERS, "decrease": NUMBERS}
        ),
    }
)
KINDS = ("below", "above", "increase", "decrease")  # the order the table lists them


@dataclass(frozen=True)
class Criterion:
    """One clinically notable criterion of one parameter: value above or below a limit, or a change from baseline
    of at least a limit (increase: value − baseline ≥ limit; decrease: baseline − value ≥ limit)."""

    parameter: str
    kind: str
    limit: float

    @property
    def label(self) -> str:
        if self.kind == "above":
            return f"> {self.limit:g}"
        if self.kind == "below":
            return f"< {self.limit:g}"
        return f"{self.kind.capitalize()} ≥ {self.limit:g} from baseline"


# FDA Standard Safety Tables and Figures Integrated Guide, vital signs: the blood-pressure categories of its
# postbaseline tables (systolic < 90 and diastolic < 60 for hypotension; the higher categories), with the changes
# from baseline and the pulse-rate limits commonly paired with them. Used only where trial.toml declares none.
DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("SYSBP", "below", 90),
    Criterion("SYSBP", "above", 140),
    Criterion("SYSBP", "above", 160),
    Criterion("SYSBP", "above", 180),
    Criterion("SYSBP", "increase", 20),
    Criterion("SYSBP", "decrease", 20),
    Criterion("DIABP", "below", 60),
    Criterion("DIABP", "above", 90),
    Criterion("DIABP", "above", 110),
    Criterion("DIABP", "increase", 10),
    Criterion("DIABP", "decrease", 10),
    Criterion("PULSE", "below", 50),
    Criterion("PULSE", "above", 100),
    Criterion("PULSE", "above", 120),
    Criterion("PULSE", "increase", 20),
    Criterion("PULSE", "decrease", 20),
)
# Heart rate is PULSE in the CDISC pilot and SDTM VSTESTCD's codelist; HR in some trials: the defaults apply to both.
DEFAULT_ALIASES = {"HR": "PULSE"}
DEFAULT_WEIGHT_PERCENT = (5.0, 10.0)


@dataclass(frozen=True)
class VitalsOptions:
    positions: tuple[str, ...] = ()  # upper case; empty: every position
    timepoints: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = DEFAULT_CRITERIA
    declared: bool = False  # the criteria are the trial's own, not the defaults
    weight: str = "WEIGHT"
    weight_percent: tuple[float, ...] = DEFAULT_WEIGHT_PERCENT

    def criteria_for(self, paramcd: str) -> tuple[Criterion, ...]:
        """The parameter's criteria; with the defaults, heart rate coded HR takes PULSE's."""
        code = paramcd if self.declared else DEFAULT_ALIASES.get(paramcd, paramcd)
        return tuple(c for c in self.criteria if c.parameter == code)


def read_vitals_options(raw: Mapping[str, Any]) -> VitalsOptions:
    """[vitals] as the tables use it. The schema (VITALS) has checked each value's kind when the definition was
    read; what is checked here needs more than one value."""
    section = raw.get("vitals") or {}
    entries = section.get("criteria") or []
    criteria = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        parameter = str(entry.get("parameter") or "").strip()
        if not parameter:
            raise DataError(f"[[vitals.criteria]] entry {number} names no parameter", file="trial.toml",
                            column="vitals.criteria.parameter",
                            hint='Name the vital sign by its code as the data hold it: parameter = "SYSBP".',
                            )  # fmt: skip
        if parameter in seen:
            raise DataError(f"[[vitals.criteria]] names {parameter} twice", file="trial.toml",
                            column="vitals.criteria.parameter",
                            hint="Give each parameter's criteria in one entry.")  # fmt: skip
        seen.add(parameter)
        found = [Criterion(parameter, kind, float(limit)) for kind in KINDS for limit in entry.get(kind, [])]
        if not found:
            raise DataError(f"[[vitals.criteria]] entry for {parameter} has no criterion", file="trial.toml",
                            column="vitals.criteria",
                            hint="Give above, below, increase or decrease limits.")  # fmt: skip
        criteria.extend(found)
    return VitalsOptions(
        positions=tuple(p.strip().upper() for p in section.get("positions", [])),
        timepoints=tuple(t.strip().upper() for t in section.get("timepoints", [])),
        criteria=tuple(criteria) if criteria else DEFAULT_CRITERIA,
        declared=bool(criteria),
        weight=str(section.get("weight", "WEIGHT")),
        weight_percent=tuple(sorted(float(p) for p in section.get("weight_percent", DEFAULT_WEIGHT_PERCENT))),
    )
