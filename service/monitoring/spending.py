"""Group-sequential boundaries by Lan–DeMets alpha spending.

The boundary at each look is the z whose crossing probability under the null hypothesis, given no earlier
crossing, equals the alpha the spending function releases at that look's information fraction. The crossing
probabilities come from the density of the sequential test statistic carried from look to look by numerical
integration (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19), with SciPy's normal
distribution, Simpson's rule and Brent's root finder. Deterministic: the same looks give the same bounds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats

SPENDING_SHAPES = ("obrien-fleming", "pocock", "hsd")
# Below this z the one-sided continuation region holds no probability worth carrying.
_FLOOR = -12.0
_GRID_POINTS = 2001


@dataclass(frozen=True)
class Boundary:
    information_fraction: float
    z: float
    nominal_p: float
    alpha_spent: float  # cumulative, at this look


def alpha_spent(shape: str, alpha: float, fraction: float, gamma: float = -4.0) -> float:
    """Cumulative alpha (or beta) spent by information fraction t: Lan & DeMets (1983) O'Brien–Fleming-type
    2 − 2Φ(z_{α/2}/√t) and Pocock-type α·ln(1 + (e − 1)t); Hwang, Shih & DeCani (1990) α(1 − e^{−γt})/(1 − e^{−γ})
    (γ = 0: αt). Each spends all of α at t = 1, one- or two-sided."""
    t = min(max(fraction, 0.0), 1.0)
    if t == 0.0:
        return 0.0
    if shape == "obrien-fleming":
        return float(2.0 - 2.0 * stats.norm.cdf(stats.norm.ppf(1.0 - alpha / 2.0) / math.sqrt(t)))
    if shape == "pocock":
        return float(alpha * math.log(1.0 + (math.e - 1.0) * t))
    if shape == "hsd":
        return float(alpha * t if gamma == 0 else alpha * (1.0 - math.exp(-gamma * t)) / (1.0 - math.exp(-gamma)))
    raise ValueError(f"spending shape must be one of {SPENDING_SHAPES}")


def spending_boundaries(
    fractions: Sequence[float],
    *,
    alpha: float = 0.05,
    sides: int = 2,
    shape: str = "obrien-fleming",
    gamma: float = -4.0,
) -> list[Boundary]:
    """Efficacy boundaries at the given information fractions (strictly increasing, in (0, 1]; a last look
    past 1 spends what is left). Two-sided bounds are symmetric, ±z, with α split evenly between the sides.
    `alpha_spent` of each Boundary is the cumulative total over both sides."""
    if sides not in (1, 2):
        raise ValueError("sides must be 1 or 2")
    if not fractions or any(b <= a for a, b in itertools.pairwise(fractions)) or fractions[0] <= 0:
        raise ValueError("information fractions must be positive and strictly increasing")
    # Two-sided: each side spends f(t; α/2), as ldbounds and gsDesign do, so the total at t = 1 is α.
    spent = [sides * alpha_spent(shape, alpha / sides, t, gamma) for t in fractions]
    bounds: list[Boundary] = []
    density: tuple[np.ndarray, np.ndarray] | None = None  # grid and sub-density of Z at the previous look
    previous_t = 0.0
    previous_spent = 0.0
    for look, (t, cumulative) in enumerate(zip(fractions, spent, strict=True), start=1):
        increment = cumulative - previous_spent
        if density is None:
            z = float(stats.norm.isf(increment / sides)) if increment > 0 else math.inf
        else:
            z = _solve_bound(density, previous_t, t, increment, sides)
        bounds.append(Boundary(t, z, float(sides * stats.norm.sf(z)), cumulative))
        if look < len(fractions):  # the last look's density would serve no later look (and is a grid² kernel)
            density = _carry(density, previous_t, t, z, sides)
        previous_t, previous_spent = t, cumulative
    return bounds


def _crossing(density: tuple[np.ndarray, np.ndarray], t0: float, t1: float, z: float, sides: int) -> float:
    """P(cross at t1 beyond ±z | no crossing before), integrated over the previous look's sub-density."""
    grid, values = density
    spread = math.sqrt(t1 - t0)
    shift = grid * math.sqrt(t0)
    upper = stats.norm.sf((z * math.sqrt(t1) - shift) / spread)
    lower = stats.norm.cdf((-z * math.sqrt(t1) - shift) / spread) if sides == 2 else 0.0
    return float(integrate.simpson(values * (upper + lower), x=grid))


def _solve_bound(density: tuple[np.ndarray, np.ndarray], t0: float, t1: float, increment: float, sides: int) -> float:
    if increment <= 0:
        return math.inf
    if _crossing(density, t0, t1, 0.0, sides) <= increment:
        return 0.0
    return float(optimize.brentq(lambda z: _crossing(density, t0, t1, z, sides) - increment, 0.0, 40.0, xtol=1e-10))


def _carry(
    density: tuple[np.ndarray, np.ndarray] | None, t0: float, t1: float, bound: float, sides: int
) -> tuple[np.ndarray, np.ndarray]:
    """The sub-density of Z at t1 on the continuation region (−bound, bound), or (floor, bound) one-sided."""
    top = min(bound, -_FLOOR)
    bottom = -top if sides == 2 else _FLOOR
    grid = np.linspace(bottom, top, _GRID_POINTS)
    if density is None:
        return grid, stats.norm.pdf(grid)
    previous, values = density
    spread = math.sqrt(t1 - t0)
    kernel = stats.norm.pdf((grid[:, None] * math.sqrt(t1) - previous[None, :] * math.sqrt(t0)) / spread)
    carried = integrate.simpson(values[None, :] * kernel, x=previous, axis=1) * math.sqrt(t1) / spread
    return grid, carried
