"""A stored snapshot read back into the records the importers produce, so one analysis serves both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from service.errors import DataError
from service.importing.definition import parse_definition
from service.importing.records import (
    AdverseEventRecord,
    ArmRecord,
    ExposureRecord,
    ImportedTrial,
    MeasurementRecord,
    ParticipantRecord,
    field_names,
)
from service.models import AdverseEvent, Arm, Exposure, Measurement, Participant, Snapshot
from service.snapshots import latest_snapshot


def resolve_snapshot(engine: Engine, trial_id: str, snapshot_id: int | None = None) -> Snapshot:
    if snapshot_id is None:
        snapshot = latest_snapshot(engine, trial_id)
        if snapshot is None:
            raise DataError(
                f"no snapshots for trial '{trial_id}'", hint="Import it first: regsync import TRIAL --source PATH."
            )
        return snapshot
    with Session(engine) as session:
        found = session.get(Snapshot, snapshot_id)
        if found is None or found.trial_id != trial_id:
            raise DataError(
                f"trial '{trial_id}' has no snapshot {snapshot_id}",
                hint=f"List them with: regsync snapshots {trial_id}.",
            )
        session.expunge(found)
        return found


def load_snapshot_data(engine: Engine, snapshot: Snapshot) -> ImportedTrial:
    with engine.connect() as conn:

        def read(model: Any, record: type, order: str) -> tuple[Any, ...]:
            names = field_names(record)
            table = model.__table__
            query = select(*[table.c[name] for name in names]).where(table.c.snapshot_id == snapshot.id)
            query = query.order_by(table.c[order])
            return tuple(record(*row) for row in conn.execute(query))

        arms = read(Arm, ArmRecord, "ordinal")
        participants = read(Participant, ParticipantRecord, "id")
        events = read(AdverseEvent, AdverseEventRecord, "id")
        measurements = read(Measurement, MeasurementRecord, "id")
        exposures = read(Exposure, ExposureRecord, "id")
    return ImportedTrial(
        trial_id=snapshot.trial_id,
        source_format=snapshot.source_format,
        source_path=snapshot.source_path,
        definition=parse_definition(snapshot.definition),
        arms=arms,
        participants=participants,
        adverse_events=events,
        measurements=measurements,
        exposures=exposures,
        notes=tuple(snapshot.notes),
    )
