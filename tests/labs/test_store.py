"""The laboratory frame is stored with its snapshot and read back exactly, on SQLite and PostgreSQL; in the same
transaction as the snapshot (all or nothing); never overwritten by a later import."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

import service.labs.store as store
import service.snapshots as snapshots
from service.importing import load_source
from service.importing.records import ImportedTrial
from service.labs.frame import empty_lab_frame
from service.models import LabChunk
from service.snapshots import derive_data_cutoff, store_snapshot
from service.trialdata import read_snapshot
from tests.conftest import database_fingerprint
from tests.labs.frames import assert_same_records, awkward_frame, in_stored_order

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _with_labs(tiny: Path, labs: object) -> ImportedTrial:
    return replace(load_source(tiny, "tiny"), labs=labs)


@pytest.mark.parametrize("listed_only", [True, False])
@pytest.mark.parametrize("chunk", [3, store.CHUNK_RECORDS])
def test_the_frame_reads_back_exactly(tiny: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, chunk: int,
                                      listed_only: bool) -> None:  # fmt: skip
    monkeypatch.setattr(store, "CHUNK_RECORDS", chunk)  # 3: two chunks of three records
    frame = awkward_frame()
    snapshot = store_snapshot(engine, _with_labs(tiny, frame), now=NOW).snapshot
    data, _ = read_snapshot(engine, snapshot, listed_only=listed_only)
    assert_same_records(data.labs, in_stored_order(frame))
    assert data.labs["subject_id"].tolist() == ["T-01", "T-01", "T-01", "T-02", "T-02", "Tē-03 ✓"]
    assert data.labs["dtype"].tolist() == [None, None, "", None, None, "LOCF"]  # "" is a value, not missing
    flags = data.labs["ablfl"]
    assert str(flags.dtype) == "boolean" and flags.isna().tolist() == [False] * 5 + [True]  # <NA> stays <NA>
    assert flags.fillna(False).tolist() == [True, False, True, True, False, False]
    with Session(engine) as session:
        chunks = session.exec(select(func.count()).select_from(LabChunk)).one()  # type: ignore[call-overload]
    assert chunks == ((2,) if chunk == 3 else (1,))


@pytest.mark.parametrize("labs", [None, "empty"])
def test_a_trial_without_laboratory_records_reads_back_without_a_frame(tiny: Path, engine: Engine,
                                                                         labs: str | None) -> None:  # fmt: skip
    data = _with_labs(tiny, empty_lab_frame() if labs else None)
    snapshot = store_snapshot(engine, data, now=NOW).snapshot
    assert snapshot.counts["lab_records"] == 0
    assert read_snapshot(engine, snapshot, listed_only=False)[0].labs is None


def test_counts_and_the_data_cutoff_include_the_laboratory_records(tiny: Path, engine: Engine) -> None:
    frame = awkward_frame()
    frame.loc[0, "adt"] = datetime(2020, 7, 1)  # after the tiny trial's latest date, 2020-06-21
    data = _with_labs(tiny, frame)
    assert derive_data_cutoff(data) == date(2020, 7, 1)
    snapshot = store_snapshot(engine, data, now=NOW).snapshot
    assert (snapshot.counts["lab_records"], snapshot.data_cutoff) == (6, date(2020, 7, 1))


def test_a_changed_frame_makes_a_new_snapshot_and_leaves_the_old_one_as_it_was(tiny: Path, engine: Engine) -> None:
    first_frame = awkward_frame()
    first = store_snapshot(engine, _with_labs(tiny, first_frame), now=NOW)
    changed = awkward_frame()
    changed.loc[5, "aval"] = 12.6
    second = store_snapshot(engine, _with_labs(tiny, changed), now=NOW)
    again = store_snapshot(engine, _with_labs(tiny, changed.iloc[::-1]), now=NOW)
    assert (first.created, second.created, again.created) == (True, True, False)
    assert again.snapshot.id == second.snapshot.id
    assert_same_records(read_snapshot(engine, first.snapshot, listed_only=False)[0].labs, in_stored_order(first_frame))
    assert_same_records(read_snapshot(engine, second.snapshot, listed_only=False)[0].labs, in_stored_order(changed))


class Boom(RuntimeError):
    pass


def test_a_failure_after_the_first_chunk_leaves_the_database_as_it_was(
    tiny: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_snapshot(engine, load_source(tiny, "tiny"), now=NOW)
    before = database_fingerprint(engine)
    monkeypatch.setattr(store, "CHUNK_RECORDS", 2)
    encode, calls = store._encode_chunk, []

    def second_fails(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise Boom("disk full")
        return encode(*args)

    monkeypatch.setattr(store, "_encode_chunk", second_fails)
    with pytest.raises(Boom):
        store_snapshot(engine, _with_labs(tiny, awkward_frame()), now=NOW)
    assert len(calls) == 2 and database_fingerprint(engine) == before


def test_a_failure_after_the_laboratory_records_leaves_the_database_as_it_was(
    tiny: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = database_fingerprint(engine)

    def audit_fails() -> str:
        raise Boom("no user")

    monkeypatch.setattr(snapshots, "_actor", audit_fails)  # the audit entry is written after the laboratory chunks
    with pytest.raises(Boom):
        store_snapshot(engine, _with_labs(tiny, awkward_frame()), now=NOW)
    assert database_fingerprint(engine) == before


def test_text_that_is_not_a_string_is_refused_before_anything_is_stored(tiny: Path, engine: Engine) -> None:
    frame = awkward_frame()
    frame["paramcd"] = frame["paramcd"].astype(object)
    frame.loc[2, "paramcd"] = 42
    before = database_fingerprint(engine)
    with pytest.raises(TypeError, match=r"laboratory column paramcd holds 42 \(int\), not text"):
        store_snapshot(engine, _with_labs(tiny, frame), now=NOW)
    assert database_fingerprint(engine) == before
