"""Rendering one edition of the DSMB report from a snapshot, and recording it as an artifact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.errors import DataError
from service.gcpause import paused_gc
from service.importing.records import ImportedTrial
from service.masking import masking_key
from service.models import Snapshot
from service.monitoring.looks import monitoring_evidence
from service.outputs.base import Output, Produced, Production
from service.reports.changes import find_previous_report
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.templating import render_html
from service.reports.worker import DEFAULT_MEMORY_MB, RenderWorker
from service.trialdata import read_data_cut, read_snapshot


@dataclass(frozen=True)
class DsmbRequest:
    session: str
    organisation: str = ""
    cutoff: date | None = None
    unmask: bool = False  # names the arms, prints the key: the command checks the caller may (service.masking.reveal)
    final: bool = False
    report_date: date | None = None
    since: int | None = None  # the snapshot of the previous report (default: the latest earlier DSMB report's)
    memory_mb: int = DEFAULT_MEMORY_MB


def produce(output: Output, production: Production) -> Produced:
    config = production.config
    request = DsmbRequest(output.kind.removeprefix("dsmb-"), organisation=config.organisation,
                          memory_mb=config.render_memory_mb)  # fmt: skip
    return produce_dsmb(production.engine, production.snapshot, production.target(output), request)


def produce_dsmb(engine: Engine, snapshot: Snapshot, target: Path, request: DsmbRequest) -> Produced:
    """Render one edition of the DSMB report to `target`."""
    with RenderWorker(request.memory_mb) as worker:  # starting up while the snapshot is read and analysed
        report = prepare_dsmb(engine, snapshot, request)
        pdf = worker.render(report.html, dated=report.dated, attachments=report.attachments)
    digest = write_atomic(target, pdf)
    kind = f"dsmb-{request.session}"
    record_artifacts(
        engine,
        snapshot,
        kind,
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
    return Produced(kind, {target: digest})


@dataclass(frozen=True)
class PreparedReport:
    html: str
    attachments: dict[str, bytes]
    dated: date
    data_cutoff: date | None
    previous_snapshot_id: int | None


def prepare_dsmb(engine: Engine, snapshot: Snapshot, request: DsmbRequest) -> PreparedReport:
    """The edition's HTML and attachments: the snapshot (and the previous report's) read, analysed, templated."""
    check_request(snapshot, request)
    data, frame = read_report_data(engine, snapshot, request.cutoff)
    previous_report = find_previous_report(engine, snapshot, request.since)
    previous = previous_frame = None
    if previous_report is not None:
        earlier = previous_report.snapshot
        cut = previous_report.data_cutoff if previous_report.data_cutoff != earlier.data_cutoff else None
        previous, previous_frame = read_report_data(engine, earlier, cut, checked=False)
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
        masking_key(engine, snapshot.trial_id, list(data.arm_labels.values())) if request.session == "closed" else None,
    )
    looks = monitoring_evidence(engine, snapshot.trial_id, data, data_cutoff) if request.session == "closed" else {}
    with paused_gc():
        context = build_dsmb_context(
            data, options, ae_frame=frame, previous=previous, previous_report=previous_report,
            previous_frame=previous_frame, monitoring_looks=looks,
        )  # fmt: skip
        html = render_html("dsmb/report.html", context)
    return PreparedReport(
        html,
        context["attachments"],
        dated,
        data_cutoff,
        previous_report.snapshot.id if previous_report else None,
    )


def check_request(snapshot: Snapshot, request: DsmbRequest) -> None:
    """Refuse a report that cannot be: a report dated before its cut-off, the snapshot compared with itself (the
    cut-off itself is checked against the data, by service.reports.datacut.check_cutoff, once they are read)."""
    cutoff = request.cutoff or snapshot.data_cutoff
    if request.report_date is not None and cutoff is not None and request.report_date < cutoff:
        raise DataError(f"the report date {request.report_date} is before its data cut-off {cutoff}",
                        column="--report-date", hint="A report is dated on or after its data cut-off.")  # fmt: skip
    if request.since is not None and request.since == snapshot.id:
        raise DataError(f"--since {request.since} is the report's own snapshot", column="--since",
                        hint="Name the snapshot of the previous report, an earlier one.")  # fmt: skip


def read_report_data(
    engine: Engine, snapshot: Snapshot, cutoff: date | None, *, checked: bool = True
) -> tuple[ImportedTrial, pd.DataFrame | None]:
    """The snapshot as a report reads it: AEs as columns, full records only for the listed ones; or, for a data
    cut, every record (the cut filters them), without a frame. `checked=False` for a previous report's cut, which
    was checked when that report was made."""
    if cutoff is None:
        with paused_gc():
            return read_snapshot(engine, snapshot, listed_only=True)
    return read_data_cut(engine, snapshot, cutoff, checked=checked), None
