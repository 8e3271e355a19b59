"""Ages in the data's own unit: an infant of 47 days is reported as 47 days, and counted as <=18 years."""

from __future__ import annotations

from dataclasses import replace

import pytest

from registry.ctgov.build import build_result
from registry.ctgov.validate import validate_result
from service.analysis import build_analysis
from tests.analysis_fixture import hand_trial


def _aged(ages: list[tuple[float, str]]):  # type: ignore[no-untyped-def]
    trial = hand_trial()
    people = tuple(
        p._replace(age=ages[i % len(ages)][0], age_unit=ages[i % len(ages)][1])
        for i, p in enumerate(trial.participants)
    )
    return replace(trial, participants=people)


def _age_rows(trial):  # type: ignore[no-untyped-def]
    rows = build_analysis(trial)["baseline"].rows
    return ({r.arm: r for r in rows if r.characteristic == "Age"},
            {(r.arm, r.category): r.n for r in rows if r.characteristic == "Age, categorical"})  # fmt: skip


@pytest.mark.parametrize(("unit", "ages"), [("DAYS", [47.0, 120.0, 400.0]), ("MONTHS", [3.0, 11.0, 30.0])])
def test_ages_in_days_or_months_are_reported_in_their_unit_and_counted_as_children(
    unit: str, ages: list[float]
) -> None:
    trial = _aged([(a, unit) for a in ages])
    continuous, categories = _age_rows(trial)
    total = continuous["Total"]
    itt = [p for p in trial.participants if p.itt_population and p.arm_code]
    expected = sum(p.age for p in itt) / len(itt)
    assert total.unit == unit.lower() and total.mean == pytest.approx(expected)
    assert categories[("Total", "<=18 years")] == len(itt) and categories[("Total", ">=65 years")] == 0
    root = build_result(trial, build_analysis(trial)).root
    age = next(m for m in root.iterfind("baseline/baselineMeasures/baselineMeasure")
               if m.findtext("title") == "Age, Continuous")  # fmt: skip
    assert age.findtext("unitOfMeasure") == unit.lower()
    assert not [p for p in validate_result(root) if p.rejects and "Age" in p.where]


def test_mixed_units_are_reported_in_years() -> None:
    trial = _aged([(6.0, "MONTHS"), (2.0, "YEARS"), (730.5, "DAYS")])
    continuous, categories = _age_rows(trial)
    itt = [p for p in trial.participants if p.itt_population and p.arm_code]
    years = {"MONTHS": 1 / 12, "YEARS": 1.0, "DAYS": 1 / 365.25}
    assert continuous["Total"].unit == "years"
    assert continuous["Total"].mean == pytest.approx(sum(p.age * years[p.age_unit] for p in itt) / len(itt))
    assert categories[("Total", "<=18 years")] == len(itt)


def test_a_participant_of_unknown_sex_is_left_out_of_sex_female_male_with_its_own_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    trial = hand_trial()
    first = next(p for p in trial.participants if p.itt_population and p.arm_code)
    people = tuple(p._replace(sex="U") if p is first else p for p in trial.participants)
    trial = replace(trial, participants=people)
    root = build_result(trial, build_analysis(trial)).root
    sex = next(m for m in root.iterfind("baseline/baselineMeasures/baselineMeasure")
               if m.findtext("title") == "Sex: Female, Male")  # fmt: skip
    assert {e.findtext("catName") for e in sex.iter("reportedEntry")} == {"Female", "Male"}
    assert "1 recorded otherwise" in sex.findtext("populationAnalysisDescription")
    overall = {g.get("id"): int(g.findtext("subjectsAnalyzed"))
               for g in root.iterfind("baseline/baselineReportingGroups/baselineReportingGroup")}  # fmt: skip
    own = {v.findtext("reportingGroupId"): int(v.findtext("subjectsAnalyzed"))
           for v in sex.iterfind("measureRows/measureRow/reportedValues/reportedValue")}  # fmt: skip
    assert sum(own[g] for g in overall) == sum(overall.values()) - 1
    assert not [str(p) for p in validate_result(root) if p.rejects and "Sex" in p.where]


def test_race_in_cdisc_terms_is_nih_omb_and_other_values_stay_customized() -> None:
    from registry.ctgov.build import nih_rows
    from service.results import SummaryRow

    def row(category: str, arm: str, n: int) -> SummaryRow:
        return SummaryRow("Race", category, arm, n, 10, None, None, None, None, None, None, None, None, "")

    cdisc = [row("WHITE", "Drug", 6), row("ASIAN", "Drug", 3), row("MULTIPLE", "Drug", 1)]
    nih = {(r.category, r.n) for r in nih_rows("Race", cdisc)}
    assert ("White", 6) in nih and ("Asian", 3) in nih and ("More than one race", 1) in nih
    assert ("Black or African American", 0) in nih and len(nih) == 7
    assert {r.characteristic for r in nih_rows("Race", cdisc)} == {"Race (NIH/OMB)"}
    own = [row("Persian", "Drug", 9), row("WHITE", "Drug", 1)]
    assert nih_rows("Race", own) == own  # a term outside CDISC's: the data's own categories, customized


def test_a_baseline_variable_titled_age_customized_is_prss_customized_measure() -> None:
    trial = hand_trial(baseline=[{"variable": "AGEGR1", "title": "Age, Customized"}])
    groups = ("<65", ">=65")
    people = tuple(p._replace(variables={"AGEGR1": groups[(p.age or 0) >= 65]}) for p in trial.participants)
    trial = replace(trial, participants=people)
    root = build_result(trial, build_analysis(trial)).root
    measure = next(m for m in root.iterfind("baseline/baselineMeasures/baselineMeasure")
                   if m.findtext("title") == "Age, Customized")  # fmt: skip
    assert {e.findtext("catName") for e in measure.iter("reportedEntry")} == set(groups)
    assert measure.findtext("otherTitle") is None
    assert not [str(p) for p in validate_result(root) if p.rejects]


def test_a_baseline_population_smaller_than_the_randomized_passes_regsyncs_own_validation() -> None:
    trial = hand_trial()
    first = next(p for p in trial.participants if p.randomized and p.arm_code)
    trial = replace(trial, participants=tuple(p._replace(itt_population=False) if p is first else p
                                              for p in trial.participants))  # fmt: skip
    results = build_analysis(trial)
    root = build_result(trial, results).root
    total = int(root.findtext("baseline/totalBaselineReportingGroup/subjectsAnalyzed"))
    assert total == sum(1 for p in trial.participants if p.itt_population and p.arm_code)
    assert total == results["baseline"].denominators["Total"] == results["disposition"].denominators["Total"] - 1
    assert not [str(p) for p in validate_result(root) if p.rejects]
