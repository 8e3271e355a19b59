"""Per arm and visit: n, mean (SD), median (IQR), min–max of the value and of its change from baseline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from service.importing.records import ImportedTrial
from service.outcomes.definition import OutcomeSpec
from service.results import OutcomeSummaryRow
from service.stats import summarise

OUTCOME_POPULATION = "Intention-to-treat population: all randomized participants, in the arm they were randomized to"
CHANGE_RULE = "Change from baseline: the visit's value minus the participant's baseline value, where both exist."


@dataclass(frozen=True)
class OutcomeData:
    """One parameter's values per participant: baseline, and per visit (label -> (number, value))."""

    arms: tuple[str, ...]
    control: str | None
    arm_of: dict[str, str]
    baseline: dict[str, float]
    visits: dict[str, dict[str, float]]  # visit -> subject -> value
    visit_numbers: dict[str, float | None]
    unit: str


def collect_outcome(data: ImportedTrial, parameter: str) -> OutcomeData:
    labels = data.arm_labels
    arm_of = {p.subject_id: labels[p.arm_code] for p in data.participants if p.itt_population and p.arm_code}
    baseline: dict[str, float] = {}
    visits: dict[str, dict[str, float]] = defaultdict(dict)
    numbers: dict[str, float | None] = {}
    unit = ""
    for m in data.measurements:
        if m.parameter != parameter or m.subject_id not in arm_of:
            continue
        unit = unit or (m.unit or "")
        numbers.setdefault(m.visit, m.visit_number)
        if m.value is None:
            continue
        if m.baseline:
            baseline.setdefault(m.subject_id, m.value)
        visits[m.visit].setdefault(m.subject_id, m.value)
    ordered = dict(sorted(visits.items(), key=lambda kv: (numbers[kv[0]] is None, numbers[kv[0]] or 0, kv[0])))
    control = next((a.label for a in data.arms if a.is_control), None)
    return OutcomeData(tuple(labels.values()), control, arm_of, baseline, ordered, numbers, unit)


def summarise_outcome(spec: OutcomeSpec, outcome: OutcomeData) -> tuple[OutcomeSummaryRow, ...]:
    rows = []
    for visit, values in outcome.visits.items():
        for arm in outcome.arms:
            subjects = [s for s, a in outcome.arm_of.items() if a == arm and s in values]
            rows.append(_row(spec, outcome, visit, arm, "value", [values[s] for s in subjects]))
            changes = [values[s] - outcome.baseline[s] for s in subjects if s in outcome.baseline]
            is_baseline_visit = all(s in outcome.baseline and outcome.baseline[s] == values[s] for s in subjects)
            if not is_baseline_visit:
                rows.append(_row(spec, outcome, visit, arm, "change", changes))
    return tuple(rows)


def _row(
    spec: OutcomeSpec, outcome: OutcomeData, visit: str, arm: str, statistic: str, values: list[float]
) -> OutcomeSummaryRow:
    s = summarise(values)
    return OutcomeSummaryRow(
        spec.parameter,
        spec.title,
        visit,
        outcome.visit_numbers.get(visit),
        arm,
        statistic,
        s.n,
        s.mean,
        s.sd,
        s.median,
        s.q1,
        s.q3,
        s.minimum,
        s.maximum,
        outcome.unit,
    )
