"""A stored snapshot read back into the records the importers produce, so one analysis serves both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlmodel import Session

from service.analysis import build_analysis
from service.errors import DataError
from service.gcpause import paused_gc
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
from service.results import AnalysisResults
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


def analyse_stored_snapshot(engine: Engine, snapshot: Snapshot, soc_order: str | None = None) -> AnalysisResults:
    """Read a stored snapshot and analyse it, with the cyclic collector paused for the whole of it (see
    service.gcpause: pausing only the read leaves a million young objects for the next collection)."""
    with paused_gc():
        data = load_snapshot_data(engine, snapshot)
        return build_analysis(
            data,
            snapshot_id=snapshot.id,
            content_hash=snapshot.content_hash,
            data_cutoff=snapshot.data_cutoff,
            soc_order=soc_order,
        )


def load_snapshot_data(engine: Engine, snapshot: Snapshot) -> ImportedTrial:
    with engine.connect() as conn:
        arms = _read(conn, Arm, ArmRecord, snapshot, "ordinal")
        participants = _read(conn, Participant, ParticipantRecord, snapshot, "id")
        events = _read(conn, AdverseEvent, AdverseEventRecord, snapshot, "id")
        measurements = _read(conn, Measurement, MeasurementRecord, snapshot, "id")
        exposures = _read(conn, Exposure, ExposureRecord, snapshot, "id")
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


def _read(conn: Connection, model: Any, record: Any, snapshot: Snapshot, order: str) -> tuple[Any, ...]:
    """Rows of one snapshot as records, read through the driver.

    The statement is compiled once and each column goes through the result processor of its own type on this
    dialect (as SQLAlchemy would apply it), without building a Row object per record: at a million AEs that
    per-row work dominated the analysis.
    """
    table = model.__table__
    names = field_names(record)
    columns = [table.c[name] for name in names]
    query = select(*columns).where(table.c.snapshot_id == snapshot.id).order_by(table.c[order])
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    parameters = compiled.construct_params()
    arguments = tuple(parameters[name] for name in compiled.positiontup or ()) if compiled.positional else parameters
    result = conn.exec_driver_sql(compiled.string, arguments)
    type_codes = [entry[1] for entry in result.cursor.description]
    processors = [
        (index, process)
        for index, column in enumerate(columns)
        if (process := column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, type_codes[index]))
        is not None
    ]
    rows = result.fetchall()
    if not rows:
        return ()
    if not processors:
        return tuple(record._make(row) for row in rows)
    # Column by column: map() over a column is much cheaper than touching each value of each row in Python.
    table_columns = list(zip(*rows, strict=True))
    for index, process in processors:
        table_columns[index] = tuple(map(process, table_columns[index]))
    return tuple(map(record._make, zip(*table_columns, strict=True)))
