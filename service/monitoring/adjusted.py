"""The final p-value, median-unbiased estimate and confidence interval of a group-sequential trial that stops, by the
stagewise ordering (Armitage 1957; Tsiatis, Rosner & Mehta 1984; Jennison & Turnbull 2000, ch. 8), as rpact's
`getFinalPValue` and `getFinalConfidenceInterval` for a group-sequential design.

Stopping at look k with z_k, an outcome is at least as extreme as the observed one when it crossed the upper
efficacy boundary at an earlier look, or reached look k and gave a z of at least z_k. Its probability when the
expected z at look k is μ (so at look j, μ√(t_j/t_k)) is the p-value at μ = 0; the μ at which it is 1/2 is the
median-unbiased estimate; those at which it is α/s and 1 − α/s bound the interval. As rpact does, the lower
boundary and a non-binding futility boundary are not stops in this ordering, a two-sided p is twice the smaller
of the two directions', and at the first look the p, the estimate and the interval are the fixed design's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import optimize, stats

from service.monitoring.conditional import conditional_power

_REACH = 8.0  # μ is sought within ±8, rpact's range


@dataclass(frozen=True)
class Adjusted:
    p_value: float
    median_unbiased: float  # in z units at the stopping look: × the estimate's SE gives the effect
    low: float
    high: float


def stagewise_adjusted(
    fractions: Sequence[float], upper: Sequence[float], z: float, *, alpha: float, sides: int
) -> Adjusted:
    """At the last of the looks `fractions` (its z `z`), the earlier looks' upper efficacy boundaries `upper`."""
    if len(upper) != len(fractions) - 1:
        raise ValueError("one upper boundary for each look before the last")
    level = alpha / sides
    if len(fractions) == 1:
        one_sided = float(stats.norm.sf(z))
        p = one_sided if sides == 1 else 2 * min(one_sided, 1 - one_sided)
        half = float(stats.norm.isf(level))
        return Adjusted(p, z, z - half, z + half)

    def beyond(mu: float, value: float) -> float:
        looks = [*zip(fractions[:-1], upper, strict=True), (fractions[-1], value)]
        return conditional_power(0.0, 0.0, looks, mu / math.sqrt(fractions[-1]), 1)

    p = beyond(0.0, z)
    if sides == 2:
        p = 2 * min(p, beyond(0.0, -z))

    def root(target: float) -> float:
        return float(optimize.brentq(lambda mu: beyond(mu, z) - target, -_REACH, _REACH, xtol=1e-10))

    return Adjusted(min(p, 1.0), root(0.5), root(level), root(1 - level))
