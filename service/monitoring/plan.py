"""The [monitoring] section of trial.toml, and the monitoring table of a closed DSMB report.

    [monitoring]
    outcome = "CPEPS"                 # the [[outcomes]] parameter whose comparison is monitored
    spending = "obrien-fleming"       # or "pocock" (Lan–DeMets shapes), or "hsd" with gamma = -4
    futility_spending = "hsd"         # optional: a non-binding β-spending futility boundary (futility_gamma = -2)
    alpha = 0.05
    sides = 2
    direction = "higher"              # which sign of the estimate favours the experimental arm
    maximum_information = 21          # participants with the outcome at the final analysis
    planned_fractions = [0.5, 1.0]
    [[monitoring.looks]]              # earlier interim analyses, as they were done
    information_fraction = 0.48
    observed_z = 0.91
    date = 2018-03-01

The current look is this snapshot's: its information fraction is the participants the comparison analysed over
the maximum information, its z the comparison's two-sided p turned into a z with the sign of the estimate.
Boundaries are recomputed over the looks as done, then the planned looks still ahead (Lan & DeMets 1983).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from scipy import stats

from service.errors import DataError
from service.monitoring.futility import design_drift, futility_boundaries
from service.monitoring.spending import SPENDING_SHAPES, Boundary, spending_boundaries
from service.results import ComparisonRow, MonitoringRow

DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Look:
    information_fraction: float
    observed_z: float | None
    on: date | None


@dataclass(frozen=True)
class MonitoringPlan:
    outcome: str
    spending: str
    alpha: float
    sides: int
    direction: str
    maximum_information: int
    planned_fractions: tuple[float, ...]
    looks: tuple[Look, ...]
    power: float = 0.9  # the design's power, for the conditional power under the design effect
    futility_conditional_power: float | None = None  # a non-binding futility rule: stop to consider below this
    gamma: float = -4.0  # the Hwang–Shih–DeCani parameter, when spending = "hsd"
    futility_spending: str | None = None  # non-binding β-spending futility boundary: its shape
    futility_gamma: float = -2.0

    def efficacy_bounds(self, fractions: Sequence[float]) -> list[Boundary]:
        return spending_boundaries(fractions, alpha=self.alpha, sides=self.sides, shape=self.spending,
                                   gamma=self.gamma)  # fmt: skip

    def futility_bounds(self, fractions: Sequence[float], efficacy_z: Sequence[float]) -> list[float] | None:
        """β-spending futility boundaries at these looks, with the drift of the design's planned looks; None
        when the plan declares none."""
        if self.futility_spending is None:
            return None
        planned = [b.z for b in self.efficacy_bounds(self.planned_fractions)]
        beta = 1 - self.power
        drift = design_drift(self.planned_fractions, planned, beta=beta, shape=self.futility_spending,
                             gamma=self.futility_gamma)  # fmt: skip
        return futility_boundaries(fractions, efficacy_z, beta=beta, shape=self.futility_spending,
                                   gamma=self.futility_gamma, drift=drift)  # fmt: skip

    def rule(self) -> str:
        return (
            f"{_shape_words(self.spending, self.gamma, 'alpha')}; overall α = {self.alpha:g}, {self.sides}-sided"
            f"{' (α/2 on each side)' if self.sides == 2 else ''}. Information fraction = participants analysed for "
            f"the outcome / {self.maximum_information}. Boundaries are recomputed at the looks as done; planned "
            "looks are provisional. α is spent only at the declared looks: data between looks are shown as "
            f"information, not tested (a look is reached within {LOOK_TOLERANCE:g} of its planned information "
            "fraction). Observed z: the comparison's p-value as a z, signed so that a positive z favours the "
            "experimental arm. Conditional power: the chance of crossing the final boundary given this snapshot's z, "
            f"under the current trend and under the design's effect (power {self.power:g}; Lan & Wittes B-value). "
            "Repeated confidence interval (at a declared look): the estimate ± that look's boundary z × its SE."
            + (
                f" Non-binding futility rule: conditional power under the current trend below "
                f"{self.futility_conditional_power:g}."
                if self.futility_conditional_power is not None
                else ""
            )
            + (
                f" Non-binding futility boundary: {_shape_words(self.futility_spending, self.futility_gamma, 'beta')}"
                f", β = {1 - self.power:g} spent under the design's effect; the efficacy boundaries ignore it, so "
                "continuing past it does not inflate α (as gsDesign's test.type 4)."
                if self.futility_spending is not None
                else ""
            )
        )


def _shape_words(shape: str, gamma: float, spent: str) -> str:
    if shape == "hsd":
        return f"Hwang–Shih–DeCani {spent} spending (γ = {gamma:g})"
    named = "O'Brien–Fleming" if shape == "obrien-fleming" else "Pocock"
    return f"Lan–DeMets {spent} spending, {named} type"


def parse_monitoring(raw: dict[str, Any]) -> MonitoringPlan | None:
    section = raw.get("monitoring")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise _error("must be a table", "")
    outcome = section.get("outcome")
    parameters = [entry.get("parameter") for entry in raw.get("outcomes", []) if isinstance(entry, dict)]
    if not isinstance(outcome, str) or outcome not in parameters:
        raise _error(f"outcome {outcome!r} is not the parameter of an [[outcomes]] entry", "outcome")
    spending = str(section.get("spending", "obrien-fleming")).lower()
    if spending not in SPENDING_SHAPES:
        raise _error(f"spending '{spending}' is not one of {', '.join(SPENDING_SHAPES)}", "spending")
    alpha = _number(section, "alpha", 0.05)
    if not 0 < alpha < 0.5:
        raise _error(f"alpha {alpha:g} is not between 0 and 0.5", "alpha")
    sides = section.get("sides", 2)
    if sides not in (1, 2):
        raise _error(f"sides {sides!r} is not 1 or 2", "sides")
    direction = str(section.get("direction", "higher")).lower()
    if direction not in DIRECTIONS:
        raise _error(f"direction '{direction}' is not one of {', '.join(DIRECTIONS)}", "direction")
    maximum = section.get("maximum_information")
    if not isinstance(maximum, int) or isinstance(maximum, bool) or maximum <= 0:
        raise _error("maximum_information must be a positive whole number of participants", "maximum_information")
    planned = section.get("planned_fractions", [1.0])
    if not isinstance(planned, list) or not planned or not all(_is_fraction(t) for t in planned):
        raise _error("planned_fractions must be a list of numbers in (0, 1]", "planned_fractions")
    if sorted(set(planned)) != planned:
        raise _error("planned_fractions must increase", "planned_fractions")
    looks = tuple(_look(entry, index) for index, entry in enumerate(section.get("looks", []), start=1))
    fractions = [look.information_fraction for look in looks]
    if sorted(set(fractions)) != fractions:
        raise _error("the looks' information fractions must increase", "looks.information_fraction")
    power = _number(section, "power", 0.9)
    if not 0.5 <= power < 1:
        raise _error(f"power {power:g} is not between 0.5 and 1", "power")
    futility = section.get("futility_conditional_power")
    if futility is not None and (not isinstance(futility, int | float) or isinstance(futility, bool)
                                 or not 0 < futility < 1):  # fmt: skip
        raise _error("futility_conditional_power must be a probability such as 0.1", "futility_conditional_power")
    gamma = _number(section, "gamma", -4.0)
    futility_spending = section.get("futility_spending")
    if futility_spending is not None and str(futility_spending).lower() not in SPENDING_SHAPES:
        raise _error(f"futility_spending '{futility_spending}' is not one of {', '.join(SPENDING_SHAPES)}",
                     "futility_spending")  # fmt: skip
    futility_gamma = _number(section, "futility_gamma", -2.0)
    return MonitoringPlan(
        outcome, spending, alpha, int(sides), direction, maximum, tuple(float(t) for t in planned), looks,
        float(power), float(futility) if futility is not None else None, gamma,
        str(futility_spending).lower() if futility_spending is not None else None, futility_gamma,
    )  # fmt: skip


def conditional_power(z: float, fraction: float, final_boundary: float, drift: float) -> float:
    """The chance that the final z crosses `final_boundary` given z at information `fraction`, when the drift
    (the expected final z) is `drift`: with the B-value B = z√t, 1 − Φ((c − B − θ(1 − t)) / √(1 − t))
    (Lan & Wittes 1988; Proschan, Lan & Wittes 2006, ch. 3)."""
    if fraction >= 1:
        return 1.0 if z >= final_boundary else 0.0
    b = z * math.sqrt(fraction)
    return float(stats.norm.sf((final_boundary - b - drift * (1 - fraction)) / math.sqrt(1 - fraction)))


LOOK_TOLERANCE = 0.05  # a look is the next declared one when its information is within this of the planned


def monitoring_rows(
    plan: MonitoringPlan, comparisons: Sequence[ComparisonRow], on: date | None
) -> tuple[MonitoringRow, ...]:
    """The looks as done, this snapshot's, then the planned ones still ahead, with their boundaries. α is spent
    only at declared looks: this snapshot is a look when it has reached the next planned information fraction
    (less LOOK_TOLERANCE); otherwise it is shown between looks, as information, with no boundary and no test."""
    current = _current_look(plan, comparisons, on)
    done = [look for look in plan.looks if current is None or look.information_fraction < current.information_fraction]
    next_planned = plan.planned_fractions[len(done)] if len(done) < len(plan.planned_fractions) else None
    formal = current is not None and next_planned is not None and (
        current.information_fraction >= next_planned - LOOK_TOLERANCE
    )  # fmt: skip
    looks: list[tuple[str, Look]] = [("done", look) for look in done]
    if current is not None and formal:
        looks.append(("current", current))
    reached = looks[-1][1].information_fraction if looks else 0.0
    ahead = [t for t in plan.planned_fractions[len(looks) :] if t > reached]
    looks.extend(("planned", Look(t, None, None)) for t in ahead)
    if not looks and current is None:
        return ()
    fractions = [look.information_fraction for _, look in looks]
    bounds = plan.efficacy_bounds(fractions) if looks else []
    lower_bounds = plan.futility_bounds(fractions, [b.z for b in bounds]) if looks else None
    futility: Sequence[float | None] = lower_bounds if lower_bounds is not None else [None] * len(looks)
    rows = []
    for (status, look), bound, lower in zip(looks, bounds, futility, strict=True):
        crossed = ""
        if look.observed_z is not None:
            beyond = abs(look.observed_z) if plan.sides == 2 else look.observed_z
            crossed = "yes" if beyond >= bound.z else "no"
            if crossed == "no" and lower is not None and look.observed_z <= lower:
                crossed = "futility"
        rows.append(MonitoringRow(0, status, look.on, look.information_fraction, bound.z, bound.nominal_p,
                                  bound.alpha_spent, look.observed_z, crossed, futility_z=lower))  # fmt: skip
    if current is not None and not formal:
        between = MonitoringRow(0, "between looks", current.on, current.information_fraction, None, None, None,
                                current.observed_z, "not tested")  # fmt: skip
        position = sum(1 for r in rows if r.status == "done")
        rows.insert(position, between)
    rows = _with_projections(plan, rows, comparisons)
    return tuple(replace(row, look=number) for number, row in enumerate(rows, start=1))


def _current_look(plan: MonitoringPlan, comparisons: Sequence[ComparisonRow], on: date | None) -> Look | None:
    """This snapshot's look, from the monitored outcome's first comparison at its key timepoint (none in a pooled
    analysis)."""
    row = _monitored(plan, comparisons)
    if row is None or row.p_value is None or row.estimate is None:  # p_value again only for the type checker
        return None
    fraction = min((row.n_arm + row.n_control) / plan.maximum_information, 1.0)
    z = float(stats.norm.isf(max(row.p_value, 1e-300) / 2))
    favours = row.estimate > 0 if plan.direction == "higher" else row.estimate < 0
    return Look(fraction, z if favours else -z, on)


def _monitored(plan: MonitoringPlan, comparisons: Sequence[ComparisonRow]) -> ComparisonRow | None:
    return next(
        (r for r in comparisons if r.parameter == plan.outcome and r.key_timepoint and r.p_value is not None), None
    )


def _with_projections(plan: MonitoringPlan, rows: list[MonitoringRow], comparisons: Sequence[ComparisonRow]
                      ) -> list[MonitoringRow]:  # fmt: skip
    """The current row with its conditional power (under the current trend and under the design's effect), the
    futility rule's verdict, and, at a declared look, the repeated confidence interval of the comparison."""
    final = next((r.boundary_z for r in reversed(rows) if r.boundary_z is not None), None)
    found = []
    for row in rows:
        if row.status in ("current", "between looks") and row.observed_z is not None and final is not None:
            t = row.information_fraction
            trend = conditional_power(row.observed_z, t, final, row.observed_z / math.sqrt(t))
            design_drift = float(stats.norm.isf(plan.alpha / plan.sides) + stats.norm.isf(1 - plan.power))
            design = conditional_power(row.observed_z, t, final, design_drift)
            futility = ""
            if plan.futility_conditional_power is not None:
                futility = ("conditional power below the futility rule" if trend < plan.futility_conditional_power
                            else "above the futility rule")  # fmt: skip
            low = high = None
            compared = _monitored(plan, comparisons)
            if row.boundary_z is not None and compared is not None and compared.std_error is not None:
                low, high = _repeated_interval(compared, row.boundary_z)
            row = replace(row, conditional_power_trend=trend, conditional_power_design=design, futility=futility,
                          rci_low=low, rci_high=high)  # fmt: skip
        found.append(row)
    return found


def _repeated_interval(row: ComparisonRow, boundary: float) -> tuple[float | None, float | None]:
    """The estimate ± the look's boundary z × its SE (Jennison & Turnbull 1989): on the log scale for a ratio."""
    assert row.estimate is not None and row.std_error is not None
    if row.is_ratio:
        if row.estimate <= 0:
            return None, None
        centre = math.log(row.estimate)
        return math.exp(centre - boundary * row.std_error), math.exp(centre + boundary * row.std_error)
    return row.estimate - boundary * row.std_error, row.estimate + boundary * row.std_error


def _look(entry: Any, index: int) -> Look:
    if not isinstance(entry, dict) or not _is_fraction(entry.get("information_fraction")):
        raise _error(f"look {index}: information_fraction must be a number in (0, 1]", "looks.information_fraction")
    z = entry.get("observed_z")
    if z is not None and (not isinstance(z, int | float) or isinstance(z, bool) or not math.isfinite(z)):
        raise _error(f"look {index}: observed_z must be a number", "looks.observed_z")
    on = entry.get("date")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on)
        except ValueError:
            raise _error(f"look {index}: date '{on}' is not YYYY-MM-DD", "looks.date") from None
    if on is not None and not isinstance(on, date):
        raise _error(f"look {index}: date must be YYYY-MM-DD", "looks.date")
    return Look(float(entry["information_fraction"]), None if z is None else float(z), on)


def _is_fraction(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1


def _number(section: dict[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _error(f"{key} must be a number", key)
    return float(value)


def _error(problem: str, key: str) -> DataError:
    return DataError(f"monitoring: {problem}", file="trial.toml", column=f"monitoring.{key}" if key else "monitoring")
