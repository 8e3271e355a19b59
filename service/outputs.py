"""Producing a snapshot's outputs: the tables and the DSMB reports, each written atomically and recorded as an
artifact. The command line and the scheduler both call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from lxml import etree
from sqlalchemy import Engine

from registry.ctgov.build import SECTIONS, build_result
from registry.ctgov.merge import merge_into_record
from registry.ctgov.validate import Problem, check_schema, validate_result
from registry.irct.build import build_record
from registry.irct.entry_sheet import entry_sheet_context
from registry.irct.validate import Finding, validate_record
from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.gcpause import paused_gc
from service.importing.records import ImportedTrial
from service.models import Snapshot
from service.reports.changes import find_previous_report
from service.reports.datacut import derive_data_cut
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.templating import render_html
from service.reports.worker import DEFAULT_MEMORY_MB, RenderWorker, render_pdf_in_worker
from service.results import AnalysisResults
from service.tables_export import write_tables
from service.trialdata import (
    analyse_stored_snapshot,
    load_snapshot_data,
    load_snapshot_for_analysis,
    read_and_analyse,
)

# A snapshot as read for analysis, with its analysis (service.trialdata.read_and_analyse): a caller producing
# several outputs of one snapshot reads and analyses it once and passes this to each.
Analysed = tuple[ImportedTrial, AnalysisResults]


def produce_tables(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    fmt: str = "csv",
    soc_order: str | None = None,
    analysed: Analysed | None = None,
) -> int:
    """`analysed` must come from the same snapshot with the same soc_order."""
    results = analysed[1] if analysed is not None else analyse_stored_snapshot(engine, snapshot, soc_order)
    files = write_tables(results, target, fmt)
    record_artifacts(engine, snapshot, "tables", files, {"format": fmt, "soc_order": soc_order}, now=datetime.now(UTC))
    return len(results.tables)


@dataclass(frozen=True)
class DsmbRequest:
    session: str
    organisation: str = ""
    cutoff: date | None = None
    unmask: bool = False
    final: bool = False
    report_date: date | None = None
    since: int | None = None  # the snapshot of the previous report (default: the latest earlier DSMB report's)
    memory_mb: int = DEFAULT_MEMORY_MB


def produce_dsmb(engine: Engine, snapshot: Snapshot, target: Path, request: DsmbRequest) -> str:
    """Render one edition of the DSMB report to `target`; returns its sha256."""
    with RenderWorker(request.memory_mb) as worker:  # starting up while the snapshot is read and analysed
        report = prepare_dsmb(engine, snapshot, request)
        pdf = worker.render(report.html, dated=report.dated, attachments=report.attachments)
    digest = write_atomic(target, pdf)
    record_artifacts(
        engine,
        snapshot,
        f"dsmb-{request.session}",
        {target: digest},
        {
            "session": request.session,
            "cutoff": report.data_cutoff.isoformat() if report.data_cutoff else None,
            "unmask": request.unmask,
            "final": request.final,
            "previous_snapshot": report.previous_snapshot_id,
        },
        now=datetime.now(UTC),
    )
    return digest


@dataclass(frozen=True)
class PreparedReport:
    html: str
    attachments: dict[str, bytes]
    dated: date
    data_cutoff: date | None
    previous_snapshot_id: int | None


def prepare_dsmb(engine: Engine, snapshot: Snapshot, request: DsmbRequest) -> PreparedReport:
    """The edition's HTML and attachments: the snapshot (and the previous report's) read, analysed, templated."""
    data, frame = read_report_data(engine, snapshot, request.cutoff)
    previous_report = find_previous_report(engine, snapshot, request.since)
    previous = None
    if previous_report is not None:
        earlier = previous_report.snapshot
        cut = previous_report.data_cutoff if previous_report.data_cutoff != earlier.data_cutoff else None
        previous, _ = read_report_data(engine, earlier, cut)
    data_cutoff = request.cutoff or snapshot.data_cutoff
    dated = request.report_date or data_cutoff or snapshot.created_at.date()
    options = DsmbOptions(
        request.session,
        dated,
        data_cutoff,
        snapshot.content_hash,
        snapshot.id,
        request.organisation,
        request.unmask,
        request.final,
    )
    with paused_gc():
        context = build_dsmb_context(data, options, ae_frame=frame, previous=previous, previous_report=previous_report)
        html = render_html("dsmb/report.html", context)
    return PreparedReport(
        html,
        context["attachments"],
        dated,
        data_cutoff,
        previous_report.snapshot.id if previous_report else None,
    )


def read_report_data(
    engine: Engine, snapshot: Snapshot, cutoff: date | None
) -> tuple[ImportedTrial, pd.DataFrame | None]:
    """The snapshot as a report reads it: AEs as columns, full records only for the listed ones; or, for a data
    cut, every record (the cut filters them), without a frame."""
    if cutoff is None:
        with paused_gc():
            return load_snapshot_for_analysis(engine, snapshot)
    return derive_data_cut(load_snapshot_data(engine, snapshot), cutoff), None


@dataclass(frozen=True)
class RegistryOutcome:
    digest: str
    problems: list[Problem]
    warnings: list[str]


def produce_ctgov(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    sections: tuple[str, ...] = SECTIONS,
    partial: bool = False,
    merge: Path | None = None,
    analysed: Analysed | None = None,
) -> RegistryOutcome:
    """The PRS results XML (or, with `merge`, the downloaded PRS record with it), written and validated; the
    file is written even when it fails validation, so the data manager can see what to fix."""
    data, results = analysed or read_and_analyse(engine, snapshot)
    built = build_result(data, results, sections, partial)
    problems = validate_result(built.root)
    document = built.root
    if merge is not None:
        document = merge_into_record(merge, built.root, data.definition.study_id)
        problems += check_schema(document, "ProtocolRecordSchema.xsd")
    content = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    digest = write_atomic(target, content)
    options = {"sections": list(sections), "partial": partial, "merge": str(merge) if merge else None,
               "valid": not problems}  # fmt: skip
    record_artifacts(engine, snapshot, "ctgov", {target: digest}, options, now=datetime.now(UTC))
    return RegistryOutcome(digest, problems, built.warnings)


@dataclass(frozen=True)
class IrctOutcome:
    digest: str
    findings: list[Finding]
    warnings: list[str]


def produce_irct(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    entry_sheet: Path | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    analysed: Analysed | None = None,
) -> IrctOutcome:
    """The WHO ICTRP record (validated against the 2017 DTD and the XSD) and, when asked, the IRCT entry sheet as
    PDF with its HTML beside it."""
    data, results = analysed or read_and_analyse(engine, snapshot)
    built = build_record(data, results)
    findings = validate_record(built.root)
    digest = write_atomic(target, built.to_bytes())
    files = {target: digest}
    if entry_sheet is not None:
        dated = snapshot.data_cutoff or snapshot.created_at.date()
        context = entry_sheet_context(built.root, data, snapshot.id, str(snapshot.data_cutoff or "not stated"))
        html = render_html("irct/entry_sheet.html", {**context, "pdf_date": f"{dated.isoformat()}T00:00:00Z"})
        files[entry_sheet.with_suffix(".html")] = write_atomic(entry_sheet.with_suffix(".html"), html.encode())
        files[entry_sheet] = write_atomic(entry_sheet, render_pdf_in_worker(html, dated=dated, memory_mb=memory_mb))
    record_artifacts(engine, snapshot, "irct", files, {"valid": not findings}, now=datetime.now(UTC))
    return IrctOutcome(digest, findings, built.warnings)
