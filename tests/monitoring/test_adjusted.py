"""The final p-value, median-unbiased estimate and interval of a trial that stops, by the stagewise ordering,
against rpact (R 4.x, rpact 3.3.4, `apt-get install r-base-core r-cran-rpact`), computed outside the project with:

    library(rpact)
    d <- getDesignGroupSequential(kMax = 3, alpha = 0.05, sided = 2, typeOfDesign = "asOF",
                                  informationRates = c(1/3, 2/3, 1))   # 3.710302873 2.511427484 1.993047483
    ds <- getDataset(n1 = c(30, 30), n2 = c(30, 30), means1 = c(4, 6), means2 = c(0, 0),
                     stDevs1 = c(10, 10), stDevs2 = c(10, 10))
    sr <- getStageResults(d, dataInput = ds, stage = 2)
    sr$overallPValues[1:2]            # 0.06338750667044 0.00340011265223 (crosses 2.5114 at the second look)
    sr$overallStDevs[2]               # 9.94050095931; the estimate 5 (sr$effectSizes[2])
    getFinalPValue(sr)$pFinal         # 0.006894114967
    ci <- getFinalConfidenceInterval(d, dataInput = ds, stage = 2, tolerance = 1e-10)
    ci$medianUnbiased                 # 4.908936626
    ci$finalConfidenceInterval        # 1.349049639 8.467072209
    ci$medianUnbiasedGeneral          # 0.4938319151 (per SD; × √(2/60)⁻¹ gives μ in z units)
    d1 <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asP",
                                   informationRates = c(1/3, 2/3, 1))  # 2.279428239 2.294911139 2.295939587
    ds1 <- getDataset(n1 = c(30, 30, 30), n2 = c(30, 30, 30), means1 = c(2, 3, 5), means2 = c(0, 0, 0),
                      stDevs1 = c(10, 10, 10), stDevs2 = c(10, 10, 10))
    sr1 <- getStageResults(d1, dataInput = ds1, stage = 3)
    sr1$overallPValues[3]             # 0.0127534495584
    getFinalPValue(sr1)$pFinal        # 0.02638772169
    ci1 <- getFinalConfidenceInterval(d1, dataInput = ds1, stage = 3, tolerance = 1e-10)
    ci1$medianUnbiasedGeneral         # 0.3147246018
    ci1$finalConfidenceIntervalGeneral  # -0.004091685378 0.614428168769
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from scipy import stats

from service.monitoring.adjusted import stagewise_adjusted
from service.monitoring.rows import monitoring_rows
from tests.monitoring.test_plan import comparison, plan

THIRDS = [1 / 3, 2 / 3, 1.0]


def test_stopping_at_the_second_of_three_obrien_fleming_looks() -> None:
    found = stagewise_adjusted(THIRDS[:2], [3.710302873], float(stats.norm.isf(0.00340011265223)), alpha=0.05,
                               sides=2)  # fmt: skip
    per_sd = math.sqrt(2 / 60)  # μ in z units × √(1/60 + 1/60) is rpact's effect per SD
    assert found.p_value == pytest.approx(0.006894114967, abs=1e-8)
    assert found.median_unbiased * per_sd == pytest.approx(0.4938319151, abs=1e-7)
    assert found.low * per_sd == pytest.approx(0.1357124399, abs=1e-7)
    assert found.high * per_sd == pytest.approx(0.8517752016, abs=1e-7)
    # the unadjusted two-sided p of that z, 0.0068, is smaller: the look before it could have stopped the trial too
    assert found.p_value > 2 * 0.00340011265223


def test_the_final_look_of_a_one_sided_pocock_design() -> None:
    found = stagewise_adjusted(THIRDS, [2.279428239, 2.294911139], float(stats.norm.isf(0.0127534495584)),
                               alpha=0.025, sides=1)  # fmt: skip
    per_sd = math.sqrt(2 / 90)
    assert found.p_value == pytest.approx(0.02638772169, abs=1e-8)
    assert found.median_unbiased * per_sd == pytest.approx(0.3147246018, abs=1e-7)
    assert (found.low * per_sd, found.high * per_sd) == (pytest.approx(-0.004091685378, abs=1e-7),
                                                         pytest.approx(0.614428168769, abs=1e-7))  # fmt: skip


def test_the_report_gives_them_where_the_boundary_is_crossed() -> None:
    """The second of three looks (20 of 30 participants) crosses; the first look as typed."""
    thirds = plan(planned_fractions=THIRDS, maximum_information=30,
                  looks=[{"information_fraction": 1 / 3, "observed_z": float(stats.norm.isf(0.06338750667044)),
                          "date": "2020-03-01"}])  # fmt: skip
    row = replace(comparison(5.0, 2 * 0.00340011265223, 10, 10), std_error=9.94050095931 * math.sqrt(2 / 60))
    rows = monitoring_rows(thirds, [row], date(2020, 6, 1))
    current = next(r for r in rows if r.status == "current")
    assert current.crossed == "yes"
    assert current.adjusted_p == pytest.approx(0.006894114967, abs=1e-8)
    assert current.median_unbiased == pytest.approx(4.908936626, abs=1e-6)
    assert (current.adjusted_ci_low, current.adjusted_ci_high) == (pytest.approx(1.349049639, abs=1e-6),
                                                                   pytest.approx(8.467072209, abs=1e-6))  # fmt: skip
    assert all(r.adjusted_p is None for r in rows if r is not current)


def test_no_adjusted_result_while_the_trial_goes_on() -> None:
    rows = monitoring_rows(plan(looks=[]), [replace(comparison(0.64, 0.2, 5, 5), std_error=0.5)], date(2020, 3, 1))
    assert all(r.adjusted_p is None and r.median_unbiased is None for r in rows)
