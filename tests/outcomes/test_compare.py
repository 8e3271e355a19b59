"""Outcome summaries and between-arm comparisons, against values derived independently in this file."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from service.analysis import build_analysis
from service.errors import DataError
from service.importing.records import ArmRecord, ImportedTrial, MeasurementRecord, ParticipantRecord, TrialDefinition
from tests.safety.test_counts import newcombe

ARMS = (ArmRecord("DRG", "Drug"), ArmRecord("PBO", "Placebo", is_control=True))
BASELINE = {"D1": 10.0, "D2": 12.0, "D3": 14.0, "D4": 16.0, "P1": 11.0, "P2": 13.0, "P3": 15.0, "P4": 17.0}
WEEK4 = {"D1": 8.0, "D2": 9.0, "D3": 13.0, "D4": 12.0, "P1": 11.0, "P2": 14.0, "P3": 16.0}  # P4 missing
RESPONSE = {"D1": 1.0, "D2": 1.0, "D3": 1.0, "D4": 0.0, "P1": 0.0, "P2": 0.0, "P3": 1.0}
DRUG_W4, PBO_W4 = [8.0, 9.0, 13.0, 12.0], [11.0, 14.0, 16.0]


def outcome_trial(*outcomes: dict[str, Any]) -> ImportedTrial:
    people = tuple(
        ParticipantRecord(s, randomized=True, arm_code="DRG" if s[0] == "D" else "PBO", itt_population=True)
        for s in BASELINE
    )
    values = [
        MeasurementRecord(s, "Y", "Baseline", visit_number=0, value=v, unit="mg", baseline=True)
        for s, v in BASELINE.items()
    ]
    values += [MeasurementRecord(s, "Y", "Week 4", visit_number=4, value=v, unit="mg") for s, v in WEEK4.items()]
    values += [MeasurementRecord(s, "RESP", "Week 4", visit_number=4, value=v) for s, v in RESPONSE.items()]
    return ImportedTrial(
        "o",
        "bundle",
        "-",
        TrialDefinition(arms=ARMS, raw={"outcomes": list(outcomes)}),
        ARMS,
        people,
        (),
        tuple(values),
    )


def comparison(**spec: Any):  # type: ignore[no-untyped-def]
    (row,) = build_analysis(outcome_trial({"parameter": "Y", **spec}))["outcome_comparison"].rows
    return row


def test_summary_of_values_and_changes_worked_by_hand() -> None:
    rows = build_analysis(outcome_trial({"parameter": "Y"}))["outcome_summary"].rows
    value = next(r for r in rows if (r.visit, r.arm, r.statistic) == ("Week 4", "Drug", "value"))
    # 8, 9, 13, 12: mean 10.5, squared deviations 17, SD sqrt(17/3); quartiles (type 7) 8.75 and 12.25
    assert (value.n, value.mean, value.sd) == (4, 10.5, pytest.approx(math.sqrt(17 / 3)))
    assert (value.median, value.q1, value.q3, value.minimum, value.maximum) == (10.5, 8.75, 12.25, 8, 13)
    change = next(r for r in rows if (r.visit, r.arm, r.statistic) == ("Week 4", "Placebo", "change"))
    # P1 11 − 11 = 0, P2 14 − 13 = 1, P3 16 − 15 = 1 (P4 has no week-4 value): mean 2/3
    assert (change.n, change.mean, change.minimum, change.maximum) == (3, pytest.approx(2 / 3), 0, 1)
    assert not any(r.statistic == "change" and r.visit == "Baseline" for r in rows)


def test_welch_against_its_formula() -> None:
    a, c = np.array(DRUG_W4), np.array(PBO_W4)
    va, vc = a.var(ddof=1) / len(a), c.var(ddof=1) / len(c)
    se = math.sqrt(va + vc)
    df = (va + vc) ** 2 / (va**2 / (len(a) - 1) + vc**2 / (len(c) - 1))
    diff = a.mean() - c.mean()
    row = comparison(method="welch", timepoint="Week 4")
    assert row.estimate == pytest.approx(diff)  # 10.5 − 13.6667
    assert (row.ci_low, row.ci_high) == (
        pytest.approx(diff - stats.t.ppf(0.975, df) * se),
        pytest.approx(diff + stats.t.ppf(0.975, df) * se),
    )
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(diff / se), df))
    assert (row.n_arm, row.n_control, row.arm, row.control) == (4, 3, "Drug", "Placebo")


def test_mann_whitney_exact_p_by_enumeration_and_hodges_lehmann_by_hand() -> None:
    # Drug ranks among the 7 values 8 9 11 12 13 14 16 are 1 2 4 5 → U = 12 − 10 = 2; P(U ≤ 2) by enumeration.
    u_values = [sum(r) - 10 for r in itertools.combinations(range(1, 8), 4)]
    p_exact = min(1.0, 2 * sum(u <= 2 for u in u_values) / len(u_values))
    row = comparison(method="mann-whitney", timepoint="Week 4")
    assert row.p_value == pytest.approx(p_exact)
    # The 12 differences sorted: −8 −7 −6 −5 −4 −3 −3 −2 −2 −1 1 2; median −3.
    # Exact P(U = 0) = 1/35 > 0.025, so Moses' interval is from the smallest to the largest difference.
    assert (row.estimate, row.ci_low, row.ci_high) == (-3.0, -8.0, 2.0)


def test_ancova_against_least_squares() -> None:
    subjects = [s for s in WEEK4]
    y = np.array([WEEK4[s] for s in subjects])
    x = np.array([[1.0, 1.0 if s[0] == "D" else 0.0, BASELINE[s]] for s in subjects])
    beta, rss, *_ = np.linalg.lstsq(x, y, rcond=None)
    df = len(y) - 3
    cov = rss[0] / df * np.linalg.inv(x.T @ x)
    se = math.sqrt(cov[1, 1])
    row = comparison(method="ancova", timepoint="Week 4")
    assert row.estimate == pytest.approx(beta[1])
    assert (row.ci_low, row.ci_high) == (
        pytest.approx(beta[1] - stats.t.ppf(0.975, df) * se),
        pytest.approx(beta[1] + stats.t.ppf(0.975, df) * se),
    )
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(beta[1] / se), df))


def test_binary_outcomes_by_fisher_and_chi_square() -> None:
    trial = outcome_trial({"parameter": "RESP", "method": "fisher"}, {"parameter": "RESP", "method": "chi-square"})
    fisher, chi = build_analysis(trial)["outcome_comparison"].rows
    diff, low, high = newcombe(3, 4, 1, 3)
    assert (fisher.estimate, fisher.ci_low, fisher.ci_high) == (
        pytest.approx(diff),
        pytest.approx(low),
        pytest.approx(high),
    )
    assert fisher.p_value == pytest.approx(17 / 35)
    # Pearson X² for [[3, 1], [1, 2]] by hand: 25·(1/112 + 1/84 + 1/84 + 1/63) = 1225/1008
    assert chi.p_value == pytest.approx(stats.chi2.sf(1225 / 1008, 1))


def test_change_from_baseline_can_be_compared() -> None:
    row = comparison(method="welch", variable="change", timepoint="Week 4")
    # Drug changes −2 −3 −1 −4 (mean −2.5); placebo 0 1 1 (mean 2/3)
    assert row.estimate == pytest.approx(-2.5 - 2 / 3)


def test_default_timepoint_is_the_last_visit() -> None:
    assert comparison(method="welch").visit == "Week 4"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"parameter": "Y", "method": "t-test"}, r"outcomes \(entry 1\): method 't-test' is not one of"),
        ({"parameter": "Y", "method": "welch", "adjust": ["baseline"]}, "welch does not adjust"),
        ({"parameter": "Y", "variable": "responder"}, "needs responder ="),
        ({"parameter": "Y", "test": "non-inferiority"}, "needs margin"),
        ({"parameter": "Y", "method": "cmh", "variable": "responder", "responder": "AVAL > 1"}, "stratification"),
        ({"parameter": "Y", "variable": "responder", "responder": "AVAL >> 1"}, "responder criteria"),
        ({"title": "no parameter"}, r"outcomes \(entry 1\): needs a 'parameter'"),
    ],
)
def test_bad_outcome_definitions_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        build_analysis(outcome_trial(spec))
