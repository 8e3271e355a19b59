"""A stored snapshot read back into the records the importers produce, so one analysis serves both."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
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
from service.labs.store import read_labs
from service.models import AdverseEvent, Arm, Exposure, Measurement, Participant, Snapshot
from service.monitoring.looks import monitoring_evidence
from service.reports.datacut import check_cutoff, derive_data_cut
from service.results import AnalysisResults
from service.safety.frame import FRAME_FIELDS, frame_from_columns, listed
from service.snapshots import latest_snapshot

# Ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
_ID_CHUNK = 500


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


def read_and_analyse(
    engine: Engine, snapshot: Snapshot, soc_order: str | None = None
) -> tuple[ImportedTrial, AnalysisResults]:
    """The snapshot as analysed (its adverse_events holding only the listed AEs) and its analysis, with the cyclic
    collector paused for the whole of it (see service.gcpause: pausing only the read leaves a million young objects
    for the next collection)."""
    with paused_gc():
        data, ae_frame = read_snapshot(engine, snapshot, listed_only=True)
        looks = monitoring_evidence(engine, snapshot.trial_id, data, snapshot.data_cutoff)
        results = build_analysis(
            data,
            snapshot_id=snapshot.id,
            content_hash=snapshot.content_hash,
            data_cutoff=snapshot.data_cutoff,
            soc_order=soc_order,
            ae_frame=ae_frame,
            monitoring_looks=looks,
        )
        return data, results


def read_data_cut(engine: Engine, snapshot: Snapshot, cutoff: date, *, checked: bool = True) -> ImportedTrial:
    """The snapshot as it stood at `cutoff`, refused as check_cutoff says: the one rule for reports and tables."""
    data, _ = read_snapshot(engine, snapshot, listed_only=False)
    if checked:
        check_cutoff(data, cutoff, snapshot.data_cutoff, snapshot.id)
    return derive_data_cut(data, cutoff, snapshot.data_cutoff)


def read_snapshot(
    engine: Engine, snapshot: Snapshot, *, listed_only: bool
) -> tuple[ImportedTrial, pd.DataFrame | None]:
    """A stored snapshot as the records the importers produce.

    listed_only: every AE is read as the columns of the analysis frame (service.safety.frame), returned beside the
    data, and full records only for the AEs a listing shows (tests/test_tables_export.py checks this gives the
    same tables as analysing records). Otherwise every AE record is read, and there is no frame.
    """
    with engine.connect() as conn:
        if not listed_only:
            return _load(conn, snapshot, _read(conn, AdverseEvent, AdverseEventRecord, snapshot, "id")), None
        columns = _read_columns(conn, _table(AdverseEvent), ("id", *FRAME_FIELDS), snapshot, "id")
        frame = frame_from_columns(columns)
        ids = [int(i) for i in np.asarray(columns["id"], dtype=np.int64)[listed(frame)]] if columns["id"] else []
        events: list[Any] = []
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            events.extend(
                _read(conn, AdverseEvent, AdverseEventRecord, snapshot, "id", _table(AdverseEvent).c.id.in_(chunk))
            )
        return _load(conn, snapshot, tuple(events)), frame


def _load(conn: Connection, snapshot: Snapshot, events: tuple[Any, ...]) -> ImportedTrial:
    return ImportedTrial(
        trial_id=snapshot.trial_id,
        source_format=snapshot.source_format,
        source_path=snapshot.source_path,
        definition=parse_definition(snapshot.definition),
        arms=_read(conn, Arm, ArmRecord, snapshot, "ordinal"),
        participants=_read(conn, Participant, ParticipantRecord, snapshot, "id"),
        adverse_events=events,
        measurements=_read(conn, Measurement, MeasurementRecord, snapshot, "id"),
        exposures=_read(conn, Exposure, ExposureRecord, snapshot, "id"),
        notes=tuple(snapshot.notes),
        labs=read_labs(conn, snapshot.id),
    )


def _read(
    conn: Connection, model: Any, record: Any, snapshot: Snapshot, order: str, where: Any = None
) -> tuple[Any, ...]:
    """Rows of one snapshot as records."""
    names = field_names(record)
    columns = _read_columns(conn, _table(model), names, snapshot, order, where)
    if not columns[names[0]]:
        return ()
    return tuple(map(record._make, zip(*(columns[name] for name in names), strict=True)))


def _read_columns(
    conn: Connection, table: Any, names: Sequence[str], snapshot: Snapshot, order: str, where: Any = None
) -> dict[str, tuple[Any, ...]]:
    """Columns of one snapshot's rows, read through the driver.

    The statement is compiled once and each column goes through the result processor of its own type on this
    dialect (as SQLAlchemy would apply it), column by column with map(), without a Row object per record: at
    a million AEs that per-row work dominated the analysis.
    """
    columns = [table.c[name] for name in names]
    query = select(*columns).where(table.c.snapshot_id == snapshot.id)
    if where is not None:
        query = query.where(where)
    compiled = query.order_by(table.c[order]).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    parameters = compiled.construct_params()
    arguments = tuple(parameters[name] for name in compiled.positiontup or ()) if compiled.positional else parameters
    result = conn.exec_driver_sql(compiled.string, arguments)
    type_codes = [entry[1] for entry in result.cursor.description]
    rows = result.fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    for index, column in enumerate(columns):
        process = column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, type_codes[index])
        if process is not None and rows:
            values[index] = tuple(map(process, values[index]))
    return dict(zip(names, values, strict=True))


def _table(model: Any) -> Any:
    return model.__table__
