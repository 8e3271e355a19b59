"""Writing the tables of one snapshot and recording them as its artifacts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from service.artifacts import record_artifacts
from service.models import Snapshot
from service.outputs.base import Output, Produced, Production
from service.outputs.tables.validate import validate_tables_folder
from service.tables_export import write_tables
from service.trialdata import read_and_analyse

if TYPE_CHECKING:
    from service.outputs.base import Analysed


def produce_tables(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    fmt: str = "csv",
    soc_order: str | None = None,
    analysed: Analysed | None = None,
) -> Produced:
    """`analysed` must come from the same snapshot with the same soc_order."""
    results = analysed[1] if analysed is not None else read_and_analyse(engine, snapshot, soc_order)[1]
    files = write_tables(results, target, fmt)
    problems = tuple(validate_tables_folder(target))  # before recording: a recorded artifact ends the step
    record_artifacts(engine, snapshot, "tables", files, {"format": fmt, "soc_order": soc_order}, now=datetime.now(UTC))
    return Produced("tables", files, problems)


def produce(output: Output, production: Production) -> Produced:
    return produce_tables(production.engine, production.snapshot, production.target(output),
                          analysed=production.analysed())  # fmt: skip
