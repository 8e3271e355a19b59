"""Enrollment over time and by site, and exposure, checked by hand on the tiny bundle.

Tiny: T-01 (site A, Active, randomized 2020-01-10, doses 2020-01-12 to 2020-03-12, completed 2020-06-12),
T-02 (A, Active, 2020-01-15, doses 2020-01-16 to 2020-02-01, discontinued 2020-02-05), T-03 (B, Placebo,
2020-01-20, doses 2020-01-21 to 2020-03-21, completed 2020-06-21), T-04 (B, Placebo, 2020-02-01, never treated),
T-05 (A, screen failure). The data cut-off is the latest date in the data, 2020-06-21.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from service.importing.records import ExposureRecord
from service.results import TOTAL
from tests.conftest import FIXTURES


def tiny_data():  # type: ignore[no-untyped-def]
    return load_source(FIXTURES / "tiny", "tiny")


def test_enrollment_by_month_runs_to_the_cutoff() -> None:
    table = build_analysis(tiny_data(), data_cutoff=date(2020, 6, 21))["enrollment"]
    total = [(r.month, r.n_randomized, r.cumulative) for r in table.rows if r.arm == TOTAL]
    assert total == [
        ("2020-01", 3, 3),
        ("2020-02", 1, 4),
        ("2020-03", 0, 4),
        ("2020-04", 0, 4),
        ("2020-05", 0, 4),
        ("2020-06", 0, 4),
    ]
    active = [r.cumulative for r in table.rows if r.arm == "Active"]
    placebo = [r.cumulative for r in table.rows if r.arm == "Placebo"]
    assert active == [2] * 6 and placebo == [1, 2, 2, 2, 2, 2]
    assert all(r.target_cumulative is None for r in table.rows)  # tiny states no enrollment period


def test_the_planned_path_is_a_straight_line_between_the_enrollment_dates() -> None:
    data = tiny_data()
    raw = {**data.definition.raw, "trial": {**data.definition.raw["trial"], "enrollment_start": "2020-01-01",
                                            "enrollment_end": "2020-04-30"}}  # fmt: skip
    data = replace(data, definition=replace(data.definition, raw=raw))
    rows = [r for r in build_analysis(data, data_cutoff=date(2020, 6, 21))["enrollment"].rows if r.arm == TOTAL]
    # 120 days from 2020-01-01 to 2020-04-30, target 6: Jan 31 is day 30 → 6·30/120 = 1.5; Feb 29 is day 59 →
    # 2.95; Mar 31 day 90 → 4.5; Apr 30 → 6, and 6 thereafter.
    assert [r.target_cumulative for r in rows] == [1.5, 2.95, 4.5, 6.0, 6.0, 6.0]


def test_enrollment_by_site() -> None:
    rows = build_analysis(tiny_data())["enrollment_by_site"].rows
    got = [(r.site, r.arm, r.n_screened, r.n_randomized, r.first_randomization, r.last_randomization) for r in rows]
    assert got == [
        ("A", "Active", None, 2, date(2020, 1, 10), date(2020, 1, 15)),
        ("A", "Placebo", None, 0, None, None),
        ("A", TOTAL, 3, 2, date(2020, 1, 10), date(2020, 1, 15)),
        ("B", "Active", None, 0, None, None),
        ("B", "Placebo", None, 2, date(2020, 1, 20), date(2020, 2, 1)),
        ("B", TOTAL, 2, 2, date(2020, 1, 20), date(2020, 2, 1)),
    ]


def test_exposure_per_arm_of_the_safety_population() -> None:
    data = tiny_data()
    doses = (
        ExposureRecord("T-01", "Drug", 10, "mg", date(2020, 1, 12), date(2020, 1, 12)),
        ExposureRecord("T-01", "Drug", 10, "mg", date(2020, 3, 12), date(2020, 3, 12)),
        ExposureRecord("T-02", "Drug", 10, "mg", date(2020, 1, 16), date(2020, 1, 16)),
        ExposureRecord("T-05", "Drug", 10, "mg", date(2020, 1, 2), date(2020, 1, 2)),  # screen failure: not counted
    )
    rows = {r.arm: r for r in build_analysis(replace(data, exposures=doses), data_cutoff=date(2020, 6, 21))[
        "exposure"].rows}  # fmt: skip
    active, placebo, total = rows["Active"], rows["Placebo"], rows[TOTAL]
    assert (active.n_treated, placebo.n_treated, total.n_treated) == (2, 1, 3)  # T-04 was never treated
    assert (active.n_administrations, placebo.n_administrations, total.n_administrations) == (3, 0, 3)
    assert (active.administrations_mean, active.administrations_min, active.administrations_max) == (1.5, 1, 2)
    assert (total.administrations_mean, total.administrations_min, total.administrations_max) == (1.0, 0, 2)
    # Durations: T-01 Jan 12 → Mar 12 2020 = 60 days + 1 = 61; T-02 Jan 16 → Feb 1 = 17; T-03 Jan 21 → Mar 21 = 61.
    assert (active.duration_days_median, active.duration_days_min, active.duration_days_max) == (39.0, 17, 61)
    assert (total.duration_days_median, total.duration_days_min, total.duration_days_max) == (61.0, 17, 61)
    # Follow-up: T-01 Jan 12 → Jun 12 = 153 days; T-02 Jan 16 → Feb 5 = 21; T-03 Jan 21 → Jun 21 = 153.
    assert active.follow_up_years == pytest.approx(174 / 365.25)
    assert placebo.follow_up_years == pytest.approx(153 / 365.25)
    assert total.follow_up_years == pytest.approx(327 / 365.25)


def test_a_bad_enrollment_date_is_refused(run_cli, tiny: Path) -> None:  # type: ignore[no-untyped-def]
    definition = tiny / "trial.toml"
    definition.write_text(
        definition.read_text().replace("target_enrollment = 6", 'target_enrollment = 6\nenrollment_start = "soon"')
    )
    result = run_cli("import", "tiny", "--source", str(tiny))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == ("error: trial.toml, column trial.enrollment_start: enrollment_start must be a date written as "
                     "2019-02-05, not 'soon'")  # fmt: skip
