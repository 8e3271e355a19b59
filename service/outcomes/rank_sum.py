"""The Mann–Whitney (Wilcoxon rank-sum) test and the Hodges–Lehmann shift with its confidence interval, exact
where the groups are small enough for the permutation distribution to be counted.

Exact: the null distribution of the first group's rank sum over every way of choosing its members from the
pooled values, given the ranks actually observed (midranks where values tie), counted by dynamic programming
(Streitberg & Röhmel 1986; Hollander & Wolfe 1999, §4.1). Without ties this is the distribution R's `pwilcox`
gives; with ties it is the conditional permutation distribution (`coin::wilcox_test(distribution = "exact")`).
Beyond the threshold: the normal approximation with continuity and tie correction, as R's `wilcox.test`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

EXACT_MAX_GROUP = 50  # both groups at most this many values: the exact count takes well under a second


@dataclass(frozen=True)
class RankSumResult:
    shift: float  # Hodges–Lehmann: the median of all pairwise differences a − c
    ci_low: float
    ci_high: float
    p_value: float  # two-sided
    how: str  # the row's footnote: which p and which interval


def rank_sum_test(a: Sequence[float], c: Sequence[float], level: float = 0.95) -> RankSumResult:
    x, y = np.asarray(a, dtype=float), np.asarray(c, dtype=float)
    m, n = len(x), len(y)
    ranks = stats.rankdata(np.concatenate([x, y]))
    ties = len(np.unique(ranks)) < m + n
    exact = max(m, n) <= EXACT_MAX_GROUP
    differences = np.sort(np.subtract.outer(x, y), axis=None)
    if exact:
        scores = np.rint(2 * ranks).astype(np.int64)  # midranks doubled: whole numbers
        p = _exact_two_sided(scores, m, int(scores[:m].sum()))
        how_p = "exact permutation p given the ties" if ties else "exact p"
    else:
        p = _normal_two_sided(ranks, m, n)
        how_p = "p by the normal approximation with continuity" + (" and tie" if ties else "") + " correction"
    if exact and not ties:
        k = _exact_critical(m, n, level)
        how_ci = "exact (Moses) interval"
    else:
        k = max(math.floor(m * n / 2 - stats.norm.ppf(1 - (1 - level) / 2) * math.sqrt(m * n * (m + n + 1) / 12)), 0)
        how_ci = "interval from the normal approximation to the Mann–Whitney distribution"
    shift = float(np.median(differences))
    return RankSumResult(shift, float(differences[k]), float(differences[m * n - k - 1]), p, f"{how_p}; {how_ci}")


def _subset_sum_counts(scores: np.ndarray, m: int) -> np.ndarray:
    """counts[t] = the number of m-element subsets of `scores` whose scores add to t (as floats: C(100, 50) ≈ 1e29
    is far inside float64's range, and only ratios of the counts are used)."""
    total = int(scores.sum())
    counts = np.zeros((m + 1, total + 1))
    counts[0, 0] = 1.0
    for s in scores:  # each value in or out of the group; the right side is read before it is added in
        counts[1:, s:] += counts[:-1, : total + 1 - s].copy()
    return counts[m]


def _exact_two_sided(scores: np.ndarray, m: int, observed: int) -> float:
    """Twice the smaller tail of the exact permutation distribution at the observed score sum (R's convention)."""
    counts = _subset_sum_counts(scores, m)
    whole = counts.sum()
    lower, upper = counts[: observed + 1].sum() / whole, counts[observed:].sum() / whole
    return float(min(1.0, 2 * min(lower, upper)))


def _exact_critical(m: int, n: int, level: float) -> int:
    """The 0-based index k of Moses' interval [d(k), d(mn − k − 1)] over the sorted differences: k + 1 is R's
    `qwilcox((1 − level) / 2, m, n)`, the smallest u with P(U ≤ u) ≥ (1 − level) / 2, raised to 1 where it is 0."""
    counts = _subset_sum_counts(np.arange(1, m + n + 1, dtype=np.int64), m)[m * (m + 1) // 2 :]  # U = W − m(m+1)/2
    cumulative = np.cumsum(counts) / counts.sum()
    u = int(np.searchsorted(cumulative, (1 - level) / 2 * (1 - 1e-12)))  # a relative guard against rounding
    return max(u, 1) - 1


def _normal_two_sided(ranks: np.ndarray, m: int, n: int) -> float:
    """Mann–Whitney's normal approximation with continuity and tie correction (R's `wilcox.test(correct = TRUE)`)."""
    u = float(ranks[:m].sum()) - m * (m + 1) / 2
    _, tie_counts = np.unique(ranks, return_counts=True)
    big = m + n
    variance = m * n / 12 * (big + 1 - float((tie_counts**3 - tie_counts).sum()) / (big * (big - 1)))
    if variance <= 0:
        return 1.0
    z = u - m * n / 2
    z = (z - math.copysign(0.5, z)) / math.sqrt(variance) if z else 0.0
    return float(min(1.0, 2 * stats.norm.sf(abs(z))))
