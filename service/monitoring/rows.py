"""The monitoring table of a closed DSMB report: for each monitored comparison, the looks as done, this snapshot's,
the skipped and the planned ones, with their boundaries (Lan & DeMets 1983) at the comparison's share of α.

A comparison's information at a look is counted from the data of that look: participants analysed in the two arms
compared (events for a time-to-event outcome, every arm for the dose-response trend), over its maximum information.
Its z is the comparison's two-sided p as a z, signed so that positive favours the experimental arm; beside it the
estimate over its SE, signed alike (they differ where the test is not a Wald test).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from scipy import stats

from service.errors import DataError
from service.monitoring.adjusted import stagewise_adjusted
from service.monitoring.comparison import Target
from service.monitoring.conditional import conditional_power
from service.monitoring.plan import Look, MonitoringPlan
from service.monitoring.schedule import HELD, Slot, schedule_looks
from service.monitoring.spending import Boundary
from service.results import TOTAL, ArmEstimateRow, ComparisonRow, MonitoringRow


@dataclass(frozen=True)
class Evidence:
    """What one look's data say of the monitored outcome: its comparisons and per-arm estimates."""

    comparisons: Sequence[ComparisonRow] = ()
    estimates: Sequence[ArmEstimateRow] = ()
    on: date | None = None  # the data cut-off of the look


@dataclass(frozen=True)
class Point:
    """One comparison at one look."""

    fraction: float
    z: float | None
    on: date | None
    row: ComparisonRow | None = None  # the comparison, when computed from data


def monitoring_rows(
    plan: MonitoringPlan,
    comparisons: Sequence[ComparisonRow],
    on: date | None,
    *,
    estimates: Sequence[ArmEstimateRow] = (),
    targets: Sequence[Target] | None = None,
    past: Mapping[int, Evidence] | None = None,
) -> tuple[MonitoringRow, ...]:
    """Every monitored comparison's looks, in the plan's order of comparisons. `targets`: the plan's comparisons
    resolved to arm labels (service.monitoring.comparison.resolve_targets), by default the outcome's one
    comparison; `past`: the evidence of done looks that regsync holds the data of, by the look's position in
    plan.looks (service.monitoring.looks)."""
    targets = tuple(targets) if targets is not None else (Target(""),)
    now = Evidence(comparisons, estimates)
    current = [_point(plan, i, target, now, on) for i, target in enumerate(targets)]
    declared = any(look.on is not None and look.on == on for look in plan.looks)
    done = [(index, look) for index, look in enumerate(plan.looks) if _before(look, on, current[0])]
    done_points = [[_done_point(plan, i, target, index, look, past or {}) for index, look in done]
                   for i, target in enumerate(targets)]  # fmt: skip
    slots = schedule_looks(plan.planned_fractions, [p.fraction for p in done_points[0]],
                           current[0].fraction if current[0] else None, declared)  # fmt: skip
    per_comparison = [_points(slots, done_points[i], current[i]) for i in range(len(targets))]
    decided = _decide(plan, per_comparison)
    rows: list[MonitoringRow] = []
    for i, target in enumerate(targets):
        point = current[i]
        row = point.row if point is not None else None
        arm, control = _named(target, row)
        found = _comparison_rows(plan, per_comparison[i], decided[i], arm, control)
        rows.extend(_with_projections(plan, found, row, decided[i].final_level))
    return tuple(rows)


@dataclass
class Decided:
    """A comparison's boundaries at its looks held and ahead, and its share of α as it stood at each."""

    bounds: dict[int, tuple[Boundary, float]]  # slot position -> (boundary, the comparison's α there)
    final_level: float
    futility: dict[int, float]


def _decide(plan: MonitoringPlan, per_comparison: Sequence[list[tuple[Slot, Point | None]]]) -> list[Decided]:
    """Boundaries look by look. Bonferroni: each comparison at α/m throughout. Holm, as the graphical approach
    (Maurer & Bretz 2013) with equal weights: when comparisons cross at a look, their α passes in equal shares to
    those not yet rejected, whose boundaries at that look are recomputed at the larger α and tested again, until
    none more crosses; later looks use the larger α. Earlier looks are not tested again (seqmbgx's default,
    retrospective = 0)."""
    m = len(per_comparison)
    levels = [plan.alpha / m if plan.alpha_split else plan.alpha] * m
    cache: dict[tuple[tuple[float, ...], float], list[Boundary]] = {}

    def bounds(i: int) -> tuple[list[int], list[Boundary]]:
        positions = [p for p, (slot, _) in enumerate(per_comparison[i]) if slot.status in (*HELD, "planned")]
        fractions = tuple(_fraction(*per_comparison[i][p]) for p in positions)
        _check_increasing(fractions)
        key = (fractions, levels[i])
        if key not in cache:
            cache[key] = plan.efficacy_bounds(fractions, levels[i])
        return positions, cache[key]

    decided = [Decided({}, levels[i], {}) for i in range(m)]
    rejected: set[int] = set()
    held = [p for p, (slot, _) in enumerate(per_comparison[0]) if slot.status in HELD]
    for position in held:
        while True:
            newly = []
            for i in range(m):
                positions, found = bounds(i)
                bound = found[positions.index(position)]
                decided[i].bounds[position] = (bound, levels[i])
                point = per_comparison[i][position][1]
                if i not in rejected and point is not None and _crosses(plan, point.z, bound.z):
                    newly.append(i)
            rejected.update(newly)
            remaining = [i for i in range(m) if i not in rejected]
            if not newly or plan.alpha_split != "holm" or not remaining:
                break
            for i in remaining:
                levels[i] = plan.alpha / len(remaining)
    for i in range(m):
        positions, found = bounds(i)
        for position, bound in zip(positions, found, strict=True):
            if per_comparison[i][position][0].status == "planned":
                decided[i].bounds[position] = (bound, levels[i])
        decided[i].final_level = levels[i]
        shown = [decided[i].bounds[p][0].z for p in positions]
        lower = plan.futility_bounds([found[k].information_fraction for k in range(len(found))], shown, levels[i])
        if lower is not None:
            decided[i].futility = dict(zip(positions, lower, strict=True))
    return decided


def _comparison_rows(
    plan: MonitoringPlan, points: Sequence[tuple[Slot, Point | None]], decided: Decided, arm: str, control: str
) -> list[MonitoringRow]:
    rows = []
    for position, (slot, point) in enumerate(points):
        fraction = point.fraction if point is not None else slot.fraction
        z = point.z if point is not None else None
        on = point.on if point is not None else None
        if position not in decided.bounds:  # skipped, or between looks: no boundary, no α spent, no test
            crossed = "not tested" if slot.status == "between looks" else ""
            rows.append(MonitoringRow(0, slot.status, on, fraction, None, None, None, z, crossed, arm=arm,
                                      control=control, wald_z=_wald_z(plan, point)))  # fmt: skip
            continue
        bound, level = decided.bounds[position]
        lower = decided.futility.get(position)
        crossed = ""
        if z is not None and slot.status in HELD:
            crossed = "yes" if _crosses(plan, z, bound.z) else "no"
            if crossed == "no" and lower is not None and z <= lower:
                crossed = "futility"
        row = MonitoringRow(0, slot.status, on, fraction, bound.z, bound.nominal_p, bound.alpha_spent, z, crossed,
                            futility_z=lower, arm=arm, control=control, alpha_level=level,
                            wald_z=_wald_z(plan, point))  # fmt: skip
        stops = crossed == "yes" or position == max(decided.bounds)  # crossed, or the final look
        first = not any(r.crossed == "yes" for r in rows)  # the trial stops at its first crossing
        if point is not None and point.row is not None and stops and first and slot.status in HELD:
            row = _adjusted(plan, row, point.row, rows, level)
        rows.append(row)
    return [replace(row, look=number) for number, row in enumerate(rows, start=1)]


def _adjusted(
    plan: MonitoringPlan, row: MonitoringRow, compared: ComparisonRow, before: Sequence[MonitoringRow], level: float
) -> MonitoringRow:
    """The look's final p, median-unbiased estimate and interval by the stagewise ordering
    (service.monitoring.adjusted), over the looks held before it; the effect is μ × the estimate's SE."""
    if row.observed_z is None or compared.estimate is None or not compared.std_error:
        return row
    if compared.is_ratio and compared.estimate <= 0:
        return row
    held = [r for r in before if r.status in HELD and r.boundary_z is not None]
    fractions = [*(r.information_fraction for r in held), row.information_fraction]
    # Two-sided, a z against the arm is ordered by the lower boundaries, the mirror of the upper ones.
    mirror = -1.0 if plan.sides == 2 and row.observed_z < 0 else 1.0
    found = stagewise_adjusted(fractions, [r.boundary_z for r in held if r.boundary_z is not None],
                               mirror * row.observed_z, alpha=level, sides=plan.sides)  # fmt: skip
    sign = mirror * (1.0 if plan.direction == "higher" else -1.0)
    centre = math.log(compared.estimate) if compared.is_ratio else compared.estimate
    if held:
        values = [sign * mu * compared.std_error for mu in (found.median_unbiased, found.low, found.high)]
    else:  # the first look: the fixed design's estimate and interval, as rpact
        half = (found.high - found.median_unbiased) * compared.std_error
        values = [centre, centre - half, centre + half]
    if compared.is_ratio:
        values = [math.exp(v) for v in values]
    low, high = sorted(values[1:])
    return replace(row, adjusted_p=found.p_value, median_unbiased=values[0], adjusted_ci_low=low,
                   adjusted_ci_high=high)  # fmt: skip


def _wald_z(plan: MonitoringPlan, point: Point | None) -> float | None:
    """The estimate over its SE (on the log scale for a ratio), signed as the observed z: beside it, since a test's
    p is not always a Wald test's (a t-test's, a log-rank's, an exact test's)."""
    row = point.row if point is not None else None
    if row is None or row.estimate is None or not row.std_error:
        return None
    if row.is_ratio and row.estimate <= 0:
        return None
    wald = (math.log(row.estimate) if row.is_ratio else row.estimate) / row.std_error
    return wald if plan.direction == "higher" else -wald


def _fraction(slot: Slot, point: Point | None) -> float:
    """The comparison's own information fraction at a look held; the planned one at a look ahead."""
    return point.fraction if point is not None else slot.fraction


def _crosses(plan: MonitoringPlan, z: float | None, boundary: float) -> bool:
    if z is None:
        return False
    return (abs(z) if plan.sides == 2 else z) >= boundary


def _points(slots: Sequence[Slot], done: Sequence[Point], current: Point | None) -> list[tuple[Slot, Point | None]]:
    """One comparison's points at the common looks; a planned look it has already passed is left out (its
    information can run ahead of the first comparison's, which decides the looks)."""
    found: list[tuple[Slot, Point | None]] = []
    last = 0.0
    for slot in slots:
        point = None
        if slot.status == "done" and slot.done_index is not None:
            point = done[slot.done_index]
        elif slot.status in ("current", "between looks"):
            point = current
        if slot.status == "planned" and slot.fraction <= last:
            continue
        if slot.status in HELD:
            last = point.fraction if point is not None else slot.fraction
        found.append((slot, point))
    return found


def _before(look: Look, on: date | None, current: Point | None) -> bool:
    """A look done before this report: dated before its cut-off; undated, with less information than it."""
    if look.on is not None and on is not None:
        return look.on < on
    first = look.fractions[0]
    return current is None or first is None or first < current.fraction


def _point(plan: MonitoringPlan, i: int, target: Target, evidence: Evidence, on: date | None) -> Point | None:
    """A comparison at a look, from that look's data; None when the data hold no tested comparison."""
    row = monitored_row(plan, target, evidence.comparisons)
    if row is None or row.p_value is None or row.estimate is None:
        return None
    information = information_of(row, evidence.estimates)
    z = float(stats.norm.isf(max(row.p_value, 1e-300) / 2))
    null = 1.0 if row.is_ratio else 0.0  # a hazard, odds or rate ratio's no-effect value is 1
    favours = row.estimate > null if plan.direction == "higher" else row.estimate < null
    return Point(min(information / plan.maximum_information[i], 1.0), z if favours else -z, on, row)


def _done_point(plan: MonitoringPlan, i: int, target: Target, index: int, look: Look,
                past: Mapping[int, Evidence]) -> Point:  # fmt: skip
    if index in past:
        point = _point(plan, i, target, past[index], look.on or past[index].on)
        if point is None:
            raise DataError(f"monitoring: look {index + 1}: its snapshot holds no tested comparison "
                            f"{target.written or 'of the monitored outcome'}", file="trial.toml",
                            column="monitoring.looks")  # fmt: skip
        return point
    fraction = look.fractions[i]
    if fraction is None:
        raise DataError(f"monitoring: look {index + 1} ({look.on}): no stored snapshot has this data cut-off",
                        file="trial.toml", column="monitoring.looks.date",
                        hint="Name its snapshot (snapshot = N, from regsync snapshots TRIAL), or, for a look made "
                        "before regsync kept the data, type its information_fraction and observed_z.")  # fmt: skip
    return Point(fraction, look.zs[i], look.on)


def monitored_row(plan: MonitoringPlan, target: Target, comparisons: Sequence[ComparisonRow]) -> ComparisonRow | None:
    """The monitored outcome's comparison for this target at its key timepoint."""
    return next((r for r in comparisons if r.parameter == plan.outcome and r.key_timepoint and r.p_value is not None
                 and target.matches(r.arm, r.control)), None)  # fmt: skip


def information_of(row: ComparisonRow, estimates: Sequence[ArmEstimateRow]) -> int:
    """Participants analysed in the two arms compared; every participant in the trend's model; for a time-to-event
    outcome the events in the two arms (the information of a log-rank or Cox comparison grows with its events)."""
    if row.arm == TOTAL:
        return row.n_arm
    if row.estimate_kind == "hazard-ratio":
        events = [e.n_events for e in estimates if e.parameter == row.parameter and e.visit == row.visit
                  and e.arm in (row.arm, row.control) and e.n_events is not None]  # fmt: skip
        if len(events) == 2:
            return sum(int(n) for n in events)
    return row.n_arm + row.n_control


def _named(target: Target, row: ComparisonRow | None) -> tuple[str, str]:
    """The comparison as its rows name it: arm compared and comparator (the estimate's order), or the trend."""
    if row is not None:
        return row.arm, row.control
    return target.arm, target.control


def _check_increasing(fractions: Sequence[float]) -> None:
    if any(b <= a for a, b in itertools.pairwise(fractions)):
        shown = ", ".join(f"{t:.3f}" for t in fractions)
        raise DataError(f"monitoring: the looks' information fractions ({shown}) do not increase",
                        file="trial.toml", column="monitoring.looks",
                        hint="Each look must have more information than the one before it.")  # fmt: skip


def _with_projections(
    plan: MonitoringPlan, rows: list[MonitoringRow], compared: ComparisonRow | None, level: float
) -> list[MonitoringRow]:
    """This snapshot's row with its conditional power (under the current trend and under the design's effect, at
    the comparison's α), the futility rule's verdict, and, at a declared look, the comparison's estimate with its
    repeated confidence interval."""
    found = []
    drift: float | None = None
    for position, row in enumerate(rows):
        if row.status in ("current", "between looks") and row.observed_z is not None:
            ahead = _ahead(rows, position)
            if not ahead and row.boundary_z is None:
                found.append(row)
                continue
            if drift is None:
                drift = plan.design_drift(level)
            trend = _conditional_power(row, ahead, row.observed_z / math.sqrt(row.information_fraction), plan.sides)
            design = _conditional_power(row, ahead, drift, plan.sides)
            futility = ""
            if plan.futility_conditional_power is not None:
                futility = ("conditional power below the futility rule" if trend < plan.futility_conditional_power
                            else "above the futility rule")  # fmt: skip
            low = high = None
            if row.boundary_z is not None and compared is not None and compared.std_error is not None:
                low, high = repeated_interval(compared, row.boundary_z)
            row = replace(row, conditional_power_trend=trend, conditional_power_design=design, futility=futility,
                          rci_low=low, rci_high=high, estimate=compared.estimate if compared else None,
                          ratio=compared.is_ratio if compared else False)  # fmt: skip
        found.append(row)
    return found


def _ahead(rows: Sequence[MonitoringRow], position: int) -> list[tuple[float, float]]:
    """The declared looks still to come after this row, with their boundaries."""
    return [(r.information_fraction, r.boundary_z) for r in rows[position:]
            if r.status == "planned" and r.boundary_z is not None]  # fmt: skip


def _conditional_power(row: MonitoringRow, ahead: Sequence[tuple[float, float]], drift: float, sides: int) -> float:
    """Over the looks ahead (service.monitoring.conditional); at the final look, whether it crossed."""
    assert row.observed_z is not None
    if not ahead:
        return 1.0 if row.boundary_z is not None and row.observed_z >= row.boundary_z else 0.0
    return conditional_power(row.observed_z, row.information_fraction, ahead, drift, sides)


def repeated_interval(row: ComparisonRow, boundary: float) -> tuple[float | None, float | None]:
    """The estimate ± the look's boundary z × its SE (Jennison & Turnbull 1989): on the log scale for a ratio. It
    runs in the estimate's direction (arm − comparator, or arm / comparator)."""
    assert row.estimate is not None and row.std_error is not None
    if row.is_ratio:
        if row.estimate <= 0:
            return None, None
        centre = math.log(row.estimate)
        return math.exp(centre - boundary * row.std_error), math.exp(centre + boundary * row.std_error)
    return row.estimate - boundary * row.std_error, row.estimate + boundary * row.std_error
