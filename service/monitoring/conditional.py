"""Conditional power over the looks still to come, and the drift of the design's effect.

Under a drift θ (the expected final z) the B-value B(t) = Z(t)√t is a Brownian motion with drift θ (Lan & Wittes
1988; Proschan, Lan & Wittes 2006, ch. 3). Given B at this look, the chance of crossing an efficacy boundary at one
of the looks ahead is carried look by look by numerical integration of B's sub-density on the continuation region
(Jennison & Turnbull 2000, ch. 19), as rpact's `getConditionalPower` does for a group-sequential design
(its `.getGroupSequentialProbabilities` over the shifted decision regions): two-sided, crossing the lower boundary
first stops the trial and counts as no success (rpact's `twoSidedPower = FALSE`). A non-binding futility boundary
is not a stopping rule and is left out (rpact's default design has none).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import integrate, optimize, stats

_GRID_POINTS = 1001
_SPREAD = 10.0  # standard deviations of B either side of its mean past which no probability is carried


def conditional_power(
    z: float, fraction: float, ahead: Sequence[tuple[float, float]], drift: float, sides: int
) -> float:
    """The chance of crossing an efficacy boundary at one of the looks `ahead` ((information fraction, boundary
    z), increasing) given `z` at information `fraction`, when the expected final z is `drift`. z = 0 at
    fraction 0 gives the design's power."""
    looks = [(t, c) for t, c in ahead if t > fraction]
    if not looks:
        return 0.0
    start = z * math.sqrt(fraction)
    crossed = 0.0
    density: tuple[np.ndarray, np.ndarray] | None = None
    previous = fraction
    for number, (t, c) in enumerate(looks, start=1):
        step = t - previous
        upper = c * math.sqrt(t)
        lower = -upper if sides == 2 else -math.inf
        crossed += _beyond(density, start, previous, step, drift, upper)
        if number < len(looks):
            density = _carry(density, start, fraction, previous, t, drift, lower, upper)
        previous = t
    return float(min(max(crossed, 0.0), 1.0))


def efficacy_drift(fractions: Sequence[float], efficacy_z: Sequence[float], *, power: float, sides: int) -> float:
    """The drift for which the efficacy boundaries alone (no futility boundary) give the design's power: rpact's
    `sqrt(getDesignCharacteristics(design)$shift)`, larger than the fixed design's z_α + z_β."""
    ahead = list(zip(fractions, efficacy_z, strict=True))
    return float(optimize.brentq(lambda theta: conditional_power(0.0, 0.0, ahead, theta, sides) - power, 0.0, 20.0,
                                 xtol=1e-10))  # fmt: skip


def _beyond(
    density: tuple[np.ndarray, np.ndarray] | None, start: float, t0: float, step: float, drift: float, upper: float
) -> float:
    """P(B at the next look ≥ `upper`, having continued at t0)."""
    spread = math.sqrt(step)
    if density is None:
        return float(stats.norm.sf((upper - start - drift * step) / spread))
    grid, values = density
    return float(integrate.simpson(values * stats.norm.sf((upper - grid - drift * step) / spread), x=grid))


def _carry(
    density: tuple[np.ndarray, np.ndarray] | None,
    start: float,
    origin: float,
    t0: float,
    t1: float,
    drift: float,
    lower: float,
    upper: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The sub-density of B at t1 on the continuation region (lower, upper)."""
    centre = start + drift * (t1 - origin)
    reach = _SPREAD * math.sqrt(t1 - origin)
    bottom, top = max(lower, centre - reach), min(upper, centre + reach)
    if top <= bottom:
        top = bottom + 1e-9  # the continuation region holds no probability worth carrying
    grid = np.linspace(bottom, top, _GRID_POINTS)
    spread = math.sqrt(t1 - t0)
    if density is None:
        return grid, stats.norm.pdf(grid, loc=start + drift * (t1 - t0), scale=spread)
    previous, values = density
    kernel = stats.norm.pdf((grid[:, None] - previous[None, :] - drift * (t1 - t0)) / spread) / spread
    return grid, integrate.simpson(values[None, :] * kernel, x=previous, axis=1)
