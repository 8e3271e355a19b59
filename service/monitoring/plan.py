"""The [monitoring] section of trial.toml.

    [monitoring]
    outcome = "CPEPS"                 # the [[outcomes]] parameter whose comparison is monitored
    comparison = "HIGH vs PBO"        # or "trend", or a list with alpha_split = "bonferroni" / "holm"
                                      # (service.monitoring.comparison); optional with two arms
    spending = "obrien-fleming"       # or "pocock" (Lan–DeMets shapes), or "hsd" with gamma = -4
    futility_spending = "hsd"         # optional: a non-binding β-spending futility boundary (futility_gamma = -2)
    alpha = 0.05
    sides = 2
    direction = "higher"              # which sign of the estimate favours the experimental arm
    maximum_information = 21          # the comparison's information at the final analysis
    planned_fractions = [0.5, 1.0]
    [[monitoring.looks]]              # earlier interim analyses, as they were done
    date = 2018-03-01                 # its data are the stored snapshot with this data cut-off, or …
    snapshot = 3                      # … the snapshot named (cut at the date when its data run past it)
    information_fraction = 0.48       # typed only for a look made before regsync kept the data
    observed_z = 0.91

The rows of the monitoring table are made in service.monitoring.rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.errors import DataError
from service.monitoring.comparison import ComparisonName, parse_alpha_split, parse_comparisons
from service.monitoring.conditional import efficacy_drift
from service.monitoring.futility import design_drift, futility_boundaries
from service.monitoring.spending import SPENDING_SHAPES, Boundary, spending_boundaries

DIRECTIONS = ("higher", "lower")
LOOK_TOLERANCE = 0.05  # a look is the next declared one when its information is within this of the planned
# rpact's getDesignGroupSequential allows at most 20 stages (kMax); gsDesign's sfHSD takes γ in [-40, 40].
MAX_LOOKS = 20
MAX_GAMMA = 40.0
MAX_INFORMATION = 10_000_000  # participants or events: more than any trial has


@dataclass(frozen=True)
class Look:
    """An interim analysis done before this report. `fractions` and `zs` hold the typed information fraction and
    observed z of each monitored comparison (in the plan's order), None where the look's snapshot gives them."""

    fractions: tuple[float | None, ...]
    zs: tuple[float | None, ...]
    on: date | None
    snapshot: int | None = None

    @property
    def typed(self) -> bool:
        """Made before regsync kept the data: its numbers are as typed in trial.toml."""
        return self.snapshot is None and all(t is not None for t in self.fractions)


@dataclass(frozen=True)
class MonitoringPlan:
    outcome: str
    spending: str
    alpha: float
    sides: int
    direction: str
    maximum_information: tuple[int, ...]  # each monitored comparison's, in the order of `comparisons`
    planned_fractions: tuple[float, ...]
    looks: tuple[Look, ...]
    power: float = 0.9  # the design's power, for the conditional power under the design effect
    futility_conditional_power: float | None = None  # a non-binding futility rule: stop to consider below this
    gamma: float = -4.0  # the Hwang–Shih–DeCani parameter, when spending = "hsd"
    futility_spending: str | None = None  # non-binding β-spending futility boundary: its shape
    futility_gamma: float = -2.0
    comparisons: tuple[ComparisonName, ...] = (ComparisonName(""),)
    alpha_split: str | None = None  # "bonferroni" or "holm", for two or more comparisons

    def efficacy_bounds(self, fractions: Sequence[float], alpha: float | None = None) -> list[Boundary]:
        """Boundaries at these looks, at the plan's α or a comparison's share of it."""
        return spending_boundaries(fractions, alpha=self.alpha if alpha is None else alpha, sides=self.sides,
                                   shape=self.spending, gamma=self.gamma)  # fmt: skip

    def futility_bounds(
        self, fractions: Sequence[float], efficacy_z: Sequence[float], alpha: float | None = None
    ) -> list[float] | None:
        """β-spending futility boundaries at these looks, with the design's drift (at the same α as
        `efficacy_z`); None when the plan declares none."""
        if self.futility_spending is None:
            return None
        return futility_boundaries(fractions, efficacy_z, beta=1 - self.power, shape=self.futility_spending,
                                   gamma=self.futility_gamma, drift=self.design_drift(alpha))  # fmt: skip

    def design_drift(self, alpha: float | None = None) -> float:
        """The effect the design was sized for, as its expected final z, at the plan's α or a comparison's share:
        with a β-spending futility boundary, the drift for which the final futility boundary meets the final
        efficacy boundary at the planned looks (gsDesign's test.type 4 sizing: power 1 − β counting the futility
        boundary as if binding); without one, the drift for which the efficacy boundaries alone give the power
        (rpact's getDesignCharacteristics). One drift serves the futility boundary and the conditional power."""
        planned = [b.z for b in self.efficacy_bounds(self.planned_fractions, alpha)]
        if self.futility_spending is None:
            return efficacy_drift(self.planned_fractions, planned, power=self.power, sides=self.sides)
        return design_drift(self.planned_fractions, planned, beta=1 - self.power, shape=self.futility_spending,
                            gamma=self.futility_gamma)  # fmt: skip

    def rule(self) -> str:
        return (
            f"{_shape_words(self.spending, self.gamma, 'alpha')}; overall α = {self.alpha:g}, {self.sides}-sided"
            f"{' (α/2 on each side)' if self.sides == 2 else ''}. {self._split_words()}Information fraction of a "
            "comparison = its information / its maximum information: participants analysed in the two arms "
            "compared (events, for a time-to-event outcome; every arm, for the dose-response trend). Boundaries are "
            "recomputed at the looks as done; planned looks are provisional. α is spent only at the declared looks: "
            f"data between looks are shown as information, not tested (a look is reached within {LOOK_TOLERANCE:g} "
            "of its planned information fraction). A planned look not held is shown as skipped: it spends no α, "
            "and the next look's boundary spends the cumulative α at that look's actual information fraction, as "
            "the spending function does. Observed z: the z of the comparison's test's two-sided p (Φ⁻¹(1 − p/2)), "
            "signed by the estimate so that a positive z favours the experimental arm (for the trend: the higher "
            "dose); a look done earlier is recomputed from its stored snapshot. In brackets (est. / SE): the "
            "estimate over its standard error (log scale for a ratio), signed alike; it differs from the observed z "
            "where the test is not the Wald test of that estimate. Conditional power: the chance of crossing an "
            "efficacy boundary at "
            "one of the declared looks still to come, given this snapshot's z (Lan & Wittes B-value, carried over "
            "the looks ahead as rpact's getConditionalPower; two-sided, crossing the lower boundary first is no "
            "success; a non-binding futility boundary is not a stop), under the current trend and under the "
            "design's effect "
            f"(power {self.power:g}): {self._drift_words()}. Repeated confidence interval (at a declared look): the "
            "estimate ± that look's boundary z × its SE, in the direction of the estimate beside it. Where a boundary "
            "is crossed, and at the final look: the final p-value, median-unbiased estimate and confidence interval "
            "adjusted for the design by the stagewise ordering (as rpact's getFinalPValue and "
            "getFinalConfidenceInterval: earlier crossings of the upper boundary are more extreme; at the first look, "
            "the fixed design's)."
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

    def _drift_words(self) -> str:
        if self.futility_spending is None:
            return ("the expected final z for which the efficacy boundaries at the planned looks give that power "
                    f"({self.design_drift():.3f} at α = {self.alpha:g})")  # fmt: skip
        return ("the expected final z for which the final futility boundary meets the final efficacy boundary at "
                f"the planned looks ({self.design_drift():.3f} at α = {self.alpha:g}), the same drift as the "
                "futility boundary's")  # fmt: skip

    def _split_words(self) -> str:
        m = len(self.comparisons)
        if self.alpha_split == "bonferroni":
            return (f"{m} comparisons monitored, α split by Bonferroni: each has its own boundaries at α/{m} = "
                    f"{self.alpha / m:g}. ")  # fmt: skip
        if self.alpha_split == "holm":
            return (f"{m} comparisons monitored, α split by Holm's procedure in the graphical group-sequential "
                    f"approach (Maurer & Bretz 2013): each starts at α/{m} = {self.alpha / m:g}; when one crosses its "
                    "boundary, its α passes in equal shares to those not yet rejected, whose boundaries are "
                    "recomputed at the larger α from that look on (the current look only, as MultiGroupSequential's "
                    "seqmbgx does by default, retrospective = 0). ")  # fmt: skip
        return ""


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
    entries: dict[Any, dict[str, Any]] = {}
    for entry in raw.get("outcomes", []):
        if isinstance(
            entry, dict
        ):  # the first outcome of a parameter is the monitored one, as service.monitoring.targets
            entries.setdefault(entry.get("parameter"), entry)  # reads it (a parameter may have several analyses)
    if not isinstance(outcome, str) or outcome not in entries:
        raise _error(f"outcome {outcome!r} is not the parameter of an [[outcomes]] entry", "outcome")
    comparisons = parse_comparisons(section, entries[outcome].get("dose_response") is True)
    alpha_split = parse_alpha_split(section, len(comparisons))
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
    maximum = _maximum_information(section.get("maximum_information"), comparisons)
    planned = section.get("planned_fractions", [1.0])
    if not isinstance(planned, list) or not planned or not all(_is_fraction(t) for t in planned):
        raise _error("planned_fractions must be a list of numbers in (0, 1]", "planned_fractions")
    if sorted(set(planned)) != planned:
        raise _error("planned_fractions must increase", "planned_fractions")
    if len(planned) > MAX_LOOKS:
        raise _error(f"planned_fractions lists {len(planned)} looks; a group-sequential design has at most "
                     f"{MAX_LOOKS}", "planned_fractions")  # fmt: skip
    done = section.get("looks", [])
    if not isinstance(done, list):
        raise _error("looks must be a list of tables ([[monitoring.looks]])", "looks")
    if len(done) > MAX_LOOKS:
        raise _error(f"{len(done)} looks are listed; a group-sequential design has at most {MAX_LOOKS}", "looks")
    looks = tuple(_look(entry, index, comparisons) for index, entry in enumerate(done, start=1))
    _check_look_order(looks)
    power = _number(section, "power", 0.9)
    if not 0.5 <= power < 1:
        raise _error(f"power {power:g} is not between 0.5 and 1", "power")
    futility = section.get("futility_conditional_power")
    if futility is not None and (not isinstance(futility, int | float) or isinstance(futility, bool)
                                 or not 0 < futility < 1):  # fmt: skip
        raise _error("futility_conditional_power must be a probability such as 0.1", "futility_conditional_power")
    gamma = _gamma(section, "gamma", -4.0)
    futility_spending = section.get("futility_spending")
    if futility_spending is not None and str(futility_spending).lower() not in SPENDING_SHAPES:
        raise _error(f"futility_spending '{futility_spending}' is not one of {', '.join(SPENDING_SHAPES)}",
                     "futility_spending")  # fmt: skip
    futility_gamma = _gamma(section, "futility_gamma", -2.0)
    return MonitoringPlan(
        outcome, spending, alpha, int(sides), direction, maximum, tuple(float(t) for t in planned), looks,
        float(power), float(futility) if futility is not None else None, gamma,
        str(futility_spending).lower() if futility_spending is not None else None, futility_gamma, comparisons,
        alpha_split,
    )  # fmt: skip


def _maximum_information(value: Any, comparisons: Sequence[ComparisonName]) -> tuple[int, ...]:
    """One number for every comparison, or a table keyed by the comparisons as `comparison` writes them."""
    what = "maximum_information must be a positive whole number (participants, or events for time to event)"
    if isinstance(value, dict):
        if not comparisons[0].written:
            raise _error(what, "maximum_information")
        return tuple(_positive_int(_by_comparison(value, name, "maximum_information"), what) for name in comparisons)
    return tuple(_positive_int(value, what) for _ in comparisons)


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_INFORMATION:
        raise _error(what, "maximum_information")
    return value


def _by_comparison(table: Mapping[str, Any], name: ComparisonName, key: str) -> Any:
    for written, value in table.items():
        if written.strip().casefold() == name.written.casefold():
            return value
    raise _error(f"{key} has no entry for comparison '{name.written}'", key)


def _look(entry: Any, index: int, comparisons: Sequence[ComparisonName]) -> Look:
    if not isinstance(entry, dict):
        raise _error(f"look {index} must be a table ([[monitoring.looks]])", "looks")
    on = entry.get("date")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on)
        except ValueError:
            raise _error(f"look {index}: date '{on}' is not YYYY-MM-DD", "looks.date") from None
    if on is not None and not isinstance(on, date):
        raise _error(f"look {index}: date must be YYYY-MM-DD", "looks.date")
    snapshot = entry.get("snapshot")
    if snapshot is not None and (not isinstance(snapshot, int) or isinstance(snapshot, bool) or snapshot <= 0):
        raise _error(f"look {index}: snapshot must be a snapshot id (regsync snapshots TRIAL)", "looks.snapshot")
    fractions = _per_comparison(entry, "information_fraction", index, comparisons, _is_fraction, "a number in (0, 1]")
    zs = _per_comparison(entry, "observed_z", index, comparisons, _is_z, "a number")
    if snapshot is not None and any(z is not None for z in zs):
        raise _error(f"look {index}: observed_z is only for a look made before regsync kept the data; this look "
                     f"names snapshot {snapshot}, whose data give its z", "looks.observed_z")  # fmt: skip
    if snapshot is None and on is None and any(t is None for t in fractions):
        raise _error(f"look {index}: information_fraction must be a number in (0, 1], or the look names its "
                     "snapshot or date", "looks.information_fraction")  # fmt: skip
    return Look(tuple(None if t is None else float(t) for t in fractions),
                tuple(None if z is None else float(z) for z in zs), on, snapshot)  # fmt: skip


def _per_comparison(
    entry: dict[str, Any], key: str, index: int, comparisons: Sequence[ComparisonName], valid: Any, what: str
) -> tuple[Any, ...]:
    """A look's value for each comparison: one for all, or (several comparisons) a table keyed by comparison."""
    value = entry.get(key)
    if isinstance(value, dict) and comparisons[0].written:
        values = tuple(_by_comparison(value, name, f"looks.{key}") for name in comparisons)
    else:
        values = tuple(value for _ in comparisons)
    for v in values:
        if v is not None and not valid(v):
            raise _error(f"look {index}: {key} must be {what}", f"looks.{key}")
    return values


def _check_look_order(looks: Sequence[Look]) -> None:
    for position in range(len(looks[0].fractions) if looks else 0):
        fractions = [t for t in (look.fractions[position] for look in looks) if t is not None]
        if sorted(set(fractions)) != fractions:
            raise _error("the looks' information fractions must increase", "looks.information_fraction")
    dates = [look.on for look in looks if look.on is not None]
    if sorted(set(dates)) != dates:
        raise _error("the looks' dates must increase", "looks.date")


def _is_fraction(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1


def _is_z(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(section: dict[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _error(f"{key} must be a number", key)
    return float(value)


def _gamma(section: dict[str, Any], key: str, default: float) -> float:
    value = _number(section, key, default)
    if not -MAX_GAMMA <= value <= MAX_GAMMA:
        raise _error(f"{key} {value:g} is not between {-MAX_GAMMA:g} and {MAX_GAMMA:g} (the Hwang–Shih–DeCani "
                     "γ; -4 is close to O'Brien–Fleming, 1 to Pocock)", key)  # fmt: skip
    return value


def _error(problem: str, key: str) -> DataError:
    return DataError(f"monitoring: {problem}", file="trial.toml", column=f"monitoring.{key}" if key else "monitoring")
