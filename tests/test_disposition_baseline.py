"""Participant flow and baseline characteristics, against hand counts from tests/analysis_fixture.py."""

from __future__ import annotations

import pytest

from service.analysis import build_analysis
from tests.analysis_fixture import hand_trial


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return build_analysis(hand_trial()).tables


FLOW = [
    ("milestone", "Screened", "Total", 11),
    ("milestone", "Screen failure", "Total", 1),
    ("milestone", "Randomized", "Drug", 5),
    ("milestone", "Treated", "Drug", 4),  # A5 never treated
    ("milestone", "Completed", "Drug", 3),
    ("milestone", "Discontinued", "Drug", 2),
    ("milestone", "Ongoing", "Placebo", 1),
    ("milestone", "Randomized", "Total", 10),
    ("reason", "Adverse event", "Drug", 1),
    ("reason", "Adverse event", "Total", 2),
    ("reason", "Withdrawal by subject", "Drug", 1),
    ("reason", "Death", "Low dose", 1),
]


@pytest.mark.parametrize(("kind", "category", "arm", "n"), FLOW)
def test_disposition(tables, kind, category, arm, n) -> None:  # type: ignore[no-untyped-def]
    assert next(r.n for r in tables["disposition"].rows if (r.kind, r.category, r.arm) == (kind, category, arm)) == n


def test_reasons_sum_to_the_discontinued(tables) -> None:  # type: ignore[no-untyped-def]
    rows = tables["disposition"].rows
    for arm in ("Drug", "Low dose", "Placebo", "Total"):
        discontinued = next(r.n for r in rows if (r.category, r.arm) == ("Discontinued", arm))
        assert sum(r.n for r in rows if r.kind == "reason" and r.arm == arm) == discontinued


def test_age_summary_worked_by_hand(tables) -> None:  # type: ignore[no-untyped-def]
    # Drug (all 5 randomized): 18, 20, 30, 40, 70. Mean 35.6; squared deviations sum to 1787.2, SD sqrt(446.8).
    age = next(r for r in tables["baseline"].rows if (r.characteristic, r.arm) == ("Age", "Drug"))
    assert (age.n, age.mean, age.sd) == (5, pytest.approx(35.6), pytest.approx(21.137644))
    assert (age.median, age.q1, age.q3, age.minimum, age.maximum) == (30, 20, 40, 18, 70)


@pytest.mark.parametrize(
    ("characteristic", "category", "arm", "n", "pct"),
    [
        ("Age, categorical", "<=18 years", "Drug", 1, 20.0),
        ("Age, categorical", "Between 18 and 65 years", "Drug", 3, 60.0),
        ("Age, categorical", ">=65 years", "Drug", 1, 20.0),
        ("Sex", "Female", "Drug", 3, 60.0),
        ("Sex", "Male", "Total", 4, 40.0),  # A2, A4, Z2, P2 of 10 randomized
    ],
)
def test_categorical_baseline(tables, characteristic, category, arm, n, pct) -> None:  # type: ignore[no-untyped-def]
    r = next(
        r for r in tables["baseline"].rows if (r.characteristic, r.category, r.arm) == (characteristic, category, arm)
    )
    assert (r.n, r.percent) == (n, pct)


def test_baseline_totals_are_the_sum_of_arms(tables) -> None:  # type: ignore[no-untyped-def]
    rows = tables["baseline"].rows
    for key in {(r.characteristic, r.category) for r in rows if r.percent is not None}:
        arms = sum(r.n for r in rows if (r.characteristic, r.category) == key and r.arm != "Total")
        assert arms == next(r.n for r in rows if (r.characteristic, r.category, r.arm) == (*key, "Total"))
