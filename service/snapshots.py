"""Snapshots: an import's normalized data, content-hashed and stored whole in one transaction.

Identical data (by content hash) makes no new snapshot. Row order in the source does not count as a
change: each table's records are hashed as a sorted list.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert
from sqlmodel import Session, SQLModel, col, select

from service import __version__
from service.importing.records import ImportedTrial
from service.models import (
    AdverseEvent,
    Arm,
    AuditEntry,
    Exposure,
    Measurement,
    Participant,
    Snapshot,
    Trial,
)

_INSERT_CHUNK = 5_000


@dataclass(frozen=True)
class ImportOutcome:
    snapshot: Snapshot
    created: bool


def compute_content_hash(data: ImportedTrial) -> str:
    digest = hashlib.sha256()
    digest.update(_canonical(data.definition.raw).encode())
    parts: Sequence[tuple[str, Iterable[Any]]] = (
        ("arms", data.arms),
        ("participants", data.participants),
        ("exposures", data.exposures),
        ("adverse_events", data.adverse_events),
        ("measurements", data.measurements),
    )
    for name, records in parts:
        digest.update(f"\n#{name}\n".encode())
        lines = sorted(_canonical([getattr(r, f.name) for f in fields(r)]) for r in records)
        digest.update("\n".join(lines).encode())
    return digest.hexdigest()


def derive_data_cutoff(data: ImportedTrial) -> date | None:
    """The definition's data_cutoff, else the latest date anywhere in the data."""
    if data.definition.data_cutoff:
        return data.definition.data_cutoff
    dates = [
        value
        for records in (data.participants, data.adverse_events, data.exposures, data.measurements)
        for record in records
        for value in (getattr(record, f.name) for f in fields(record))
        if isinstance(value, date)
    ]
    return max(dates, default=None)


def store_snapshot(engine: Engine, data: ImportedTrial, *, now: datetime) -> ImportOutcome:
    """Write the data as a new snapshot unless an identical one exists; all or nothing."""
    content_hash = compute_content_hash(data)
    with Session(engine) as session, session.begin():
        _upsert_trial(session, data, now)
        existing = session.exec(
            select(Snapshot).where(Snapshot.trial_id == data.trial_id, Snapshot.content_hash == content_hash)
        ).first()
        if existing is not None:
            session.expunge(existing)
            return ImportOutcome(existing, created=False)
        snapshot = Snapshot(
            trial_id=data.trial_id,
            content_hash=content_hash,
            source_format=data.source_format,
            source_path=data.source_path,
            data_cutoff=derive_data_cutoff(data),
            definition=data.definition.raw,
            counts=_counts(data),
            notes=list(data.notes),
            software_version=__version__,
            created_at=now,
        )
        session.add(snapshot)
        session.flush()
        assert snapshot.id is not None
        _insert(session, Arm, ({"ordinal": i, **_values(a)} for i, a in enumerate(data.arms, start=1)), snapshot.id)
        _insert(session, Participant, (_values(p) for p in data.participants), snapshot.id)
        _insert(session, Exposure, (_values(e) for e in data.exposures), snapshot.id)
        _insert(session, AdverseEvent, (_values(e) for e in data.adverse_events), snapshot.id)
        _insert(session, Measurement, (_values(m) for m in data.measurements), snapshot.id)
        session.add(
            AuditEntry(
                at=now,
                actor=_actor(),
                action="import",
                trial_id=data.trial_id,
                detail={
                    "snapshot_id": snapshot.id,
                    "content_hash": content_hash,
                    "source": data.source_path,
                    "format": data.source_format,
                },
            )
        )
        session.flush()
        session.expunge(snapshot)
        return ImportOutcome(snapshot, created=True)


def list_snapshots(engine: Engine, trial_id: str) -> list[Snapshot]:
    with Session(engine) as session:
        return list(
            session.exec(select(Snapshot).where(Snapshot.trial_id == trial_id).order_by(col(Snapshot.id))).all()
        )


def latest_snapshot(engine: Engine, trial_id: str) -> Snapshot | None:
    snapshots = list_snapshots(engine, trial_id)
    return snapshots[-1] if snapshots else None


def list_trials(engine: Engine) -> list[tuple[Trial, int]]:
    with Session(engine) as session:
        query = (
            select(Trial, func.count(col(Snapshot.id)))
            .join(Snapshot, isouter=True)
            .group_by(Trial.id)
            .order_by(Trial.id)
        )
        return [(trial, count) for trial, count in session.exec(query).all()]


def _upsert_trial(session: Session, data: ImportedTrial, now: datetime) -> None:
    definition = data.definition
    trial = session.get(Trial, data.trial_id)
    if trial is None:
        trial = Trial(id=data.trial_id, created_at=now, updated_at=now)
    described = {
        "title": definition.title or trial.title or data.trial_id,
        "public_title": definition.public_title or trial.public_title,
        "acronym": definition.acronym or trial.acronym,
        "phase": definition.phase or trial.phase,
        "nct_id": definition.nct_id or trial.nct_id,
        "irct_id": definition.irct_id or trial.irct_id,
        "study_id": definition.study_id or trial.study_id,
    }
    if any(getattr(trial, key) != value for key, value in described.items()):
        for key, value in described.items():
            setattr(trial, key, value)
        trial.updated_at = now
    session.add(trial)


def _insert(session: Session, model: type[SQLModel], rows: Iterable[dict[str, Any]], snapshot_id: int) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    chunk: list[dict[str, Any]] = []
    for row in rows:
        row["snapshot_id"] = snapshot_id
        chunk.append(row)
        if len(chunk) >= _INSERT_CHUNK:
            session.execute(insert(table), chunk)
            chunk = []
    if chunk:
        session.execute(insert(table), chunk)


def _values(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _counts(data: ImportedTrial) -> dict[str, int]:
    return {
        "arms": len(data.arms),
        "participants": len(data.participants),
        "randomized": sum(p.randomized for p in data.participants),
        "adverse_events": len(data.adverse_events),
        "treatment_emergent_adverse_events": sum(e.treatment_emergent for e in data.adverse_events),
        "measurements": len(data.measurements),
        "exposures": len(data.exposures),
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode)


def _encode(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
