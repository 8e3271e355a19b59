"""The drift report of one snapshot against each registry record found for it: drift.json and drift.txt."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.drift import DriftReport, derive_drift
from service.models import Artifact
from service.outputs.base import Output, Produced, Production
from service.outputs.drift import TEXT_FILE
from service.outputs.drift.records import RecordSource, ctgov_source, irct_source, read_record, source_folder

if TYPE_CHECKING:
    from service.config import Config
    from service.outputs.base import Analysed


def produce(output: Output, production: Production) -> Produced:
    config = production.config
    trial = config.trials.get(production.snapshot.trial_id)
    analysed = production.analysed()
    folder = source_folder(production.snapshot)
    sources = [
        ctgov_source(None, trial.ctgov_record if trial else None, folder, analysed[0].definition.nct_id, config),
        irct_source(None, trial.irct_record if trial else None, folder),
    ]
    reports = drift_reports([s for s in sources if s is not None], analysed, config)
    return write_drift(production, production.target(output), reports)


def drift_reports(sources: list[RecordSource], analysed: Analysed, config: Config) -> list[DriftReport]:
    data, results = analysed
    # One deadline for every registry request of the run ([registries] run_timeout_seconds), retries included.
    run_deadline = time.monotonic() + config.registries.run_timeout_seconds
    return [derive_drift(read_record(source, config, run_deadline), data, results, source.location)
            for source in sources]  # fmt: skip


def write_drift(production: Production, target: Path, reports: list[DriftReport]) -> Produced:
    """drift.json (every report, machine-readable) and drift.txt beside it; the note counts the differences and
    how many are new since the last drift report written to the same place."""
    previous = _previous_lines(production.engine, production.snapshot.trial_id)
    document = {"trial": production.snapshot.trial_id, "snapshot": production.snapshot.id,
                "reports": [r.as_dict() for r in reports]}  # fmt: skip
    text = "\n\n".join("\n".join(r.lines()) for r in reports) if reports else "no registry record to compare with"
    files = {
        target: write_atomic(target, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
        target.with_name(TEXT_FILE): write_atomic(target.with_name(TEXT_FILE), (text + "\n").encode("utf-8")),
    }
    lines = {f"{r.registry}: {line}" for r in reports if r.drifted for line in r.lines()[1:]}
    new = sorted(lines - previous)
    record_artifacts(production.engine, production.snapshot, "drift", files,
                     {"drifted": bool(lines), "differences": len(lines), "new": len(new)},
                     now=datetime.now(UTC))  # fmt: skip
    notice = f"drift: {len(lines)} difference(s) with the registries, {len(new)} new" if new else None
    return Produced("drift", files, (), tuple(f"new registry drift: {line}" for line in new), notice=notice)


def _previous_lines(engine: Engine, trial_id: str) -> set[str]:
    """The difference lines of the trial's last drift report still on disk (none the first time)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Artifact).where(Artifact.trial_id == trial_id, Artifact.kind == "drift")
            .order_by(col(Artifact.created_at).desc(), col(Artifact.id).desc())
        ).all()  # fmt: skip
    for row in rows:
        if not row.path.endswith(".json"):
            continue
        try:
            document = json.loads(Path(row.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return {f"{report.get('registry')}: {line}" for report in document.get("reports", [])
                if report.get("drifted") for line in report.get("lines", [])[1:]}  # fmt: skip
    return set()
