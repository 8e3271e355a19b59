"""Lan–DeMets boundaries against published values, and against an independent computation of the crossing
probabilities from the multivariate normal distribution of the sequential statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from service.monitoring.spending import alpha_spent, spending_boundaries

FIVE_EQUAL = [0.2, 0.4, 0.6, 0.8, 1.0]


def test_obrien_fleming_type_five_equally_spaced_two_sided_published() -> None:
    # DeMets & Lan (1994), Stat Med 13:1341, Table I; Reboussin et al. (2000) ldbounds: α = 0.05 two-sided.
    bounds = spending_boundaries(FIVE_EQUAL, alpha=0.05, sides=2, shape="obrien-fleming")
    assert [round(b.z, 3) for b in bounds] == [4.877, 3.357, 2.680, 2.290, 2.031]


def test_pocock_type_five_equally_spaced_two_sided_published() -> None:
    # DeMets & Lan (1994), Table I, Pocock-type spending, α = 0.05 two-sided.
    bounds = spending_boundaries(FIVE_EQUAL, alpha=0.05, sides=2, shape="pocock")
    assert [round(b.z, 3) for b in bounds] == [2.438, 2.427, 2.410, 2.397, 2.386]


def test_one_sided_unequal_looks_match_an_independent_implementation() -> None:
    # SeqBounds.jl README: one-sided α = 0.05, O'Brien–Fleming type, looks at 0.25, 0.5, 0.75, 1 (its grid is
    # coarser than ours, so agreement to 1e-3).
    bounds = spending_boundaries([0.25, 0.5, 0.75, 1.0], alpha=0.05, sides=1, shape="obrien-fleming")
    assert [b.z for b in bounds] == pytest.approx([3.74955, 2.53993, 2.01604, 1.72014], abs=1e-3)
    assert bounds[0].nominal_p == pytest.approx(8.85754e-5, rel=1e-4)
    assert bounds[-1].alpha_spent == pytest.approx(0.05)


@pytest.mark.parametrize("shape", ["obrien-fleming", "pocock"])
@pytest.mark.parametrize("sides", [1, 2])
def test_cumulative_crossing_probability_equals_the_alpha_spent(shape: str, sides: int) -> None:
    """P(cross at or before look k) under H0, from the multivariate normal with corr(Z_i, Z_j) = √(t_i/t_j),
    equals the spending function at t_k."""
    fractions = [0.3, 0.55, 0.8, 1.0]
    alpha = 0.05
    bounds = spending_boundaries(fractions, alpha=alpha, sides=sides, shape=shape)
    for k in range(1, len(fractions) + 1):
        t = np.array(fractions[:k])
        cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
        z = np.array([b.z for b in bounds[:k]])
        mvn = stats.multivariate_normal(mean=np.zeros(k), cov=cov, allow_singular=False)
        lower = -z if sides == 2 else np.full(k, -np.inf)
        stay = mvn.cdf(z, lower_limit=lower, rng=np.random.default_rng(7))
        expected = sides * alpha_spent(shape, alpha / sides, fractions[k - 1])
        assert 1 - stay == pytest.approx(expected, abs=2e-5)
        assert bounds[k - 1].alpha_spent == pytest.approx(expected)


def test_spending_functions_by_hand() -> None:
    # O'Brien–Fleming type at t = 0.5, α = 0.025: 2 − 2Φ(2.241403/√0.5) = 2·Φ̄(3.169823); from the table,
    # Φ̄(3.17) = 0.00076219, plus φ(3.17)·0.000177 = 0.002637·0.000177 for the step back to 3.169823.
    assert alpha_spent("obrien-fleming", 0.025, 0.5) == pytest.approx(2 * (0.00076219 + 0.002637 * 0.000177), abs=2e-8)
    assert alpha_spent("pocock", 0.05, 0.5) == pytest.approx(0.05 * math.log(1 + (math.e - 1) / 2))
    assert alpha_spent("pocock", 0.05, 1.0) == pytest.approx(0.05)
    assert alpha_spent("obrien-fleming", 0.05, 1.3) == pytest.approx(0.05)


def test_a_single_look_is_the_fixed_sample_test() -> None:
    (bound,) = spending_boundaries([1.0], alpha=0.05, sides=2)
    assert bound.z == pytest.approx(1.959964, abs=1e-6)
    assert bound.nominal_p == pytest.approx(0.05)


@pytest.mark.parametrize("fractions", [[], [0.5, 0.5], [0.6, 0.4], [0.0, 1.0]])
def test_looks_must_increase(fractions: list[float]) -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        spending_boundaries(fractions)
