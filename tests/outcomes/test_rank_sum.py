"""The Mann–Whitney test and Hodges–Lehmann interval: exact against R's `wilcox.test` and against enumeration,
the normal approximation beyond the threshold against R, and the row's footnote saying which was used."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from scipy import stats

from service.outcomes.rank_sum import EXACT_MAX_GROUP, rank_sum_test
from tests.outcomes.test_compare import comparison

# 12 against 15 values, no ties. In R 4.x:
#   x <- c(1.83,0.50,1.62,2.48,1.68,1.88,1.55,3.06,1.30,2.71,0.95,2.12)
#   y <- c(0.878,0.647,0.598,2.05,1.06,1.29,1.11,3.14,1.27,0.74,2.41,0.32,1.17,2.65,1.39)
#   r <- wilcox.test(x, y, exact = TRUE, conf.int = TRUE)
#   r$p.value          # 0.102800298667845
#   r$estimate         # 0.525
#   r$conf.int         # -0.170  1.082
#   wilcox.test(x, y, exact = TRUE, conf.int = TRUE, conf.level = 0.9)$conf.int   # -0.080  1.002
#   wilcox.test(x, y, exact = FALSE, correct = TRUE)$p.value                       # 0.102126084732037
X12 = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30, 2.71, 0.95, 2.12]
Y15 = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.11, 3.14, 1.27, 0.74, 2.41, 0.32, 1.17, 2.65, 1.39]


def test_exact_p_and_moses_interval_against_r_without_ties() -> None:
    result = rank_sum_test(X12, Y15, 0.95)
    # the normal approximation (0.102126) would not pass at this tolerance
    assert result.p_value == pytest.approx(0.102800298667845, rel=1e-9)
    assert (result.shift, result.ci_low, result.ci_high) == (
        pytest.approx(0.525),
        pytest.approx(-0.170),
        pytest.approx(1.082),
    )
    assert result.how == "exact p; exact (Moses) interval"
    ninety = rank_sum_test(X12, Y15, 0.90)
    assert (ninety.ci_low, ninety.ci_high) == (pytest.approx(-0.080), pytest.approx(1.002))


def test_exact_permutation_p_with_ties_by_enumeration() -> None:
    x, y = [1.0, 2.0, 2.0, 3.0, 5.0], [2.0, 3.0, 3.0, 4.0, 6.0, 7.0, 7.0]
    ranks = stats.rankdata(x + y)
    observed = ranks[: len(x)].sum()
    sums = [ranks[list(chosen)].sum() for chosen in itertools.combinations(range(len(ranks)), len(x))]
    lower = sum(s <= observed + 1e-9 for s in sums) / len(sums)
    upper = sum(s >= observed - 1e-9 for s in sums) / len(sums)
    result = rank_sum_test(x, y)
    assert result.p_value == pytest.approx(min(1.0, 2 * min(lower, upper)), rel=1e-12)
    assert result.how.startswith("exact permutation p given the ties;")
    assert "normal approximation" in result.how  # no exact interval is claimed where values tie


def test_beyond_the_threshold_the_normal_approximation_as_r_gives_it() -> None:
    # 51 against 52 values with ties. In R 4.x:
    #   x <- (0:50) %% 7; y <- ((0:51) * 3) %% 8 + 0.5
    #   wilcox.test(x, y, exact = FALSE, correct = TRUE)$p.value    # 0.025235774702051
    x = [float(i % 7) for i in range(51)]
    y = [(i * 3) % 8 + 0.5 for i in range(52)]
    assert len(x) > EXACT_MAX_GROUP
    result = rank_sum_test(x, y)
    assert result.p_value == pytest.approx(0.025235774702051, rel=1e-9)
    assert result.how.startswith("p by the normal approximation with continuity and tie correction;")


def test_the_threshold_is_honest_about_time() -> None:
    rng = np.random.default_rng(28)
    a, b = rng.normal(size=EXACT_MAX_GROUP), rng.normal(size=EXACT_MAX_GROUP)
    started = time.perf_counter()
    result = rank_sum_test(a, b)
    assert time.perf_counter() - started < 1.0
    assert result.how == "exact p; exact (Moses) interval"
    # without ties the exact distribution is SciPy's as well
    assert result.p_value == pytest.approx(stats.mannwhitneyu(a, b, method="exact").pvalue, rel=1e-9)


def test_the_comparison_row_says_which_p_and_interval() -> None:
    row = comparison(method="mann-whitney", timepoint="Week 4")
    assert row.note == "exact p; exact (Moses) interval"
    assert f"exact when both arms have at most {EXACT_MAX_GROUP} values" in row.method
