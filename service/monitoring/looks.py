"""The data of the monitoring plan's done looks, from the snapshots regsync stored when the looks were made.

A look's data are the snapshot it names (`snapshot = N`), else the one stored snapshot whose data cut-off is the
look's date; a snapshot whose data run past the look's date is cut at that date (service.reports.datacut), as the
report of that look was. The monitored outcome is analysed in those data as the current definition declares it, so
that every look's z comes from the same analysis. A look with neither (made before regsync kept the data) keeps
its typed information_fraction and observed_z.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Engine

from service.errors import DataError
from service.importing.records import ImportedTrial, TrialDefinition
from service.models import Snapshot
from service.monitoring.plan import Look, MonitoringPlan
from service.monitoring.rows import Evidence
from service.snapshots import list_snapshots


def read_look_evidence(
    engine: Engine, trial_id: str, plan: MonitoringPlan, definition: TrialDefinition, cutoff: date | None
) -> dict[int, Evidence]:
    """Each done look's evidence that regsync holds, by the look's position in plan.looks. Looks dated on or after
    `cutoff` (this report's) are not done yet, or are this report."""
    from service.trialdata import read_snapshot

    snapshots = list_snapshots(engine, trial_id)
    found: dict[int, Evidence] = {}
    for index, look in enumerate(plan.looks):
        if look.on is not None and cutoff is not None and look.on >= cutoff:
            continue
        snapshot = _look_snapshot(index, look, snapshots)
        if snapshot is None:
            continue
        data, _ = read_snapshot(engine, snapshot, listed_only=True)
        found[index] = analyse_look(replace(data, definition=definition), plan, look.on or snapshot.data_cutoff)
    return found


def analyse_look(data: ImportedTrial, plan: MonitoringPlan, on: date | None) -> Evidence:
    """The monitored outcome's comparisons and estimates in one look's data, cut at `on` when they run past it."""
    from service.outcomes.compare import analyse_outcome
    from service.outcomes.data import collect_outcome
    from service.outcomes.definition import parse_outcomes
    from service.outcomes.supplied import supplied_results
    from service.reports.datacut import derive_data_cut

    if on is not None and any(m.measured_on is not None and m.measured_on > on for m in data.measurements):
        data = derive_data_cut(data, on)
    spec = next(s for s in parse_outcomes(data.definition.raw) if s.parameter == plan.outcome)
    outcome = collect_outcome(data, spec, [m for m in data.measurements if m.parameter == plan.outcome])
    analysed = supplied_results(data, outcome) if spec.supplied else analyse_outcome(outcome)
    return Evidence(tuple(analysed.comparisons), tuple(analysed.estimates), on)


def _look_snapshot(index: int, look: Look, snapshots: list[Snapshot]) -> Snapshot | None:
    if look.snapshot is not None:
        named = next((s for s in snapshots if s.id == look.snapshot), None)
        if named is None:
            raise DataError(f"monitoring: look {index + 1} names snapshot {look.snapshot}, which this trial does not "
                            "have", file="trial.toml", column="monitoring.looks.snapshot",
                            hint="List the trial's snapshots with: regsync snapshots TRIAL.")  # fmt: skip
        return named
    if look.on is None:
        return None
    dated = [s for s in snapshots if s.data_cutoff == look.on]
    if len(dated) > 1:
        ids = ", ".join(str(s.id) for s in dated)
        raise DataError(f"monitoring: look {index + 1} ({look.on}): snapshots {ids} all have this data cut-off",
                        file="trial.toml", column="monitoring.looks.snapshot",
                        hint="Name the one the look used: snapshot = N.")  # fmt: skip
    return dated[0] if dated else None


def monitoring_evidence(engine: Engine, trial_id: str, data: ImportedTrial, cutoff: date | None) -> dict[int, Evidence]:
    """The done looks' evidence for a trial's data and its report's cut-off; none without a [monitoring] plan."""
    from service.monitoring.plan import parse_monitoring

    plan = parse_monitoring(data.definition.raw)
    return read_look_evidence(engine, trial_id, plan, data.definition, cutoff) if plan is not None else {}
