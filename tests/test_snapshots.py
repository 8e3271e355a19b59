"""Snapshots: identical data makes none, a change makes a new one, all are kept, and a failed write leaves
the database as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import service.snapshots as snapshots
from service.importing import load_source
from service.importing.records import record_values
from service.models import AdverseEvent, Arm, Exposure, Measurement, Participant
from service.snapshots import compute_content_hash, list_snapshots, store_snapshot
from tests.conftest import database_fingerprint

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_importing_the_same_data_twice_makes_one_snapshot(tiny: Path, engine: Engine) -> None:
    first = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)
    second = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)
    assert (first.created, second.created) == (True, False)
    assert second.snapshot.id == first.snapshot.id
    assert len(list_snapshots(engine, "tiny")) == 1


def test_changing_one_adverse_event_makes_a_second_snapshot_and_keeps_the_first(tiny: Path, engine: Engine) -> None:
    first = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)
    path = tiny / "adverse_events.csv"
    path.write_text(path.read_text().replace("SEVERE,3,Y", "SEVERE,4,Y"))
    second = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)

    assert second.created and second.snapshot.id != first.snapshot.id
    assert [s.id for s in list_snapshots(engine, "tiny")] == [first.snapshot.id, second.snapshot.id]
    with Session(engine) as session:
        grades = {
            snapshot_id: grade
            for snapshot_id, grade in session.exec(
                select(AdverseEvent.snapshot_id, AdverseEvent.ctcae_grade).where(AdverseEvent.seq == 4)
            )
        }
    assert grades == {first.snapshot.id: 3, second.snapshot.id: 4}


def test_snapshot_records_counts_cutoff_and_version(tiny: Path, engine: Engine) -> None:
    snapshot = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW).snapshot
    # The latest date in the tiny trial is T-03's disposition date.
    assert str(snapshot.data_cutoff) == "2020-06-21"
    assert snapshot.counts == {
        "arms": 2,
        "participants": 5,
        "randomized": 4,
        "adverse_events": 7,
        "treatment_emergent_adverse_events": 4,
        "measurements": 4,
        "exposures": 0,
        "lab_records": 0,
    }
    assert snapshot.software_version == "0.1.0" and len(snapshot.content_hash) == 64


def test_row_order_is_not_a_change(tiny: Path) -> None:
    before = compute_content_hash(load_source(tiny, "tiny"))
    path = tiny / "measurements.csv"
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header, *reversed(rows)]) + "\n")
    assert compute_content_hash(load_source(tiny, "tiny")) == before


def test_a_changed_definition_is_a_change(tiny: Path) -> None:
    before = compute_content_hash(load_source(tiny, "tiny"))
    path = tiny / "trial.toml"
    path.write_text(path.read_text().replace("target_enrollment = 6", "target_enrollment = 8"))
    assert compute_content_hash(load_source(tiny, "tiny")) != before


def test_a_write_that_fails_midway_leaves_the_database_as_it_was(
    tiny: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)
    before = database_fingerprint(engine)
    path = tiny / "adverse_events.csv"
    path.write_text(path.read_text().replace("SEVERE,3,Y", "SEVERE,4,Y"))
    changed = load_source(tiny, "tiny")
    real_insert = snapshots._insert

    def failing_insert(session, model, rows, snapshot_id):  # type: ignore[no-untyped-def]
        if model is AdverseEvent:  # participants and arms are already written by now
            raise RuntimeError("disk full")
        real_insert(session, model, rows, snapshot_id)

    monkeypatch.setattr(snapshots, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        store_snapshot(engine, changed, now=NOW)
    assert database_fingerprint(engine) == before


def test_snapshots_command_lists_every_snapshot(tiny: Path, run_cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny), db_url=db_url).exit_code == 0
    again = run_cli("import", "tiny", "--source", str(tiny), db_url=db_url)
    assert "no change: the data are identical to snapshot 1" in again.stdout
    path = tiny / "adverse_events.csv"
    path.write_text(path.read_text().replace("SEVERE,3,Y", "SEVERE,4,Y"))
    assert "new snapshot 2" in run_cli("import", "tiny", "--source", str(tiny), db_url=db_url).stdout

    listed = run_cli("snapshots", "tiny", db_url=db_url).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["1", "2"]
    trials = run_cli("trials", db_url=db_url).stdout
    assert trials.startswith("tiny\t2 snapshot(s)\tNCT00000000, IRCT00000000000N1\tTiny test trial")


def test_snapshot_data_stays_queryable(tiny: Path, engine: Engine) -> None:
    snapshot = store_snapshot(engine, load_source(tiny, "tiny"), now=NOW).snapshot
    with Session(engine) as session:
        subjects = session.exec(
            select(Participant.subject_id)
            .where(Participant.snapshot_id == snapshot.id)
            .order_by(Participant.subject_id)
        ).all()
    assert list(subjects) == ["T-01", "T-02", "T-03", "T-04", "T-05"]


@pytest.mark.parametrize(
    ("model", "records"),
    [
        (Participant, "participants"),
        (AdverseEvent, "adverse_events"),
        (Measurement, "measurements"),
        (Exposure, "exposures"),
        (Arm, "arms"),
    ],
)
def test_every_field_reads_back_as_imported(tiny: Path, engine: Engine, model, records: str) -> None:  # type: ignore[no-untyped-def]
    (tiny / "exposure.csv").write_text(
        "subject_id,treatment,dose,dose_unit,start_date,end_date\nT-01,Active,1.5,mg,2020-01-12,2020-01-13\n"
    )
    data = load_source(tiny, "tiny")
    snapshot = store_snapshot(engine, data, now=NOW).snapshot
    with Session(engine) as session:
        stored = session.exec(select(model).where(model.snapshot_id == snapshot.id).order_by(model.id)).all()
    expected = [record_values(r) for r in getattr(data, records)]
    assert [{k: getattr(row, k) for k in expected[0]} for row in stored] == expected
