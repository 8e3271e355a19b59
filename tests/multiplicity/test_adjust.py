"""Adjusted p-values by each method, against R's p.adjust and, for the graphical approach, by hand through
Algorithm 1 of Bretz, Maurer, Brannath & Posch (2009), Stat Med 28:586–604.

The p.adjust values below come from R 4.x (`apt-get install r-base-core`):

    p <- c(0.010, 0.040, 0.030, 0.005, 0.200, 0.030)
    for (m in c("bonferroni", "holm", "hochberg")) print(sprintf("%.10g", p.adjust(p, m)))
    # bonferroni: 0.06 0.24 0.18 0.03 1    0.18
    # holm:       0.05 0.12 0.12 0.03 0.2  0.12
    # hochberg:   0.05 0.08 0.08 0.03 0.2  0.08
"""

from __future__ import annotations

import pytest

from service.multiplicity.adjust import (
    adjust_bonferroni,
    adjust_dunnett,
    adjust_fixed_sequence,
    adjust_graphical,
    adjust_hochberg,
    adjust_holm,
)

P = (0.010, 0.040, 0.030, 0.005, 0.200, 0.030)  # two tied, as R orders them


@pytest.mark.parametrize(
    ("adjust", "expected"),
    [
        (adjust_bonferroni, (0.06, 0.24, 0.18, 0.03, 1.0, 0.18)),
        (adjust_holm, (0.05, 0.12, 0.12, 0.03, 0.2, 0.12)),
        (adjust_hochberg, (0.05, 0.08, 0.08, 0.03, 0.2, 0.08)),
    ],
)
def test_bonferroni_holm_and_hochberg_agree_with_r_p_adjust(adjust: object, expected: tuple[float, ...]) -> None:
    assert adjust(P) == pytest.approx(expected, abs=1e-12)  # type: ignore[operator]


def test_fixed_sequence_carries_the_largest_p_so_far_down_the_list() -> None:
    # By hand: H2 is tested only after H1 (0.01), so its p is 0.04; H3 (0.03) only after H2: max(0.04, 0.03).
    assert adjust_fixed_sequence([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.01, 0.04, 0.04, 0.2])


def test_a_later_hypothesis_of_a_fixed_sequence_is_never_below_an_earlier_unrejected_one() -> None:
    assert adjust_fixed_sequence([0.3, 0.001]) == pytest.approx([0.3, 0.3])


def test_graphical_two_primaries_each_passing_to_its_secondary_by_hand() -> None:
    # Bretz et al. (2009) Figure 6's shape: H1, H2 primary with weights 1/2; H1 → H3 and H2 → H4 fully; a rejected
    # secondary passes its weight to the other primary (H3 → H2, H4 → H1). p = (0.01, 0.005, 0.015, 0.022).
    # By hand, Algorithm 1: p/w = (0.02, 0.01, –, –): H2 first, 0.01. Its 1/2 goes to H4 (w = (1/2, ·, 0, 1/2)) and
    # H3 → H2 → H4 becomes H3 → H4 (g34 = 1). Next p/w = (0.02, ·, –, 0.044): H1 at max(0.01, 0.02) = 0.02; its 1/2
    # goes to H3 (w3 = 1/2). Next p/w = (0.03, 0.044): H3 at 0.03; its 1/2 goes to H4 (w4 = 1): H4 at max(0.03,
    # 0.022) = 0.03.
    weights = [0.5, 0.5, 0, 0]
    transitions = [[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]]
    adjusted = adjust_graphical([0.01, 0.005, 0.015, 0.022], weights, transitions)
    assert adjusted == pytest.approx([0.02, 0.01, 0.03, 0.03], abs=1e-12)


def test_graphical_with_equal_weights_passed_evenly_is_holm() -> None:
    # Bretz et al. (2009), Section 3: Holm's procedure is the graph with weights 1/m and g_ij = 1/(m − 1).
    m = len(P)
    transitions = [[0 if i == j else 1 / (m - 1) for j in range(m)] for i in range(m)]
    assert adjust_graphical(P, [1 / m] * m, transitions) == pytest.approx(adjust_holm(P), abs=1e-12)
    assert adjust_graphical(P, [1 / m] * m, transitions) == pytest.approx((0.05, 0.12, 0.12, 0.03, 0.2, 0.12))


def test_graphical_with_all_weight_on_the_first_and_a_chain_is_the_fixed_sequence() -> None:
    p = [0.01, 0.04, 0.03, 0.2]
    chain = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert adjust_graphical(p, [1, 0, 0, 0], chain) == pytest.approx(adjust_fixed_sequence(p), abs=1e-12)


def test_graphical_without_transitions_is_weighted_bonferroni() -> None:
    # No weight moves: each hypothesis at p / w (by hand: 0.01/0.8, 0.04/0.2).
    assert adjust_graphical([0.01, 0.04], [0.8, 0.2], [[0, 0], [0, 0]]) == pytest.approx([0.0125, 0.2])


def test_a_hypothesis_whose_weight_never_grows_above_zero_is_never_rejected() -> None:
    assert adjust_graphical([0.001, 0.0001], [1, 0], [[0, 0], [0, 0]]) == pytest.approx([0.001, 1.0])


def test_dunnett_agrees_with_r_mvtnorm_on_the_normal_scale() -> None:
    # Three arms of 20, 15 and 25 against a control of 20, two-sided p (0.01, 0.03, 0.2). R 4.x, mvtnorm 1.1-3:
    #   library(mvtnorm); n0 <- 20; n <- c(20, 15, 25); p <- c(0.01, 0.03, 0.2)
    #   lam <- sqrt(n / (n + n0)); R <- outer(lam, lam); diag(R) <- 1; z <- qnorm(1 - p / 2)
    #   sapply(z, function(c) 1 - pmvnorm(lower = rep(-c, 3), upper = rep(c, 3), corr = R,
    #          algorithm = GenzBretz(maxpts = 1e6, abseps = 1e-9, releps = 0)))
    #   # 0.02732902 0.07801043 0.43394178
    adjusted = adjust_dunnett([0.01, 0.03, 0.2], [20, 15, 25], [20, 20, 20])
    assert adjusted == pytest.approx([0.02732902, 0.07801043, 0.43394178], abs=1e-6)
    # Less than Bonferroni's (the comparisons share the control), more than the raw p.
    bonferroni = adjust_bonferroni([0.01, 0.03, 0.2])
    assert all(p < a < b for p, a, b in zip([0.01, 0.03, 0.2], adjusted, bonferroni, strict=True))


def test_dunnett_gives_the_same_digits_each_time() -> None:
    assert adjust_dunnett([0.02, 0.04], [30, 31], [29, 29]) == adjust_dunnett([0.02, 0.04], [30, 31], [29, 29])
