"""The monitored comparisons of a trial's plan, resolved against the arms of its data: at import (so that a plan
naming an unknown arm, or none with three arms or more, is refused before anything is stored) and at analysis."""

from __future__ import annotations

from service.importing.records import ImportedTrial
from service.monitoring.comparison import Target, resolve_targets
from service.monitoring.plan import MonitoringPlan, parse_monitoring


def monitoring_targets(plan: MonitoringPlan, data: ImportedTrial) -> tuple[Target, ...]:
    from service.outcomes.definition import parse_outcomes

    spec = next((s for s in parse_outcomes(data.definition.raw) if s.parameter == plan.outcome), None)
    return resolve_targets(plan.comparisons, data.arms, spec is not None and spec.comparisons == "pairwise")


def check_monitoring(data: ImportedTrial) -> ImportedTrial:
    """The data unchanged, once its [monitoring] plan (if any) resolves against its arms."""
    plan = parse_monitoring(data.definition.raw)
    if plan is not None:
        monitoring_targets(plan, data)
    return data
