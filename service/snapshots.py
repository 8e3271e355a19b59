"""Snapshots: an import's normalized data, content-hashed and stored whole in one transaction.

Identical data (by content hash) makes no new snapshot. Row order in the source does not count as a
change: each table's records are hashed as a sorted list, the laboratory frame in its canonical order
(service.labs.canonical). A trial without laboratory records hashes as it did before the frame existed.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert
from sqlmodel import Session, SQLModel, col, select

from service import __version__
from service.importing.records import ImportedTrial, date_field_names, field_names, record_values
from service.labs.canonical import CanonicalLabs, canonical_labs, digest_labs
from service.labs.store import write_labs
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
    return _content_hash(data, _labs_of(data))


def _content_hash(data: ImportedTrial, labs: CanonicalLabs | None) -> str:
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
        lines = sorted(_canonical([getattr(r, name) for name in field_names(type(r))]) for r in records)
        digest.update("\n".join(lines).encode())
    if labs is not None:
        digest_labs(digest, labs)
    return digest.hexdigest()


def _labs_of(data: ImportedTrial) -> CanonicalLabs | None:
    """The laboratory frame in canonical form; None when there is none or it has no records (stored as none)."""
    if data.labs is None or len(data.labs) == 0:
        return None
    return canonical_labs(data.labs)


def derive_data_cutoff(data: ImportedTrial) -> date | None:
    """The definition's data_cutoff, else the latest date anywhere in the data."""
    if data.definition.data_cutoff:
        return data.definition.data_cutoff
    latest: date | None = None
    for records in (data.participants, data.adverse_events, data.exposures, data.measurements):
        for record in records:
            for name in date_field_names(type(record)):
                value = getattr(record, name)
                if value is not None and (latest is None or value > latest):
                    latest = value
    lab_latest = _latest_lab_date(data.labs)
    if lab_latest is not None and (latest is None or lab_latest > latest):
        latest = lab_latest
    return latest


def _latest_lab_date(labs: Any) -> date | None:
    if labs is None or len(labs) == 0 or "adt" not in labs.columns:
        return None
    latest = labs["adt"].max()
    return None if pd.isna(latest) else latest.date()


def store_snapshot(engine: Engine, data: ImportedTrial, *, now: datetime) -> ImportOutcome:
    """Write the data as a new snapshot unless an identical one exists; all or nothing."""
    labs = _labs_of(data)
    content_hash = _content_hash(data, labs)
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
            counts=_counts(data, labs),
            notes=list(data.notes),
            software_version=__version__,
            created_at=now,
        )
        session.add(snapshot)
        session.flush()
        assert snapshot.id is not None
        _insert(
            session, Arm, ({"ordinal": i, **record_values(a)} for i, a in enumerate(data.arms, start=1)), snapshot.id
        )
        _insert(session, Participant, (record_values(p) for p in data.participants), snapshot.id)
        _insert(session, Exposure, (record_values(e) for e in data.exposures), snapshot.id)
        _insert(session, AdverseEvent, (record_values(e) for e in data.adverse_events), snapshot.id)
        _insert(session, Measurement, (record_values(m) for m in data.measurements), snapshot.id)
        if labs is not None:
            write_labs(session.connection(), snapshot.id, labs)
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
    """Bulk insert through the driver's executemany.

    SQLAlchemy's own executemany builds each row's parameters in Python, which dominated large imports; here
    the statement is compiled once and each value goes through the same bind processor SQLAlchemy would use
    for its column type on this dialect, so what is stored is identical.
    """
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    dialect = connection.dialect
    columns = [c for c in table.columns if c.name != "id"]
    names = [c.name for c in columns]
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    order = list(compiled.positiontup) if compiled.positional and compiled.positiontup else names
    processors = {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns}
    steps = [(name, processors[name]) for name in order]

    def parameters(row: dict[str, Any]) -> Any:
        row["snapshot_id"] = snapshot_id
        values = [process(row[name]) if process else row[name] for name, process in steps]
        return tuple(values) if compiled.positional else dict(zip(order, values, strict=True))

    chunk: list[Any] = []
    for row in rows:
        chunk.append(parameters(row))
        if len(chunk) >= _INSERT_CHUNK:
            connection.exec_driver_sql(compiled.string, chunk)
            chunk = []
    if chunk:
        connection.exec_driver_sql(compiled.string, chunk)


def _counts(data: ImportedTrial, labs: CanonicalLabs | None) -> dict[str, int]:
    return {
        "arms": len(data.arms),
        "participants": len(data.participants),
        "randomized": sum(p.randomized for p in data.participants),
        "adverse_events": len(data.adverse_events),
        "treatment_emergent_adverse_events": sum(e.treatment_emergent for e in data.adverse_events),
        "measurements": len(data.measurements),
        "exposures": len(data.exposures),
        "lab_records": labs.records if labs is not None else 0,
    }


def _encode(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


# One encoder for every record: json.dumps with options builds a new encoder on each call.
_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode).encode


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
