"""Recording what was produced: path, sha256, snapshot, cut-off, software version and options."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from service import __version__
from service.models import Artifact, Snapshot


def record_artifacts(
    engine: Engine, snapshot: Snapshot, kind: str, files: dict[Path, str], options: dict[str, Any], *, now: datetime
) -> list[int]:
    assert snapshot.id is not None
    with Session(engine) as session, session.begin():
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
