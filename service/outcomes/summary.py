"""Per arm and visit: n, mean (SD), median (IQR), min–max of the value and of its change from baseline."""

from __future__ import annotations

from service.outcomes.data import OutcomeData
from service.results import OutcomeSummaryRow
from service.stats import summarise

OUTCOME_POPULATION = "Each outcome's analysis population (its definition's population flag), by the arm randomized to"
CHANGE_RULE = ("Change from baseline: ADaM CHG where the data carry it, else the visit's value minus the baseline "
               "record's value, where both exist.")  # fmt: skip


def summarise_outcome(outcome: OutcomeData) -> tuple[OutcomeSummaryRow, ...]:
    spec = outcome.spec
    if spec.variable == "time-to-event":
        return ()  # its summary is each arm's Kaplan–Meier estimate
    rows = []
    for visit, observations in outcome.visits.items():
        baseline_visit = all(o.is_baseline for o in observations.values())
        for arm in outcome.arms:
            own = [o for s, o in observations.items() if outcome.arm_of.get(s) == arm]
            values = [o.value for o in own if o.value is not None]
            rows.append(_row(outcome, visit, arm, "value", values))
            if not baseline_visit:
                rows.append(_row(outcome, visit, arm, "change", [o.change for o in own if o.change is not None]))
    return tuple(rows)


def _row(outcome: OutcomeData, visit: str, arm: str, statistic: str, values: list[float]) -> OutcomeSummaryRow:
    s = summarise(values)
    spec = outcome.spec
    return OutcomeSummaryRow(spec.parameter, spec.title, visit, outcome.visit_numbers.get(visit), arm, statistic,
                             s.n, s.mean, s.sd, s.median, s.q1, s.q3, s.minimum, s.maximum, outcome.unit)  # fmt: skip
