"""Writing the tables of one snapshot and recording them as its artifacts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from service.analysis import build_analysis
from service.artifacts import record_artifacts
from service.gcpause import paused_gc
from service.models import Snapshot
from service.monitoring.looks import monitoring_evidence
from service.outputs.base import Output, Produced, Production
from service.outputs.tables.validate import validate_tables_folder
from service.tables_export import write_tables
from service.trialdata import read_and_analyse, read_data_cut

if TYPE_CHECKING:
    from service.outputs.base import Analysed


def produce_tables(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    fmt: str = "csv",
    soc_order: str | None = None,
    analysed: Analysed | None = None,
    cutoff: date | None = None,
) -> Produced:
    """`analysed` must come from the same snapshot with the same soc_order (and no cut-off). With `cutoff`, the
    tables behind a DSMB report at that cut-off: the same data cut, refused by the same rule."""
    if cutoff is not None:
        with paused_gc():
            data = read_data_cut(engine, snapshot, cutoff)
            looks = monitoring_evidence(engine, snapshot.trial_id, data, cutoff)  # as the report at the cut-off
            results = build_analysis(data, snapshot_id=snapshot.id, content_hash=snapshot.content_hash,
                                     data_cutoff=cutoff, soc_order=soc_order, monitoring_looks=looks)  # fmt: skip
    else:
        results = analysed[1] if analysed is not None else read_and_analyse(engine, snapshot, soc_order)[1]
    files = write_tables(results, target, fmt)
    problems = tuple(validate_tables_folder(target))  # before recording: a recorded artifact ends the step
    meta = {"format": fmt, "soc_order": soc_order, "cutoff": cutoff.isoformat() if cutoff else None}
    record_artifacts(engine, snapshot, "tables", files, meta, now=datetime.now(UTC))
    return Produced("tables", files, problems)


def produce(output: Output, production: Production) -> Produced:
    return produce_tables(production.engine, production.snapshot, production.target(output),
                          analysed=production.analysed())  # fmt: skip
