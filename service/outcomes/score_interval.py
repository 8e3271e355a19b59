"""The Miettinen–Nurminen (1985) score test and interval for a difference of two independent proportions.

Written out rather than taken from statsmodels: statsmodels 0.15's `confint_proportions_2indep(method="score")`
fails to bracket its root for ordinary tables (15/25 against 8/25), and its score statistic away from a zero
difference does not use the restricted maximum-likelihood estimate the method is defined by. The restricted MLE
here is the closed-form root of Farrington & Manning's (1990) cubic; the variance carries MN's N / (N − 1).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

EDGE = 1e-10


def restricted_p1(x1: int, n1: int, x2: int, n2: int, delta: float) -> float:
    """The maximum-likelihood p1 given p1 − p2 = delta (Farrington & Manning 1990, eq. 5: a cubic in p1)."""
    theta = n2 / n1
    p1_hat, p2_hat = x1 / n1, x2 / n2
    a = 1 + theta
    b = -(1 + theta + p1_hat + theta * p2_hat + delta * (theta + 2))
    c = delta**2 + delta * (2 * p1_hat + theta + 1) + p1_hat + theta * p2_hat
    d = -p1_hat * delta * (1 + delta)
    low, high = max(0.0, delta), min(1.0, 1 + delta)
    roots = [min(max(r.real, low), high) for r in np.roots([a, b, c, d])
             if abs(r.imag) < 1e-9 and low - 1e-12 <= r.real <= high + 1e-12]  # fmt: skip
    if not roots:
        return (low + high) / 2
    return max(roots, key=lambda p1: _log_likelihood(x1, n1, x2, n2, p1, p1 - delta))


def _log_likelihood(x1: int, n1: int, x2: int, n2: int, p1: float, p2: float) -> float:
    total = 0.0
    for events, n, p in ((x1, n1, p1), (x2, n2, p2)):
        for count, probability in ((events, p), (n - events, 1 - p)):
            if count:
                total += count * math.log(probability) if probability > 0 else -math.inf
    return total


def score(x1: int, n1: int, x2: int, n2: int, delta: float) -> float:
    p1 = restricted_p1(x1, n1, x2, n2, delta)
    p2 = p1 - delta
    total = n1 + n2
    variance = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * total / (total - 1)
    difference = x1 / n1 - x2 / n2 - delta
    if variance <= 0:
        return math.copysign(math.inf, difference) if difference else 0.0
    return difference / math.sqrt(variance)


def interval(x1: int, n1: int, x2: int, n2: int, level: float) -> tuple[float, float]:
    """Every difference the two-sided score test at 1 − level does not reject (the limits as proportions)."""
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    observed = x1 / n1 - x2 / n2
    low_end, high_end = -1 + EDGE, 1 - EDGE
    low = -1.0 if score(x1, n1, x2, n2, low_end) <= z else optimize.brentq(
        lambda d: score(x1, n1, x2, n2, d) - z, low_end, observed, xtol=1e-12)  # fmt: skip
    high = 1.0 if score(x1, n1, x2, n2, high_end) >= -z else optimize.brentq(
        lambda d: score(x1, n1, x2, n2, d) + z, observed, high_end, xtol=1e-12)  # fmt: skip
    return low, high


def p_value(x1: int, n1: int, x2: int, n2: int, delta: float = 0.0, alternative: str = "two-sided") -> float:
    """The score test of p1 − p2 = delta: two-sided, or 'larger' (H1: above delta) / 'smaller'."""
    statistic = score(x1, n1, x2, n2, delta)
    if alternative == "larger":
        return float(stats.norm.sf(statistic))
    if alternative == "smaller":
        return float(stats.norm.cdf(statistic))
    return float(min(1.0, 2 * stats.norm.sf(abs(statistic))))
