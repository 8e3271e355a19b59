"""From an estimate and its standard error to the CI and p a SAP's test asks for.

Superiority: two-sided (or one-sided in the better direction) against no difference. Non-inferiority: one-sided
against the margin on the worse side. Equivalence: two one-sided tests (TOST), p the larger of the two. A ratio
(odds, hazard, rate) is tested on the log scale, its margin a ratio (1.25 means 1/1.25 to 1.25).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from service.outcomes.definition import OutcomeSpec


@dataclass(frozen=True)
class Inference:
    estimate: float
    std_error: float | None  # on the estimate's own scale for a difference; of the log for a ratio
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


def infer(estimate: float, se: float, spec: OutcomeSpec, *, df: float | None = None, ratio: bool = False) -> Inference:
    """`estimate` and `se` on the analysis scale (the log for a ratio); `df` None for a normal (Wald z) test."""
    dist = stats.norm if df is None or not math.isfinite(df) else stats.t(df)
    better = 1.0 if spec.direction == "higher" else -1.0
    if not (math.isfinite(estimate) and math.isfinite(se)) or se <= 0:
        return _scaled(estimate, None, None, None, None, ratio)
    level = spec.ci_level
    if spec.sides == 2:
        half = float(dist.ppf(1 - (1 - level) / 2)) * se
        low, high = estimate - half, estimate + half
    else:
        one = float(dist.ppf(level)) * se
        low, high = (estimate - one, math.inf) if better > 0 else (-math.inf, estimate + one)
    margin = spec.margin
    if margin is not None and ratio:
        margin = math.log(margin)
    if spec.test == "superiority":
        z = estimate / se
        p = 2 * float(dist.sf(abs(z))) if spec.sides == 2 else float(dist.sf(better * z))
    elif spec.test == "non-inferiority":
        assert margin is not None
        p = float(dist.sf(better * (estimate + better * margin) / se))
    else:
        assert margin is not None
        p = max(float(dist.sf((estimate + margin) / se)), float(dist.cdf((estimate - margin) / se)))
    return _scaled(estimate, se, low, high, min(p, 1.0), ratio)


def _scaled(
    estimate: float, se: float | None, low: float | None, high: float | None, p: float | None, ratio: bool
) -> Inference:
    if not ratio:
        return Inference(estimate, se, _finite(low), _finite(high), p)
    return Inference(math.exp(estimate), se, exp_or_none(low), exp_or_none(high), p)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def exp_or_none(value: float | None) -> float | None:
    """e to the value, or None where there is none or it is not finite (or would overflow)."""
    return math.exp(value) if value is not None and math.isfinite(value) and value < 700 else None


def test_description(spec: OutcomeSpec, *, ratio: bool = False) -> str:
    """The footnote's words for the test and interval."""
    level = f"{100 * spec.ci_level:g}%"
    sides = "two-sided" if spec.sides == 2 else "one-sided"
    if spec.test == "superiority":
        return f"{level} {sides} confidence interval; {sides} p-value against no difference"
    bound = f"{spec.margin:g}"
    if spec.test == "non-inferiority":
        where = ("a ratio of " + (f"1/{bound}" if spec.direction == "higher" else bound)) if ratio else (
            f"a difference of {'-' if spec.direction == 'higher' else ''}{bound}"
        )  # fmt: skip
        return f"{level} {sides} confidence interval; one-sided p-value for non-inferiority against {where}"
    where = f"1/{bound} to {bound}" if ratio else f"-{bound} to {bound}"
    return f"{level} {sides} confidence interval; equivalence by two one-sided tests against {where}"
