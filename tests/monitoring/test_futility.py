"""The non-binding β-spending futility boundary against gsDesign's published default design, by hand at the first
look, and against a simulation of the sequential statistics; and how the plan and the report use it."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from scipy import stats

from service.monitoring.futility import design_drift, futility_boundaries
from service.monitoring.rows import monitoring_rows
from service.monitoring.spending import alpha_spent, spending_boundaries
from service.reports.decision import monitoring_sentence
from tests.monitoring.test_plan import comparison, plan

THIRDS = [1 / 3, 2 / 3, 1.0]


def gsdesign_default() -> tuple[list[float], float, list[float]]:
    efficacy = [b.z for b in spending_boundaries(THIRDS, alpha=0.025, sides=1, shape="hsd", gamma=-4)]
    drift = design_drift(THIRDS, efficacy, beta=0.1, shape="hsd", gamma=-2)
    return efficacy, drift, futility_boundaries(THIRDS, efficacy, beta=0.1, shape="hsd", gamma=-2, drift=drift)


def test_gsdesign_default_design_published() -> None:
    # gsDesign() with its defaults (k = 3, test.type = 4, α = 0.025, β = 0.1, HSD γ = −4 up, γ = −2 down), as
    # printed in Anderson, "gsDesign technical manual", ch. 4: upper 3.01 2.55 2.00, lower −0.24 0.94 2.00,
    # sample size ratio 0.357 0.713 1.070 (θ = 3.2415 for the fixed design, z_0.025 + z_0.1).
    efficacy, drift, futility = gsdesign_default()
    assert [round(z, 2) for z in efficacy] == [3.01, 2.55, 2.00]
    assert [round(z, 2) for z in futility] == [-0.24, 0.94, 2.00]
    fixed = stats.norm.isf(0.025) + stats.norm.isf(0.1)
    assert round(fixed, 4) == 3.2415
    assert [round((drift / fixed) ** 2 * t, 3) for t in THIRDS] == [0.357, 0.713, 1.070]


def test_first_look_futility_by_hand() -> None:
    # At the first look Z ~ N(θ√t, 1), so a₁ = θ√t + Φ⁻¹(β(t₁)); HSD β(t) = β(1 − e^{−γt})/(1 − e^{−γ}).
    _, drift, futility = gsdesign_default()
    spent = 0.1 * (1 - math.exp(2 / 3)) / (1 - math.exp(2))
    assert spent == pytest.approx(alpha_spent("hsd", 0.1, 1 / 3, -2))
    assert futility[0] == pytest.approx(drift * math.sqrt(1 / 3) + stats.norm.ppf(spent), abs=1e-9)


def test_beta_spent_under_the_alternative_by_simulation() -> None:
    """Simulated B-value paths with the design's drift: the share stopping for futility at each look matches the
    β each look spends, and power is 1 − β."""
    efficacy, drift, futility = gsdesign_default()
    rng = np.random.default_rng(11)
    steps = np.diff([0.0, *THIRDS])
    increments = rng.normal(drift * steps, np.sqrt(steps), size=(400_000, 3))
    z = np.cumsum(increments, axis=1) / np.sqrt(THIRDS)
    alive = np.ones(len(z), dtype=bool)
    stopped = []
    for k in range(3):
        low = alive & (z[:, k] < futility[k])
        stopped.append(low.mean())
        alive &= (z[:, k] >= futility[k]) & (z[:, k] < efficacy[k])
    expected = np.diff([0.0, *(alpha_spent("hsd", 0.1, t, -2) for t in THIRDS)])
    assert stopped == pytest.approx(list(expected), abs=2e-3)


def test_the_plan_draws_the_futility_boundary_and_reads_the_current_look_against_it() -> None:
    # A snapshot at the first declared look (10 of 20) with p = 0.8, estimate favouring the experimental arm:
    # z = 0.2533, below this design's futility boundary at t = 0.5.
    monitored = plan(looks=[], futility_spending="hsd", futility_gamma=-2, power=0.9)
    rows = monitoring_rows(monitored, [comparison(0.1, 0.8, 5, 5)], date(2020, 3, 1))
    current = rows[0]
    efficacy = [b.z for b in spending_boundaries([0.5, 1.0], alpha=0.05, sides=2)]
    drift = design_drift([0.5, 1.0], efficacy, beta=0.1, shape="hsd", gamma=-2)
    assert current.futility_z == pytest.approx(drift * math.sqrt(0.5) + stats.norm.ppf(alpha_spent("hsd", 0.1, 0.5,
                                                                                                 -2)))  # fmt: skip
    assert current.futility_z > current.observed_z == pytest.approx(stats.norm.isf(0.4))
    assert current.crossed == "futility"
    assert rows[-1].futility_z == rows[-1].boundary_z  # the final look: cross or not
    sentence = monitoring_sentence(rows)
    assert sentence is not None and "does not cross the efficacy boundary" in sentence
    assert f"is at or below the non-binding futility boundary of {current.futility_z:.2f}" in sentence


def test_without_a_futility_spending_there_is_no_futility_boundary() -> None:
    rows = monitoring_rows(plan(looks=[]), [comparison(0.1, 0.8, 5, 5)], date(2020, 3, 1))
    assert all(r.futility_z is None for r in rows) and rows[0].crossed == "no"


def test_an_unknown_futility_spending_is_refused() -> None:
    from service.errors import DataError

    with pytest.raises(DataError, match="futility_spending 'gamma' is not one of"):
        plan(futility_spending="gamma")
