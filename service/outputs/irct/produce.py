"""The WHO ICTRP record of one snapshot (validated against the 2017 DTD and the XSD) and the IRCT entry sheet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from registry.irct.build import build_record
from registry.irct.entry_sheet import entry_sheet_context
from registry.irct.validate import validate_record
from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.models import Snapshot
from service.outputs.base import Output, Produced, Production
from service.outputs.irct import ENTRY_SHEET
from service.reports.templating import render_html
from service.reports.worker import DEFAULT_MEMORY_MB, render_pdf_in_worker
from service.trialdata import read_and_analyse

if TYPE_CHECKING:
    from service.outputs.base import Analysed


def produce(output: Output, production: Production) -> Produced:
    target = production.target(output)
    return produce_irct(production.engine, production.snapshot, target, target.with_name(ENTRY_SHEET),
                        production.config.render_memory_mb, analysed=production.analysed())  # fmt: skip


def produce_irct(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    entry_sheet: Path | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    analysed: Analysed | None = None,
) -> Produced:
    """The record and, when asked, the entry sheet as PDF with its HTML beside it."""
    data, results = analysed or read_and_analyse(engine, snapshot)
    built = build_record(data, results)
    problems = validate_record(built.root)
    files = {target: write_atomic(target, built.to_bytes())}
    if entry_sheet is not None:
        dated = snapshot.data_cutoff or snapshot.created_at.date()
        context = entry_sheet_context(built.root, data, snapshot.id, str(snapshot.data_cutoff or "not stated"))
        html = render_html("irct/entry_sheet.html", {**context, "pdf_date": f"{dated.isoformat()}T00:00:00Z"})
        files[entry_sheet.with_suffix(".html")] = write_atomic(entry_sheet.with_suffix(".html"), html.encode())
        files[entry_sheet] = write_atomic(entry_sheet, render_pdf_in_worker(html, dated=dated, memory_mb=memory_mb))
    record_artifacts(engine, snapshot, "irct", files, {"valid": not problems}, now=datetime.now(UTC))
    return Produced("irct", files, tuple(problems), tuple(built.warnings))
