"""A done look's information and z come from the snapshot regsync stored for it: named, or found by its data
cut-off; a snapshot whose data run past the look's date is cut at it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from scipy import stats
from sqlalchemy import Engine

from service.analysis import build_analysis
from service.errors import DataError
from service.importing.records import ImportedTrial
from service.results import MonitoringRow
from service.snapshots import store_snapshot
from service.trialdata import read_and_analyse
from tests.monitoring.three_arms import three_arm_trial

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LOOK = date(2021, 6, 1)  # week-12 values by then: 8 on placebo, 7 on each dose
PLAN = {"comparison": "HIGH vs PBO", "maximum_information": 24, "planned_fractions": [0.5, 1.0]}


def at_look() -> tuple[float, float]:
    """The HIGH vs PBO comparison in the data as they stood at the look, analysed here directly: its information
    fraction and its signed z."""
    rows = build_analysis(three_arm_trial(data_cutoff=LOOK))["outcome_comparison"].rows
    row = next(r for r in rows if (r.arm, r.control) == ("High dose", "Placebo"))
    assert row.p_value is not None and row.estimate is not None and (row.n_arm, row.n_control) == (7, 8)
    z = float(stats.norm.isf(row.p_value / 2))
    return (row.n_arm + row.n_control) / 24, z if row.estimate > 0 else -z


def with_looks(data: ImportedTrial, *looks: dict[str, Any]) -> ImportedTrial:
    raw = {**data.definition.raw, "monitoring": {**data.definition.raw["monitoring"], "looks": list(looks)}}
    return replace(data, definition=replace(data.definition, raw=raw))


def monitoring_of(engine: Engine, *looks: dict[str, Any]) -> tuple[MonitoringRow, ...]:
    now = with_looks(three_arm_trial(PLAN), *looks)
    snapshot = store_snapshot(engine, now, now=NOW).snapshot
    return read_and_analyse(engine, snapshot)[1]["monitoring"].rows


def test_a_look_dated_on_a_snapshots_cut_off_is_recomputed_from_that_snapshot(engine: Engine) -> None:
    store_snapshot(engine, three_arm_trial(PLAN, data_cutoff=LOOK), now=NOW)
    done, current = monitoring_of(engine, {"date": LOOK.isoformat()})
    fraction, z = at_look()
    assert (done.status, done.analysis_date, done.information_fraction) == ("done", LOOK, fraction)
    assert done.observed_z == pytest.approx(z, abs=1e-12)
    assert (current.status, current.information_fraction) == ("current", 1.0)


def test_a_named_snapshot_whose_data_run_past_the_look_is_cut_at_its_date(engine: Engine) -> None:
    later = store_snapshot(engine, three_arm_trial(PLAN, data_cutoff=date(2021, 6, 20)), now=NOW).snapshot
    done, _ = monitoring_of(engine, {"date": LOOK.isoformat(), "snapshot": later.id})
    fraction, z = at_look()
    assert (done.information_fraction, done.observed_z) == (fraction, pytest.approx(z, abs=1e-12))


def test_a_typed_look_is_kept_for_a_look_made_before_regsync_kept_the_data(engine: Engine) -> None:
    done, _ = monitoring_of(engine, {"date": "2021-05-01", "information_fraction": 0.5, "observed_z": 0.7})
    assert (done.information_fraction, done.observed_z) == (0.5, 0.7)


def test_a_look_with_no_snapshot_and_no_typed_numbers_is_refused(engine: Engine) -> None:
    with pytest.raises(DataError, match=r"look 1 \(2021-05-01\): no stored snapshot has this data cut-off"):
        monitoring_of(engine, {"date": "2021-05-01"})


def test_a_look_naming_a_snapshot_the_trial_does_not_have_is_refused(engine: Engine) -> None:
    with pytest.raises(DataError, match="look 1 names snapshot 99, which this trial does not have"):
        monitoring_of(engine, {"date": LOOK.isoformat(), "snapshot": 99})


def test_a_look_with_a_snapshot_and_a_typed_z_is_refused() -> None:
    from service.monitoring.plan import parse_monitoring

    with pytest.raises(DataError, match="look 1: observed_z is only for a look made before regsync kept the data"):
        parse_monitoring(with_looks(three_arm_trial(PLAN), {"snapshot": 3, "observed_z": 1.2}).definition.raw)
