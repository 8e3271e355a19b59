"""Non-binding futility boundaries by beta spending (gsDesign's test.type = 4).

The efficacy boundaries come from alpha spending under the null hypothesis, ignoring the futility boundary (so
that a DMC may continue past it without inflating α: non-binding). The futility boundary a_k at look k is the z
below which the trial would stop for futility with probability β(t_k) − β(t_{k−1}) under the alternative, given
it continued past every earlier look (between a_j and b_j). Under the alternative the B-value B(t) = Z(t)√t is a
Brownian motion with drift θ, θ being the expected final z; θ is found so that the final futility boundary meets
the final efficacy boundary (the trial's power is then 1 − β). Sub-densities are carried from look to look by
numerical integration (Jennison & Turnbull 2000, ch. 19), as in `spending`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import integrate, optimize, stats

from service.monitoring.spending import alpha_spent

_GRID_POINTS = 501  # Simpson, ~0.03 apart: the same boundaries as 2001 points to 1e-9 on gsDesign's default design
_FLOOR = -12.0


def futility_boundaries(
    fractions: Sequence[float], efficacy_z: Sequence[float], *, beta: float, shape: str, gamma: float, drift: float
) -> list[float]:
    """The futility z at each look: information `fractions`, one-sided efficacy boundaries `efficacy_z`, total
    β spent by the `shape` function, and the final expected z `drift`. The last look's futility boundary is its
    efficacy boundary: at the final analysis the trial either crosses or it does not."""
    bounds = _raw_futility(fractions, efficacy_z, beta=beta, shape=shape, gamma=gamma, drift=drift)
    return [*bounds[:-1], efficacy_z[-1]]


def design_drift(
    fractions: Sequence[float], efficacy_z: Sequence[float], *, beta: float, shape: str, gamma: float
) -> float:
    """The drift θ (expected final z) for which the beta-spending futility boundary meets the efficacy boundary
    at the final look: the group-sequential design's effect, larger than the fixed design's z_α + z_β."""

    def gap(theta: float) -> float:
        bounds = _raw_futility(fractions, efficacy_z, beta=beta, shape=shape, gamma=gamma, drift=theta)
        return bounds[-1] - efficacy_z[-1]

    return float(optimize.brentq(gap, 0.0, 20.0, xtol=1e-9))


def _raw_futility(
    fractions: Sequence[float], efficacy_z: Sequence[float], *, beta: float, shape: str, gamma: float, drift: float
) -> list[float]:
    found: list[float] = []
    density: tuple[np.ndarray, np.ndarray] | None = None
    previous_t = 0.0
    previous_spent = 0.0
    for look, (t, upper) in enumerate(zip(fractions, efficacy_z, strict=True), start=1):
        spent = alpha_spent(shape, beta, t, gamma)
        increment = spent - previous_spent
        last = look == len(fractions)
        if density is None:
            lower = drift * math.sqrt(t) + float(stats.norm.ppf(increment)) if increment > 0 else -math.inf
        else:
            lower = _solve(density, previous_t, t, increment, drift, upper, unbounded=last)
        if not last:
            lower = min(lower, upper)
        found.append(lower)
        if not last:
            density = _carry(density, previous_t, t, max(lower, _FLOOR), min(upper, -_FLOOR), drift)
        previous_t, previous_spent = t, spent
    return found


def _below(density: tuple[np.ndarray, np.ndarray], t0: float, t1: float, z: float, drift: float) -> float:
    """P(Z at t1 < z, having continued at t0), with drift."""
    grid, values = density
    spread = math.sqrt(t1 - t0)
    centre = grid * math.sqrt(t0) + drift * (t1 - t0)
    return float(integrate.simpson(values * stats.norm.cdf((z * math.sqrt(t1) - centre) / spread), x=grid))


def _solve(
    density: tuple[np.ndarray, np.ndarray],
    t0: float,
    t1: float,
    increment: float,
    drift: float,
    upper: float,
    unbounded: bool,
) -> float:
    if increment <= 0:
        return -math.inf
    top = 40.0 if unbounded else upper
    if _below(density, t0, t1, top, drift) <= increment:
        return top
    return float(optimize.brentq(lambda z: _below(density, t0, t1, z, drift) - increment, -40.0, top, xtol=1e-10))


def _carry(
    density: tuple[np.ndarray, np.ndarray] | None, t0: float, t1: float, lower: float, upper: float, drift: float
) -> tuple[np.ndarray, np.ndarray]:
    """The sub-density of Z at t1 on the continuation region (lower, upper), under drift."""
    grid = np.linspace(lower, upper, _GRID_POINTS)
    if density is None:
        return grid, stats.norm.pdf(grid - drift * math.sqrt(t1))
    previous, values = density
    spread = math.sqrt(t1 - t0)
    centre = previous[None, :] * math.sqrt(t0) + drift * (t1 - t0)
    kernel = stats.norm.pdf((grid[:, None] * math.sqrt(t1) - centre) / spread)
    carried = integrate.simpson(values[None, :] * kernel, x=previous, axis=1) * math.sqrt(t1) / spread
    return grid, carried
