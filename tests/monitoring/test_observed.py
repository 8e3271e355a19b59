"""The monitoring's observed z is named as what it is, the z of the test's two-sided p, and the estimate over its
SE stands beside it (they differ where the test is not that estimate's Wald test)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from service.ard import monitoring as ard_monitoring
from service.monitoring.rows import monitoring_rows
from service.results import MonitoringRow, Table
from tests.monitoring.test_plan import comparison, plan


def test_a_hazard_ratio_log_rank_p_and_its_wald_z_both_signed_by_the_direction() -> None:
    # HR 0.5 with SE(log HR) 0.2: log(0.5) / 0.2 = −3.4657, in favour of the arm when lower is better; the
    # log-rank p of 0.01 is z = Φ⁻¹(1 − 0.005) = 2.5758, signed the same way.
    row = replace(comparison(0.5, 0.01, 5, 5), estimate_kind="hazard-ratio", std_error=0.2)
    assert row.is_ratio
    rows = monitoring_rows(plan(looks=[], direction="lower"), [row], date(2020, 3, 1))
    current = next(r for r in rows if r.status == "current")
    assert current.observed_z == pytest.approx(2.5758293, abs=1e-6)
    assert current.wald_z == pytest.approx(-math.log(0.5) / 0.2, abs=1e-9)
    assert current.wald_z == pytest.approx(3.4657359, abs=1e-6)


def test_a_difference_against_its_direction_is_negative_and_no_se_gives_none() -> None:
    row = replace(comparison(-1.2, 0.04, 5, 5), std_error=0.4)
    current = next(r for r in monitoring_rows(plan(looks=[]), [row], date(2020, 3, 1)) if r.status == "current")
    assert current.wald_z == pytest.approx(-3.0) and current.observed_z == pytest.approx(-2.0537489, abs=1e-6)
    bare = comparison(-1.2, 0.04, 5, 5)
    assert next(r for r in monitoring_rows(plan(looks=[]), [bare], date(2020, 3, 1))
                if r.status == "current").wald_z is None  # fmt: skip


def test_the_ard_names_the_observed_z_and_adds_the_wald_z() -> None:
    look = MonitoringRow(1, "current", None, 0.5, 2.96, 0.003, 0.003, 2.5758, "no", wald_z=3.4657)
    rows = list(ard_monitoring(Table("monitoring", MonitoringRow, "", "ITT", {}, (), (look,)), None))
    by_name = {r.stat_name: r for r in rows}
    assert by_name["statistic"].stat == 2.5758
    assert by_name["statistic"].stat_label == "z from the test's p (two-sided, signed by the estimate)"
    assert by_name["wald_z"].stat == 3.4657
    assert "over its standard error" in by_name["wald_z"].stat_label


def test_the_footnote_says_which_z() -> None:
    rule = plan().rule()
    assert "Observed z: the z of the comparison's test's two-sided p" in rule
    assert "(est. / SE): the estimate over its standard error" in rule
