"""Analysing a stored snapshot (AEs read as columns, records only for listed events) gives exactly the tables
that analysing the full records gives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.analysis import build_analysis
from service.importing import load_source
from service.importing.records import ImportedTrial
from service.snapshots import store_snapshot
from service.trialdata import read_and_analyse, read_snapshot
from tests.analysis_fixture import hand_trial
from tests.conftest import REPO

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "make",
    [lambda: hand_trial(), lambda: load_source(REPO / "examples" / "msc-t1d", "msc-t1d")],
    ids=["hand-checked trial", "example trial"],
)
def test_stored_analysis_equals_the_records_analysis(make, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    trial: ImportedTrial = make()
    snapshot = store_snapshot(engine, trial, now=NOW).snapshot
    stored = read_and_analyse(engine, snapshot)[1]
    full = build_analysis(
        read_snapshot(engine, snapshot, listed_only=False)[0],
        snapshot_id=snapshot.id,
        content_hash=snapshot.content_hash,
        data_cutoff=snapshot.data_cutoff,
    )
    assert stored.tables.keys() == full.tables.keys()
    for name, table in full.tables.items():
        assert stored.tables[name] == table, name


def test_records_read_back_equal_what_was_imported(tiny: Path, engine: Engine) -> None:
    data = load_source(tiny, "tiny")
    snapshot = store_snapshot(engine, data, now=NOW).snapshot
    back = read_snapshot(engine, snapshot, listed_only=False)[0]
    assert (back.arms, back.participants, back.adverse_events, back.measurements) == (
        data.arms,
        data.participants,
        data.adverse_events,
        data.measurements,
    )
