"""Recording what was produced (path, sha256, snapshot, cut-off, software version and options), listing it, and
checking it is still there as it was written."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from service import __version__
from service.models import Artifact, Snapshot


def record_artifacts(
    engine: Engine,
    snapshot: Snapshot,
    kind: str,
    files: dict[Path, str],
    options: dict[str, Any],
    *,
    now: datetime,
    also: Sequence[SQLModel] = (),
) -> list[int]:
    """The files as artifacts of the snapshot, with `also` (an audit entry of what they were for) in the same
    transaction."""
    assert snapshot.id is not None
    with Session(engine) as session, session.begin():
        session.add_all(also)
        rows = [
            Artifact(
                trial_id=snapshot.trial_id,
                snapshot_id=snapshot.id,
                kind=kind,
                path=str(path.resolve()),
                sha256=digest,
                data_cutoff=snapshot.data_cutoff,
                software_version=__version__,
                options={**options, "file": path.name},
                created_at=now,
            )
            for path, digest in files.items()
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def list_artifacts(engine: Engine, trial_id: str | None = None) -> list[Artifact]:
    """Every recorded artifact (of one trial), oldest first."""
    with Session(engine) as session:
        query = select(Artifact).order_by(col(Artifact.id))
        if trial_id is not None:
            query = query.where(Artifact.trial_id == trial_id)
        return list(session.exec(query))


@dataclass(frozen=True)
class Check:
    artifact: Artifact
    state: str  # INTACT, MISSING, CHANGED, or SUPERSEDED (a later artifact was written to the same path)


INTACT, MISSING, CHANGED, SUPERSEDED = "intact", "missing", "changed", "superseded"


def verify_artifacts(artifacts: list[Artifact]) -> list[Check]:
    """Each artifact re-hashed. A path recorded again later (a command writing its default file for a new
    snapshot) is checked against its latest record only; the earlier records are superseded, not changed."""
    latest = {artifact.path: artifact.id for artifact in artifacts}  # oldest first: the last one wins
    checks = []
    for artifact in artifacts:
        if latest[artifact.path] != artifact.id:
            checks.append(Check(artifact, SUPERSEDED))
            continue
        checks.append(Check(artifact, file_state(Path(artifact.path), artifact.sha256)))
    return checks


def file_state(path: Path, sha256: str) -> str:
    """INTACT when the file at `path` still has the recorded sha256, CHANGED when not, MISSING when unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:  # gone, or no longer a readable file
        return MISSING
    return INTACT if digest.hexdigest() == sha256 else CHANGED
