"""The Kaplan–Meier steps against a hand computation."""

from __future__ import annotations

import math

import pytest

from service.safety.kaplan_meier import kaplan_meier_rows, median_time

# Times 1, 2+, 3, 3, 4+, 5 (+ censored). By hand:
#   t=1: n=6, d=1 -> S = 5/6;         Greenwood sum 1/(6·5)
#   t=2: n=5, censored 1
#   t=3: n=4, d=2 -> S = 5/6 · 2/4 = 5/12; sum += 2/(4·2)
#   t=4: n=2, censored 1
#   t=5: n=1, d=1 -> S = 0
# The log interval by hand: t=1: 5/6 · exp(-1.959964 · sqrt(1/30)) = 0.5826; t=3: 5/12 · exp(-1.959964 ·
# sqrt(1/30 + 1/4)) = 0.1468; both upper limits above 1, so cut at 1.
TIMES = [1, 2, 3, 3, 4, 5]
EVENTS = [True, False, True, True, False, True]


def test_steps_match_the_hand_computation() -> None:
    rows = kaplan_meier_rows(TIMES, EVENTS, curve="Any reason", arm="A")
    assert [(r.time, r.n_at_risk, r.n_events, r.n_censored) for r in rows] == [
        (0.0, 6, 0, 0), (1.0, 6, 1, 0), (2.0, 5, 0, 1), (3.0, 4, 2, 0), (4.0, 2, 0, 1), (5.0, 1, 1, 0),
    ]  # fmt: skip
    assert [r.survival for r in rows] == pytest.approx([1, 5 / 6, 5 / 6, 5 / 12, 5 / 12, 0])
    greenwood = 1 / 30 + 2 / 8
    assert rows[3].survival_low == pytest.approx(5 / 12 * math.exp(-1.959964 * math.sqrt(greenwood)), rel=1e-6)
    assert rows[1].survival_low == pytest.approx(0.5826, abs=1e-4)
    assert rows[3].survival_low == pytest.approx(0.1468, abs=5e-5)
    assert rows[3].survival_high == 1.0
    assert rows[-1].survival_low is None
    assert median_time(rows) == 3.0


def test_no_event_keeps_one_and_has_no_median() -> None:
    rows = kaplan_meier_rows([2, 5], [False, False], curve="x", arm="A")
    assert [r.survival for r in rows] == [1.0, 1.0, 1.0]
    assert median_time(rows) is None
