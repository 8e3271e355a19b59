"""On the example trial every table is produced and the tables agree with each other."""

from __future__ import annotations

from collections import defaultdict

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from service.results import TOTAL, AnalysisResults
from tests.conftest import REPO


@pytest.fixture(scope="module")
def results() -> AnalysisResults:
    data = load_source(REPO / "examples" / "msc-t1d", "msc-t1d")
    return build_analysis(data)


def test_every_table_is_produced(results: AnalysisResults) -> None:
    empty = {name for name, table in results.tables.items() if not table.rows}
    # The laboratory and vital-sign tables over time are empty, not absent, where the example has no such records.
    over_time = {"lab_by_visit", "lab_missing_by_visit", "vitals_by_visit", "vitals_notable", "vitals_weight"}
    assert over_time <= set(results.tables)
    assert empty - over_time == {"listing_deaths"}  # the example has no deaths
    assert {
        "ae_soc_pt",
        "ae_soc_pt_serious",
        "ae_overview",
        "disposition",
        "baseline",
        "outcome_summary",
        "outcome_estimates",
        "outcome_comparison",
        "ae_registry_other",
        "ae_registry_mortality",
        "ae_incidence_rates",
    } <= set(results.tables)


@pytest.mark.parametrize("name", ["ae_soc_pt", "ae_soc_pt_serious", "ae_soc_pt_related", "ae_soc_pt_discontinuation"])
def test_any_row_bounds_each_soc_which_bounds_its_pts(results: AnalysisResults, name: str) -> None:
    rows = results[name].rows
    by_key = {(r.level, r.soc, r.pt, r.arm): r for r in rows}
    for r in rows:
        assert 0 <= r.n_subjects <= r.n_at_risk
        assert r.n_subjects <= r.n_events
        if r.level == "soc":
            assert r.n_subjects <= by_key[("any", "", "", r.arm)].n_subjects
        if r.level == "pt":
            assert r.n_subjects <= by_key[("soc", r.soc, "", r.arm)].n_subjects
            assert r.n_events <= by_key[("soc", r.soc, "", r.arm)].n_events


@pytest.mark.parametrize("name", ["ae_soc_pt", "ae_soc_pt_serious", "ae_overview", "ae_max_grade", "ae_max_severity"])
def test_totals_equal_the_sum_of_arms(results: AnalysisResults, name: str) -> None:
    sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    totals = {}
    for r in results[name].rows:
        key = tuple(getattr(r, f) for f in ("level", "soc", "pt", "category") if hasattr(r, f))
        values = [r.n_subjects, getattr(r, "n_events", 0), r.n_at_risk]
        if r.arm == TOTAL:
            totals[key] = values
        else:
            sums[key] = [a + b for a, b in zip(sums[key], values, strict=True)]
    assert totals == dict(sums)


def test_safety_denominators_match_the_disposition(results: AnalysisResults) -> None:
    treated = {r.arm: r.n for r in results["disposition"].rows if r.category == "Treated"}
    assert results["ae_soc_pt"].denominators == treated == {"Mesenchymal stem cells": 11, "Placebo": 10, "Total": 21}


def test_registry_tables_agree_with_the_soc_pt_table(results: AnalysisResults) -> None:
    serious = {(r.pt, r.arm): r.n_affected for r in results["ae_registry_serious"].rows}
    pt_rows = {
        (r.pt, r.arm): r.n_subjects for r in results["ae_soc_pt_serious"].rows if r.level == "pt" and r.arm != TOTAL
    }
    assert serious == pt_rows


def test_every_outcome_is_summarised_and_compared(results: AnalysisResults) -> None:
    compared = {r.parameter for r in results["outcome_comparison"].rows}
    assert compared == {"CPEPS", "HBA1C", "CPEPF", "INSDOSE", "HYPO", "TTSHYPO", "QOL"}
    assert all(r.p_value is not None and r.ci_low is not None for r in results["outcome_comparison"].rows)
    primary = [r for r in results["outcome_estimates"].rows if r.parameter == "CPEPS"]
    assert {r.visit for r in primary} == {"Month 3", "Month 6", "Month 9", "Month 12"}
    assert all(r.estimate_type == "LS mean" and r.std_error and r.ci_low is not None for r in primary)
    (key,) = [r for r in results["outcome_comparison"].rows if r.parameter == "CPEPS" and r.key_timepoint]
    assert key.visit == "Month 12" and key.estimate_kind == "ls-mean-difference"
    survival = [r for r in results["outcome_estimates"].rows if r.parameter == "TTSHYPO"]
    assert all(r.estimate_type == "Kaplan–Meier median" and r.n == r.n_events + r.n_censored for r in survival)


def test_monitoring_looks_at_the_primary_outcome_at_its_key_timepoint(results: AnalysisResults) -> None:
    from scipy import stats

    (key,) = [r for r in results["outcome_comparison"].rows if r.parameter == "CPEPS" and r.key_timepoint]
    current = next(r for r in results["monitoring"].rows if r.status in ("current", "between looks"))
    assert key.visit == "Month 12"
    assert abs(current.observed_z) == pytest.approx(float(stats.norm.isf(key.p_value / 2)))
