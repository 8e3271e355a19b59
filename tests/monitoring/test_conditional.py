"""Conditional power over the looks still to come, and the design's drift, against rpact (R 4.x, rpact 3.3.4,
`apt-get install r-base-core r-cran-rpact`), whose numbers were computed outside the project with:

    library(rpact)
    d3 <- getDesignGroupSequential(kMax = 3, alpha = 0.05, sided = 2, beta = 0.1, typeOfDesign = "asOF",
                                   informationRates = c(1/3, 2/3, 1))
    d3$criticalValues                           # 3.710302873 2.511427484 1.993047483
    sqrt(getDesignCharacteristics(d3)$shift)    # 3.260669419
    ds <- getDataset(n1 = 30, n2 = 30, means1 = 4, means2 = 0, stDevs1 = 10, stDevs2 = 10)
    sr <- getStageResults(d3, dataInput = ds)
    sr$overallPValues[1]                        # 0.0633875066704
    getConditionalPower(sr, nPlanned = c(60, 60), assumedStDev = 10)$conditionalPower
                                                # NA 0.3171947309 0.8023680867 (thetaH1: the trend, 4)
    getConditionalPower(sr, nPlanned = c(60, 60), thetaH1 = 7, assumedStDev = 10)$conditionalPower
                                                # NA 0.7537497604 0.9935580677
    getConditionalPower(sr, nPlanned = c(60, 60), assumedStDev = 10,
                        thetaH1 = sqrt(getDesignCharacteristics(d3)$shift) / sqrt(45) * 10)$conditionalPower[3]
                                                # 0.9064598817 (under the design's effect)
    d4 <- getDesignGroupSequential(kMax = 4, alpha = 0.05, sided = 2, typeOfDesign = "asP",
                                   informationRates = c(0.25, 0.5, 0.75, 1))
    d4$criticalValues                           # 2.368327704 2.367524289 2.358167745 2.350029536
    ds <- getDataset(n1 = c(20, 20), n2 = c(20, 20), means1 = c(1.5, 0.5), means2 = c(0, 0),
                     stDevs1 = c(10, 10), stDevs2 = c(10, 10))
    sr <- getStageResults(d4, dataInput = ds, stage = 2)
    sr$overallPValues[2]                        # 0.325988498130
    getConditionalPower(sr, nPlanned = c(40, 40), assumedStDev = 10)$conditionalPower[4]      # 0.0080960981202
    getConditionalPower(sr, nPlanned = c(40, 40), thetaH1 = 6, assumedStDev = 10)$conditionalPower[4]
                                                # 0.42819080100
    d2 <- getDesignGroupSequential(kMax = 2, alpha = 0.05, sided = 2, beta = 0.1, typeOfDesign = "asOF",
                                   informationRates = c(0.5, 1))
    sqrt(getDesignCharacteristics(d2)$shift)    # 3.247050475

rpact's drift for a two-sample mean is thetaH1 / sd × √(N / 4), N the planned total: 180 and 160 here.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from service.monitoring.conditional import conditional_power, efficacy_drift
from service.monitoring.spending import spending_boundaries
from tests.monitoring.test_plan import plan

THIRDS = [1 / 3, 2 / 3, 1.0]
QUARTERS = [0.25, 0.5, 0.75, 1.0]


def test_three_looks_conditional_power_counts_the_interim_look_ahead() -> None:
    bounds = [b.z for b in spending_boundaries(THIRDS, alpha=0.05, sides=2, shape="obrien-fleming")]
    assert bounds == pytest.approx([3.710302873, 2.511427484, 1.993047483], abs=1e-6)
    z = float(stats.norm.isf(0.0633875066704))
    ahead = list(zip(THIRDS, bounds, strict=True))[1:]
    trend = conditional_power(z, 1 / 3, ahead, 0.4 * math.sqrt(45), 2)
    assert trend == pytest.approx(0.8023680867, abs=1e-6)
    assert conditional_power(z, 1 / 3, ahead, 0.7 * math.sqrt(45), 2) == pytest.approx(0.9935580677, abs=1e-6)
    # Only the final boundary (the former calculation) gives less: the look at 2/3 is a chance to cross too.
    assert conditional_power(z, 1 / 3, ahead[1:], 0.4 * math.sqrt(45), 2) < trend - 0.005


def test_four_pocock_looks_at_the_second() -> None:
    bounds = [b.z for b in spending_boundaries(QUARTERS, alpha=0.05, sides=2, shape="pocock")]
    assert bounds == pytest.approx([2.368327704, 2.367524289, 2.358167745, 2.350029536], abs=1e-6)
    z = float(stats.norm.isf(0.325988498130))
    ahead = list(zip(QUARTERS, bounds, strict=True))[2:]
    assert conditional_power(z, 0.5, ahead, 0.1 * math.sqrt(40), 2) == pytest.approx(0.0080960981202, abs=1e-7)
    assert conditional_power(z, 0.5, ahead, 0.6 * math.sqrt(40), 2) == pytest.approx(0.42819080100, abs=1e-6)


def test_the_design_drift_without_a_futility_boundary_is_rpacts() -> None:
    bounds = [b.z for b in spending_boundaries(THIRDS, alpha=0.05, sides=2, shape="obrien-fleming")]
    assert efficacy_drift(THIRDS, bounds, power=0.9, sides=2) == pytest.approx(3.260669419, abs=1e-6)
    # the plan's drift at its planned looks (0.5, 1.0), larger than the fixed design's z_0.025 + z_0.1 = 3.2415
    assert plan().design_drift() == pytest.approx(3.247050475, abs=1e-6)


def test_one_drift_serves_the_futility_boundary_and_the_conditional_power() -> None:
    from service.monitoring.futility import _raw_futility, design_drift

    with_futility = plan(futility_spending="hsd", planned_fractions=THIRDS)
    efficacy = [b.z for b in with_futility.efficacy_bounds(THIRDS)]
    meets = design_drift(THIRDS, efficacy, beta=0.1, shape="hsd", gamma=-2.0)
    assert with_futility.design_drift() == pytest.approx(meets, abs=1e-9)
    # with it, the futility boundary β spending finds at the final look is the efficacy boundary (not forced)
    raw = _raw_futility(THIRDS, efficacy, beta=0.1, shape="hsd", gamma=-2.0, drift=with_futility.design_drift())
    assert raw[-1] == pytest.approx(efficacy[-1], abs=1e-6)
    assert "the same drift as the futility boundary's" in with_futility.rule()
    assert f"{meets:.3f}" in with_futility.rule()


def test_the_report_gives_rpacts_conditional_power_over_the_looks_ahead() -> None:
    """The monitoring table at the first of three looks (10 of 30 participants), p as rpact's stage 1 above."""
    from datetime import date

    from service.monitoring.rows import monitoring_rows
    from tests.monitoring.test_plan import comparison

    thirds = plan(looks=[], planned_fractions=THIRDS, maximum_information=30)
    row = comparison(4.0, 2 * 0.0633875066704, 5, 5)
    current = next(r for r in monitoring_rows(thirds, [row], date(2020, 3, 1)) if r.status == "current")
    assert current.information_fraction == pytest.approx(1 / 3)
    assert current.conditional_power_design == pytest.approx(0.9064598817, abs=1e-6)
    z = float(stats.norm.isf(0.0633875066704))  # the trend: the drift z / √t, over the looks at 2/3 and 1
    bounds = [b.z for b in spending_boundaries(THIRDS, alpha=0.05, sides=2, shape="obrien-fleming")]
    ahead = list(zip(THIRDS, bounds, strict=True))[1:]
    assert current.conditional_power_trend == pytest.approx(conditional_power(z, 1 / 3, ahead, z * math.sqrt(3), 2))
