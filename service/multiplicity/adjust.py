"""Adjusted p-values of one family of hypotheses, each method a pure function of the family's raw p-values (in
the order trial.toml lists the hypotheses) returning the adjusted ones in that order.

An adjusted p-value is the smallest family-wise level at which the procedure rejects the hypothesis (Wright 1992):
reject where it is at most α. Bonferroni, Holm and Hochberg are R's `p.adjust`; the fixed sequence and the graphical
approach are Bretz, Maurer, Brannath & Posch (2009), Statistics in Medicine 28:586–604, as gMCP computes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def adjust_bonferroni(p: Sequence[float]) -> list[float]:
    """Each p times the family's size m, at most 1 (p.adjust "bonferroni")."""
    m = len(p)
    return [min(1.0, m * value) for value in p]


def adjust_holm(p: Sequence[float]) -> list[float]:
    """Holm's step-down (p.adjust "holm"): in increasing order, the i-th smallest (i from 1) times m − i + 1, made
    non-decreasing by a running maximum, at most 1."""
    m = len(p)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(_ascending(p)):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def adjust_hochberg(p: Sequence[float]) -> list[float]:
    """Hochberg's step-up (p.adjust "hochberg"): in decreasing order, the i-th smallest times m − i + 1, made
    non-increasing by a running minimum, at most 1. Valid under independence or positive dependence (Sarkar 1998)."""
    m = len(p)
    adjusted = [0.0] * m
    running = 1.0
    for rank, index in reversed(list(enumerate(_ascending(p)))):
        running = min(running, (m - rank) * p[index])
        adjusted[index] = min(1.0, running)
    return adjusted


def adjust_fixed_sequence(p: Sequence[float]) -> list[float]:
    """The fixed-sequence (hierarchical) test in the order listed: each hypothesis is tested at the full α only once
    every one before it is rejected, so its adjusted p is the largest raw p up to and including it."""
    adjusted = []
    running = 0.0
    for value in p:
        running = max(running, value)
        adjusted.append(min(1.0, running))
    return adjusted


def adjust_graphical(
    p: Sequence[float], weights: Sequence[float], transitions: Sequence[Sequence[float]]
) -> list[float]:
    """The Bonferroni-based graphical approach (Bretz et al. 2009), by its sequential rejection: among the hypotheses
    left, the one with the smallest p / weight is rejected next, its adjusted p the largest such ratio so far; its
    weight passes on along the transitions and the graph is updated by Algorithm 1 of the paper. A hypothesis whose
    weight stays 0 is never rejected (adjusted p 1). The graph is checked where it is read (family.py)."""
    left = list(range(len(p)))
    w = {i: float(weights[i]) for i in left}
    g = {(i, j): float(transitions[i][j]) for i in left for j in left}
    adjusted = [1.0] * len(p)
    running = 0.0
    while left:
        candidates = [i for i in left if w[i] > 0]
        if not candidates:
            break
        chosen = min(candidates, key=lambda i: (p[i] / w[i], i))
        running = max(running, p[chosen] / w[chosen])
        adjusted[chosen] = min(1.0, running)
        left.remove(chosen)
        w, g = _without(chosen, left, w, g)
    return adjusted


def adjust_dunnett(p: Sequence[float], n_arm: Sequence[int], n_control: Sequence[int]) -> list[float]:
    """Dunnett's single-step many-to-one adjustment (Dunnett 1955), two-sided, on the large-sample scale: each
    comparison's z is the normal quantile of its two-sided p, and comparisons sharing the control are correlated
    ρ_jk = √(n_j n_k / ((n_j + n_0)(n_k + n_0))) (equal variances); the adjusted p is P(max_j |Z_j| ≥ z_i), the
    multivariate normal probability by Genz's algorithm with a fixed seed, so the same data give the same digits.
    With a t model's few degrees of freedom R's multcomp (a multivariate t) gives a slightly larger p."""
    share = np.sqrt(np.asarray(n_arm, float) / (np.asarray(n_arm, float) + np.asarray(n_control, float)))
    correlation = np.outer(share, share)
    np.fill_diagonal(correlation, 1.0)
    m = len(p)
    adjusted = []
    for value in p:
        bound = float(stats.norm.isf(value / 2)) if value > 0 else float("inf")
        if not np.isfinite(bound):
            adjusted.append(min(1.0, float(value)))
            continue
        inside = stats.multivariate_normal.cdf(np.full(m, bound), mean=np.zeros(m), cov=correlation,
                                               lower_limit=np.full(m, -bound), abseps=1e-9, releps=0,
                                               maxpts=1_000_000, rng=np.random.default_rng(20090101))  # fmt: skip
        adjusted.append(min(1.0, max(float(value), 1.0 - float(inside))))
    return adjusted


def _without(
    j: int, left: list[int], w: dict[int, float], g: dict[tuple[int, int], float]
) -> tuple[dict[int, float], dict[tuple[int, int], float]]:
    """Bretz et al. (2009) Algorithm 1, step 2: the graph once H_j is rejected."""
    weights = {i: w[i] + w[j] * g[j, i] for i in left}
    transitions = {}
    for i in left:
        for k in left:
            through = g[i, j] * g[j, i]
            transitions[i, k] = 0.0 if i == k or through >= 1 else (g[i, k] + g[i, j] * g[j, k]) / (1 - through)
    return weights, transitions


def _ascending(p: Sequence[float]) -> list[int]:
    return sorted(range(len(p)), key=lambda i: (p[i], i))
