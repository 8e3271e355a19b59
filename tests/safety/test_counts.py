"""AE tables by SOC/PT, checked against counts worked out by hand from tests/analysis_fixture.py, and p-values
and confidence intervals computed here independently (exact enumeration, Wilson/Newcombe formulas)."""

from __future__ import annotations

import math

import pytest

from service.analysis import build_analysis
from service.results import AECountRow
from tests.analysis_fixture import EAR, GI, NERV, hand_trial

Z = 1.959963984540054


def fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Exact two-sided p: the probability of every table with the same margins no more likely than this one."""
    cases = a + c
    total = math.comb(n1 + n2, cases)

    def prob(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, cases - x) / total

    observed = prob(a)
    return sum(prob(x) for x in range(max(0, cases - n2), min(n1, cases) + 1) if prob(x) <= observed * (1 + 1e-9))


def wilson(x: int, n: int) -> tuple[float, float]:
    centre = (x + Z * Z / 2) / (n + Z * Z)
    half = Z * math.sqrt(x * (n - x) / n + Z * Z / 4) / (n + Z * Z)
    return centre - half, centre + half


def newcombe(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    d = p1 - p2
    return (
        100 * d,
        100 * (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
        100 * (d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)),
    )


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return build_analysis(hand_trial()).tables


def row(rows: tuple[AECountRow, ...], level: str, soc: str, pt: str, arm: str) -> AECountRow:
    return next(r for r in rows if (r.level, r.soc, r.pt, r.arm) == (level, soc, pt, arm))


# (level, soc, pt, arm, participants n, events, N, percent) — by hand from the fixture
AE_SOC_PT = [
    ("any", "", "", "Drug", 3, 6, 4, 75.0),  # A1 (2 headaches), A2, A3; A4's rash predates dosing; A5 untreated
    ("any", "", "", "Low dose", 0, 0, 2, 0.0),  # the zero-event arm
    ("any", "", "", "Placebo", 1, 2, 3, 33.3),
    ("any", "", "", "Total", 4, 8, 9, 44.4),
    ("soc", NERV, "", "Drug", 3, 4, 4, 75.0),
    ("pt", NERV, "Headache", "Drug", 2, 3, 4, 50.0),  # A1 counted once for two records
    ("pt", NERV, "Headache", "Placebo", 1, 1, 3, 33.3),
    ("pt", NERV, "Headache", "Total", 3, 4, 9, 33.3),
    ("pt", NERV, "Dizziness", "Drug", 1, 1, 4, 25.0),
    ("soc", EAR, "", "Drug", 1, 1, 4, 25.0),  # the same PT under a second SOC counts there too
    ("pt", EAR, "Dizziness", "Drug", 1, 1, 4, 25.0),
    ("pt", EAR, "Dizziness", "Low dose", 0, 0, 2, 0.0),
    ("soc", GI, "", "Total", 2, 2, 9, 22.2),
]


@pytest.mark.parametrize(("level", "soc", "pt", "arm", "n", "events", "at_risk", "pct"), AE_SOC_PT)
def test_ae_soc_pt_counts_participants_once_and_events_as_records(
    tables,
    level,
    soc,
    pt,
    arm,
    n,
    events,  # type: ignore[no-untyped-def]
    at_risk,
    pct,
) -> None:
    r = row(tables["ae_soc_pt"].rows, level, soc, pt, arm)
    assert (r.n_subjects, r.n_events, r.n_at_risk, r.percent) == (n, events, at_risk, pct)


@pytest.mark.parametrize(
    ("level", "soc", "pt", "arm", "x1", "n1", "x2", "n2"),
    [
        ("any", "", "", "Drug", 3, 4, 1, 3),
        ("any", "", "", "Low dose", 0, 2, 1, 3),
        ("pt", NERV, "Headache", "Drug", 2, 4, 1, 3),
        ("soc", EAR, "", "Drug", 1, 4, 0, 3),
    ],
)
def test_each_arm_is_compared_with_the_control(tables, level, soc, pt, arm, x1, n1, x2, n2) -> None:  # type: ignore[no-untyped-def]
    r = row(tables["ae_soc_pt"].rows, level, soc, pt, arm)
    assert r.p_value == pytest.approx(fisher_two_sided(x1, n1, x2, n2), abs=1e-9)
    diff, low, high = newcombe(x1, n1, x2, n2)
    assert (r.risk_diff, r.risk_diff_low, r.risk_diff_high) == (
        pytest.approx(diff, abs=1e-6),
        pytest.approx(low, abs=1e-6),
        pytest.approx(high, abs=1e-6),
    )


def test_fisher_values_worked_by_hand() -> None:
    # Drug 3/4 against Placebo 1/3: tables with 4 cases have P = 4, 18, 12, 1 (/35); p = (4 + 12 + 1) / 35.
    assert fisher_two_sided(3, 4, 1, 3) == pytest.approx(17 / 35)
    # Low dose 0/2 against Placebo 1/3: P = 3/5 and 2/5; both are as likely or less: p = 1.
    assert fisher_two_sided(0, 2, 1, 3) == pytest.approx(1.0)


def test_control_and_total_rows_have_no_comparison(tables) -> None:  # type: ignore[no-untyped-def]
    for arm in ("Placebo", "Total"):
        r = row(tables["ae_soc_pt"].rows, "any", "", "", arm)
        assert (r.p_value, r.risk_diff, r.risk_diff_low, r.risk_diff_high) == (None, None, None, None)


def test_socs_in_meddra_order_and_pts_by_decreasing_frequency(tables) -> None:  # type: ignore[no-untyped-def]
    keys = list(dict.fromkeys((r.level, r.soc, r.pt) for r in tables["ae_soc_pt"].rows))
    assert keys == [
        ("any", "", ""),
        ("soc", NERV, ""),
        ("pt", NERV, "Headache"),
        ("pt", NERV, "Dizziness"),
        ("soc", EAR, ""),
        ("pt", EAR, "Dizziness"),
        ("soc", GI, ""),
        ("pt", GI, "Nausea"),
    ]


def test_socs_by_decreasing_frequency_as_an_option() -> None:
    rows = build_analysis(hand_trial(), soc_order="frequency")["ae_soc_pt"].rows
    socs = list(dict.fromkeys(r.soc for r in rows if r.level == "soc"))
    assert socs == [NERV, GI, EAR]  # 4, 2 and 1 participants


def test_serious_table_counts_only_serious_events(tables) -> None:  # type: ignore[no-untyped-def]
    rows = tables["ae_soc_pt_serious"].rows
    assert [(r.level, r.pt, r.arm, r.n_subjects, r.n_events) for r in rows if r.arm == "Drug"] == [
        ("any", "", "Drug", 1, 1),
        ("soc", "", "Drug", 1, 1),
        ("pt", "Headache", "Drug", 1, 1),
    ]
    # Drug 1/4 against Placebo 0/3: P(0 cases in Drug) = 3/7, P(1) = 4/7, so p = 1.
    assert row(rows, "any", "", "", "Drug").p_value == pytest.approx(1.0)


def test_an_empty_category_still_has_its_any_row() -> None:
    rows = build_analysis(hand_trial())["ae_soc_pt_discontinuation"].rows
    assert [(r.arm, r.n_subjects) for r in rows if r.level == "any"] == [
        ("Drug", 0),
        ("Low dose", 0),
        ("Placebo", 1),
        ("Total", 1),
    ]


def test_related_counts_missing_causality_as_related(tables) -> None:  # type: ignore[no-untyped-def]
    rows = tables["ae_soc_pt_related"].rows
    # A2's headache is RELATED and A2's nausea has no assessment; P1's nausea is POSSIBLY RELATED.
    assert row(rows, "any", "", "", "Drug").n_events == 2
    assert row(rows, "pt", GI, "Nausea", "Total").n_subjects == 2
