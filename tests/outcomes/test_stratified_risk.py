"""The Mantel–Haenszel risk difference with Sato's variance, against R code written out from SAS PROC FREQ's
documented formulas (Common Risk Difference: Mantel–Haenszel estimate; Sato 1989) outside the project."""

from __future__ import annotations

import pytest

from service.errors import DataError
from service.outcomes.stratified_risk import Stratum, mantel_haenszel_difference
from tests.outcomes.test_sap_methods import _binary_trial, analyse

# In R 4.x, per stratum x1/n1 the arm's responders, x0/n0 the control's:
#   N <- n1 + n0; w <- n1 * n0 / N
#   rd <- sum(w * (x1 / n1 - x0 / n0)) / sum(w)
#   P <- (n1^2 * x0 - n0^2 * x1 + n1 * n0 * (n0 - n1) / 2) / N^2
#   Q <- (x1 * (n0 - x0) + x0 * (n1 - x1)) / (2 * N)
#   se <- sqrt((rd * sum(P) + sum(Q)) / sum(w)^2)


def test_unequal_arms_in_three_strata_against_r() -> None:
    # x1 <- c(3, 5, 2); n1 <- c(8, 10, 6); x0 <- c(1, 2, 2); n0 <- c(7, 9, 5)
    # → rd 0.1786690975387420, se 0.1379396113071770
    result = mantel_haenszel_difference([Stratum(3, 8, 1, 7), Stratum(5, 10, 2, 9), Stratum(2, 6, 2, 5)])
    assert result.difference == pytest.approx(0.1786690975387420, rel=1e-12)
    assert result.std_error == pytest.approx(0.1379396113071770, rel=1e-12)


def test_the_comparison_row_by_site_against_r() -> None:
    # x1 <- c(9, 6); n1 <- c(13, 12); x0 <- c(5, 3); n0 <- c(13, 12)
    # 100 * c(rd, se, rd - qnorm(0.975) * se, rd + qnorm(0.975) * se)
    #   → 28.00000000000000 13.33682005692396 1.86031302013762 54.13968697986239
    # 2 * pnorm(-abs(rd / se)) → 0.0357771643172373
    # The estimate by hand: weights 13·13/26 = 6.5 and 12·12/24 = 6, (6.5·4/13 + 6·3/12) / 12.5 = 0.28.
    data, _ = _binary_trial("mh-risk-difference", adjust=["SITEGR1"])
    (row,) = analyse(data)["outcome_comparison"].rows
    assert (row.estimate, row.std_error) == (pytest.approx(28.0), pytest.approx(13.33682005692396, rel=1e-12))
    assert (row.ci_low, row.ci_high) == (pytest.approx(1.86031302013762, rel=1e-9),
                                         pytest.approx(54.13968697986239, rel=1e-9))  # fmt: skip
    assert row.p_value == pytest.approx(0.0357771643172373, rel=1e-9)
    assert row.estimate_kind == "risk-difference"
    assert row.note == "2 strata by SITEGR1 (factor)"
    assert "Mantel–Haenszel risk difference" in row.method


def test_needs_a_stratification_factor() -> None:
    data, _ = _binary_trial("mh-risk-difference")
    with pytest.raises(DataError, match="mh-risk-difference needs a stratification factor"):
        analyse(data)
