"""The Kaplan–Meier estimator with Greenwood's variance, as steps a table and a figure can both print.

Ties: at a time with events and censorings, the censored are still at risk for the events (the usual convention,
R survival's). The interval is R survival's default (conf.type = "log"): exp(log S ± z·√(Σ d/(n(n−d)))), cut at 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from service.results import KaplanMeierRow


def kaplan_meier_rows(
    times: Sequence[float],
    events: Sequence[bool],
    *,
    curve: str,
    arm: str,
    variable: str = "",
    level: float = 0.95,
) -> tuple[KaplanMeierRow, ...]:
    """A row at time 0 (everyone at risk, S = 1), then one per distinct time with an event or a censoring."""
    t = np.asarray(times, dtype=float)
    d = np.asarray(events, dtype=bool)
    if len(t) != len(d):
        raise ValueError("times and events differ in length")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and not negative")
    z = float(norm.ppf(0.5 + level / 2))
    rows = [KaplanMeierRow(curve, arm, 0.0, len(t), 0, 0, 1.0, None, None, variable)]
    survival, greenwood = 1.0, 0.0
    at_risk = len(t)
    for time in np.unique(t):
        here = t == time
        n_events = int(np.sum(d & here))
        n_censored = int(np.sum(~d & here))
        if n_events:
            survival *= 1.0 - n_events / at_risk
            greenwood = greenwood + n_events / (at_risk * (at_risk - n_events)) if at_risk > n_events else math.inf
        low, high = _log_interval(survival, greenwood, z)
        rows.append(KaplanMeierRow(curve, arm, float(time), at_risk, n_events, n_censored, survival, low, high,
                                   variable))  # fmt: skip
        at_risk -= n_events + n_censored
    return tuple(rows)


def _log_interval(survival: float, greenwood: float, z: float) -> tuple[float | None, float | None]:
    if survival <= 0.0 or not math.isfinite(greenwood):
        return None, None
    half = z * math.sqrt(greenwood)
    return survival * math.exp(-half), min(1.0, survival * math.exp(half))


def median_time(rows: Sequence[KaplanMeierRow]) -> float | None:
    """The smallest time at which the estimate is at or below one half (R survival's median); None if never."""
    for row in rows:
        if row.survival <= 0.5:
            return row.time
    return None
