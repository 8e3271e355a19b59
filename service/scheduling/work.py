"""What one run of a job does: import the source, and unless nothing changed, produce the job's outputs.

A scheduled run writes under OUTPUT_DIR/TRIAL/snapshot-N/, one folder per snapshot with its open/, closed/ (mode
0700) and registry/ folders, so an earlier night's files are never overwritten; OUTPUT_DIR/TRIAL/latest points at
the newest complete folder. "Nothing changed" means the import found an identical snapshot and every output the job
asks for is recorded for it, on disk, with the recorded sha256: a file deleted or damaged since is made again.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.artifacts import INTACT, file_state
from service.config import Config, JobConfig
from service.importing import load_source
from service.models import Artifact, Snapshot
from service.outputs import OUTPUTS
from service.outputs.base import NotBegun, Production
from service.scheduling.records import PRODUCED, SKIPPED, RunEnd, note_snapshot
from service.snapshots import store_snapshot


class Abandoned(Exception):
    """The service is stopping: the run ends between two steps, keeping what it finished."""

    def __init__(self, done: list[str], pending: list[str]) -> None:
        self.done = done
        self.pending = pending
        super().__init__(f"stopped before {pending[0]}")


def snapshot_folder(config: Config, snapshot: Snapshot) -> Path:
    return config.output_dir / snapshot.trial_id / f"snapshot-{snapshot.id}"


def run_job_work(
    engine: Engine, config: Config, job: JobConfig, run_id: int, stop: threading.Event, *, attempt: int
) -> RunEnd:
    if stop.is_set():
        raise Abandoned([], ["the import", *job.outputs])
    trial = config.trials[job.trial_id]
    data = load_source(trial.source, trial.trial_id, trial.format, trial.control)
    snapshot = store_snapshot(engine, data, now=datetime.now(UTC)).snapshot
    assert snapshot.id is not None
    note_snapshot(engine, run_id, snapshot.id)
    del data
    folder = snapshot_folder(config, snapshot)
    label = f"snapshot {snapshot.id} ({snapshot.content_hash[:12]})"
    missing = [kind for kind in OUTPUTS if kind in job.outputs and not output_present(engine, snapshot, kind, folder)]
    if not missing:
        point_latest(folder)
        return RunEnd(SKIPPED, f"skipped: no change: {label}, and every output is in {folder}", None, snapshot.id,
                      attempts=attempt)  # fmt: skip
    production = Production(engine, config, snapshot, folder)  # one analysis, computed when first needed
    if stop.is_set():
        raise Abandoned([], missing)
    try:
        produced = production.produce_all([OUTPUTS[kind] for kind in missing], stop)
    except NotBegun as stopped:
        raise Abandoned(stopped.done, stopped.pending) from None
    notes = [note for note in (p.note() for p in produced) if note]
    point_latest(folder)
    ids = [artifact.id for kind in missing for artifact in latest_artifacts(engine, snapshot, kind, folder)]
    summary = f"produced {', '.join(missing)} from {label} in {folder}"
    return RunEnd(PRODUCED, "; ".join([summary, *notes]), None, snapshot.id, [i for i in ids if i is not None],
                  attempts=attempt)  # fmt: skip


def latest_artifacts(engine: Engine, snapshot: Snapshot, kind: str, folder: Path) -> list[Artifact]:
    """The files of the latest production of `kind` for the snapshot in `folder` (one production is recorded
    with one timestamp)."""
    prefix = str(folder.resolve()) + os.sep
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(Artifact).where(
                    Artifact.snapshot_id == snapshot.id, Artifact.kind == kind, col(Artifact.path).startswith(prefix)
                )
            )
        )
    if not rows:
        return []
    newest = max(row.created_at for row in rows)
    return [row for row in rows if row.created_at == newest]


def output_present(engine: Engine, snapshot: Snapshot, kind: str, folder: Path) -> bool:
    files = latest_artifacts(engine, snapshot, kind, folder)
    return bool(files) and all(file_state(Path(row.path), row.sha256) == INTACT for row in files)


def point_latest(folder: Path) -> None:
    """OUTPUT_DIR/TRIAL/latest -> snapshot-N, replaced atomically."""
    link = folder.parent / "latest"
    temporary = folder.parent / f".latest.{os.getpid()}.{threading.get_ident()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    temporary.replace(link)
