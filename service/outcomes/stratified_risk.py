"""The Mantel–Haenszel risk difference over strata, with Sato's (1989) variance: the estimator SAS PROC FREQ's
`RISKDIFF(CL=MH)` and R's `cardx::ci_prop_diff_mh_strata` give (Greenland & Robins 1985, Sato 1989)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stratum:
    events_arm: int
    n_arm: int
    events_control: int
    n_control: int


@dataclass(frozen=True)
class StratifiedDifference:
    difference: float  # a proportion (0 to 1): arm − control
    std_error: float  # Sato's; 0 where the tables hold no variation


def mantel_haenszel_difference(strata: Sequence[Stratum]) -> StratifiedDifference:
    """Strata without both arms carry no weight and are left out by the caller."""
    weights = p_sum = q_sum = weighted = 0.0
    for s in strata:
        total = s.n_arm + s.n_control
        weight = s.n_arm * s.n_control / total
        weights += weight
        weighted += weight * (s.events_arm / s.n_arm - s.events_control / s.n_control)
        # Sato (1989), eq. for Var(RD_MH): P_k and Q_k
        p_sum += (s.n_arm**2 * s.events_control - s.n_control**2 * s.events_arm
                  + s.n_arm * s.n_control * (s.n_control - s.n_arm) / 2) / total**2  # fmt: skip
        q_sum += (s.events_arm * (s.n_control - s.events_control)
                  + s.events_control * (s.n_arm - s.events_arm)) / (2 * total)  # fmt: skip
    difference = weighted / weights
    variance = (difference * p_sum + q_sum) / weights**2
    return StratifiedDifference(difference, math.sqrt(max(variance, 0.0)))
