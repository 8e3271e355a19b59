"""The laboratory and vital-sign tables over time as analysis tables and as ard.csv rows: groups under PARAMCD,
AVISIT and ATPT, statistics by their cards names; only laboratory data feed them, and nothing goes to efficacy."""

from __future__ import annotations

from service.analysis import build_analysis
from service.ard import ARD_COLUMNS, build_ard
from tests.labs.fixture import record, trial

RECORDS = [
    record("D1", "ALT", "Baseline", 10), record("D3", "ALT", "Baseline", 30),
    record("D1", "ALT", "Day 29", 14, base=10), record("D3", "ALT", "Day 29", 42, base=30),
    record("D1", "SYSBP", "Baseline", 120, domain="VS", position="SUPINE"),
    record("D1", "SYSBP", "Day 29", 150, base=120, domain="VS", position="SUPINE"),
]  # fmt: skip
NAMES = ("lab_by_visit", "lab_missing_by_visit", "vitals_by_visit", "vitals_notable", "vitals_weight")


def test_the_tables_are_safety_tables_of_the_safety_population() -> None:
    results = build_analysis(trial(RECORDS))
    for name in NAMES:
        table = results.tables[name]
        assert table.population_flag == "SAFFL" and not table.comparative
        assert table.denominators == {"Drug": 3, "Placebo": 2, "Total": 5}
    assert results.tables["outcome_summary"].rows == ()  # laboratory data never feed the efficacy tables


def test_vital_signs_group_under_paramcd_avisit_and_atpt() -> None:
    ard = [a for a in build_ard(build_analysis(trial(RECORDS))) if a.analysis == "vitals_by_visit"]
    change = {a.stat_name: a.stat for a in ard
              if (a.group1_level, a.group3_level, a.variable) == ("Drug", "Day 29", "CHG")}  # fmt: skip
    assert change == {"N": 1, "mean": 30.0, "median": 30.0, "min": 30.0, "max": 30.0}  # no SD of one value
    row = next(a for a in ard if a.variable == "CHG")
    assert (row.group1, row.group2, row.group2_level, row.group3, row.group4, row.group4_level) == (
        "TRT01A", "PARAMCD", "SYSBP", "AVISIT", "ATPT", "SUPINE"
    )  # fmt: skip
    assert row.context == "summary"
    assert ARD_COLUMNS.index("group4") == ARD_COLUMNS.index("group3_level") + 1


def test_laboratory_values_group_under_paramcd_and_avisit() -> None:
    ard = [a for a in build_ard(build_analysis(trial(RECORDS))) if a.analysis == "lab_by_visit"]
    # Drug Day 29 value: 14 and 42 -> mean 28, SD sqrt(2 * 14^2) = 19.799.
    value = {a.stat_name: a.stat for a in ard if (a.group1_level, a.group3_level, a.variable) == ("Drug", "Day 29",
                                                                                                  "AVAL")}  # fmt: skip
    assert value["mean"] == 28.0 and round(value["sd"], 3) == 19.799
    assert {(a.group2, a.group3, a.group4) for a in ard} == {("PARAMCD", "AVISIT", "")}


def test_missing_data_and_notable_counts_are_n_of_n() -> None:
    ard = build_ard(build_analysis(trial(RECORDS)))
    missing = {a.stat_name: a.stat for a in ard if a.analysis == "lab_missing_by_visit"
               and (a.group1_level, a.group3_level) == ("Placebo", "Day 29")}  # fmt: skip
    assert missing == {"n": 2, "N": 2, "p": 1.0}  # P1 and P2 expected, neither has ALT
    notable = {a.stat_name: a.stat for a in ard if a.analysis == "vitals_notable"
               and (a.group1_level, a.variable_level) == ("Drug", "> 140")}  # fmt: skip
    assert notable == {"n": 1, "N": 1, "p": 1.0}
    level = next(a for a in ard if a.analysis == "vitals_notable" and a.variable_level.startswith("Increase"))
    assert (level.variable, level.group2, level.group3, level.group3_level) == ("CHG", "PARAMCD", "ATPT", "SUPINE")


def test_without_laboratory_data_the_tables_are_empty_not_absent() -> None:
    results = build_analysis(trial([]))
    assert all(results.tables[name].rows == () for name in NAMES)
