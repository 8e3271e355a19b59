"""Normal-range categories, shifts, liver tests and the listing of clinically significant values, worked by hand on
the hand-checked trial's laboratory records (tests/labs/abnormal_fixture.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.analysis import build_analysis
from service.errors import DataError
from service.labs.abnormal import NO_LABS
from service.labs.abnormal_rules import check_lab_references, read_lab_rules
from service.reports.pooled import remove_arm_assignment
from service.results import AnalysisResults
from tests.labs.abnormal_fixture import lab_frame, lab_trial, record

CRITERIA = {"criteria": [{"parameter": "ALT", "above_uln": 3}, {"parameter": "HGB", "below": 105, "grade": 2}]}


@pytest.fixture(scope="module")
def results() -> AnalysisResults:
    return build_analysis(lab_trial(labs=CRITERIA))


def cells(results: AnalysisResults, table: str, **where: str) -> dict[str, tuple[int, int]]:
    """arm -> (n, N) of the rows matching `where`."""
    found = {}
    for row in results[table].rows:
        if all(getattr(row, k) == v for k, v in where.items()):
            total = getattr(row, "n_analysed", None)
            found[row.arm] = (row.n, total if total is not None else row.n_baseline)
    return found


# HGB, on-treatment records by participant (range 120–160; A3's day −3 value is before the first dose and its LOCF
# record is derived, so neither counts; P3's only value has no range, so no category; A5 is not in the safety set):
#   Drug:     A1 110 L, 170 H;  A2 115 L, 125 N;  A3 140 N, 145 N;  A4 170 H          -> N 4
#   Low dose: Z1 100 L                                                                   -> N 1
#   Placebo:  P1 135 N;  P2 100 L;  (P3 none)                                            -> N 2
@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("LOW", {"Drug": (2, 4), "Low dose": (1, 1), "Placebo": (1, 2), "Total": (4, 7)}),  # A1 A2 | Z1 | P2
        ("HIGH", {"Drug": (2, 4), "Low dose": (0, 1), "Placebo": (0, 2), "Total": (2, 7)}),  # A1 A4
        ("NORMAL", {"Drug": (1, 4), "Low dose": (0, 1), "Placebo": (1, 2), "Total": (2, 7)}),  # A3 | P1 all normal
    ],
)
def test_categories_count_participants_with_any_low_any_high_and_all_normal(
    results: AnalysisResults, category: str, expected: dict[str, tuple[int, int]]
) -> None:
    assert cells(results, "lab_categories", parameter="HGB", category=category) == expected


# Shifts of HGB. Baselines: A1 N, A2 L, A3 N, A4 H, Z1 none (MISSING), P1 N, P2 N, P3 N (no on-treatment category).
# Worst low  (L if any low, else N if any normal, else H): A1 L, A2 L, A3 N, A4 H, Z1 L, P1 N, P2 L.
# Worst high (H if any high, else N if any normal, else L): A1 H, A2 N, A3 N, A4 H, Z1 L, P1 N, P2 L.
# A1, low and high, is LOW in the worst-low table and HIGH in the worst-high one.
@pytest.mark.parametrize(
    ("direction", "baseline", "category", "expected"),
    [
        ("low", "NORMAL", "LOW", {"Drug": (1, 2), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (2, 4)}),  # A1|P2
        ("low", "NORMAL", "NORMAL", {"Drug": (1, 2), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (2, 4)}),
        ("low", "LOW", "LOW", {"Drug": (1, 1), "Low dose": (0, 0), "Placebo": (0, 0), "Total": (1, 1)}),  # A2
        ("low", "HIGH", "HIGH", {"Drug": (1, 1), "Low dose": (0, 0), "Placebo": (0, 0), "Total": (1, 1)}),  # A4
        ("low", "MISSING", "LOW", {"Drug": (0, 0), "Low dose": (1, 1), "Placebo": (0, 0), "Total": (1, 1)}),  # Z1
        ("high", "NORMAL", "HIGH", {"Drug": (1, 2), "Low dose": (0, 0), "Placebo": (0, 2), "Total": (1, 4)}),  # A1
        ("high", "NORMAL", "LOW", {"Drug": (0, 2), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (1, 4)}),  # P2
        ("high", "LOW", "NORMAL", {"Drug": (1, 1), "Low dose": (0, 0), "Placebo": (0, 0), "Total": (1, 1)}),  # A2
        ("high", "HIGH", "HIGH", {"Drug": (1, 1), "Low dose": (0, 0), "Placebo": (0, 0), "Total": (1, 1)}),  # A4
    ],
)
def test_shifts_go_from_the_baseline_category_to_the_worst_low_and_the_worst_high(
    results: AnalysisResults, direction: str, baseline: str, category: str, expected: dict[str, tuple[int, int]]
) -> None:
    found = cells(results, f"lab_shift_{direction}", parameter="HGB", baseline=baseline, category=category)
    assert found == expected


def test_a_missing_baseline_row_is_shown_only_where_a_participant_lacks_one(results: AnalysisResults) -> None:
    baselines = {(r.parameter, r.baseline) for r in results["lab_shift_low"].rows}
    assert ("HGB", "MISSING") in baselines  # Z1
    assert ("BILI", "MISSING") in baselines  # every bilirubin value is on treatment: no baseline record
    assert ("ALT", "MISSING") in baselines  # only A1 has an ALT baseline
    assert ("ALT", "LOW") in baselines  # the three categories always


def test_the_shift_test_is_by_parameter_and_direction_with_df_arms_minus_one(results: AnalysisResults) -> None:
    tests = {(r.parameter, r.direction): r for r in results["lab_shift_test"].rows}
    # HGB worst high, strata by baseline (columns L N H): NORMAL: Drug A1 H, A3 N; Placebo P1 N, P2 L (Low dose
    # none); LOW: A2 N alone; HIGH: A4 H alone; MISSING: Z1 L alone. Strata of one participant are left out, so
    # only NORMAL counts and Low dose has nobody: two arms, df 1. Scores 1 2 3: Drug 3 + 2 = 5, Placebo 2 + 1 = 3;
    # mean score (3 + 2 + 2 + 1) / 4 = 2, v = (1 + 0 + 0 + 1) / 4 = 0.5; G = 5 − 2 × 2 = 1;
    # Var = 4² × 0.5 / 3 × (0.5 − 0.25) = 2/3; Q = 1 / (2/3) = 1.5.
    high = tests[("HGB", "high")]
    assert high.statistic == pytest.approx(1.5)
    assert high.df == 1
    assert high.n == 7
    assert len(results["lab_shift_test"].rows) == 2 * 5  # five parameters, both directions
    assert results["lab_shift_test"].comparative


# Peaks over ULN (ALT/AST ULN 40, BILI 20, ALP 120); P2's ALT has no ULN, A5 is not in the safety set:
#   ALT:  A1 130/40 3.25, A2 6.25, A3 1.0, A4 120/40 3.0, Z1 61/40 1.525, P1 0.5
#   AST:  A1 2.5, A2 11.25, A3 0.75, P1 0.5, P2 3.25
#   BILI: A1 2.5, A2 1.5, A3 0.5, A4 2.0, P1 2.25, P2 0.5
#   ALP:  A1 1.25, A2 2.083, A3 0.833
@pytest.mark.parametrize(
    ("test", "criterion", "expected"),
    [
        ("ALT", "> 1.5×ULN", {"Drug": (3, 4), "Low dose": (1, 1), "Placebo": (0, 1), "Total": (4, 6)}),
        ("ALT", "> 3×ULN", {"Drug": (2, 4), "Low dose": (0, 1), "Placebo": (0, 1), "Total": (2, 6)}),  # A4 = 3.0
        ("ALT", "> 5×ULN", {"Drug": (1, 4), "Low dose": (0, 1), "Placebo": (0, 1), "Total": (1, 6)}),
        ("ALT", "> 10×ULN", {"Drug": (0, 4), "Low dose": (0, 1), "Placebo": (0, 1), "Total": (0, 6)}),
        ("AST", "> 3×ULN", {"Drug": (1, 3), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (2, 5)}),  # A2 | P2
        ("AST", "> 10×ULN", {"Drug": (1, 3), "Low dose": (0, 0), "Placebo": (0, 2), "Total": (1, 5)}),
        # ALT or AST, the higher peak: A1 3.25, A2 11.25, A3 1.0, A4 3.0, Z1 1.525, P1 0.5, P2 3.25
        ("ALT or AST", "> 3×ULN", {"Drug": (2, 4), "Low dose": (0, 1), "Placebo": (1, 2), "Total": (3, 7)}),
        ("ALT or AST", "> 10×ULN", {"Drug": (1, 4), "Low dose": (0, 1), "Placebo": (0, 2), "Total": (1, 7)}),
        ("Total bilirubin", "> 1.5×ULN", {"Drug": (2, 4), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (3, 6)}),
        ("Total bilirubin", "> 2×ULN", {"Drug": (1, 4), "Low dose": (0, 0), "Placebo": (1, 2), "Total": (2, 6)}),
        ("ALP", "> 2×ULN", {"Drug": (1, 3), "Low dose": (0, 0), "Placebo": (0, 0), "Total": (1, 3)}),  # A2
        # Hy's law, ≥: A1 (3.25, 2.5) on days 8 and 29, not concurrent, counts; A4 (3.0, 2.0) at the limits counts;
        # A2 (11.25, 1.5) and P1 (0.5, 2.25) do not. Z1 has no bilirubin, so is not in N.
        ("Potential Hy's law", "ALT or AST ≥ 3×ULN and total bilirubin ≥ 2×ULN",
         {"Drug": (2, 4), "Low dose": (0, 0), "Placebo": (0, 2), "Total": (2, 6)}),
    ],
)  # fmt: skip
def test_liver_tests_beyond_multiples_of_uln_and_potential_hys_law(
    results: AnalysisResults, test: str, criterion: str, expected: dict[str, tuple[int, int]]
) -> None:
    assert cells(results, "lab_liver", test=test, criterion=criterion) == expected


def test_the_liver_peaks_are_the_figures_points(results: AnalysisResults) -> None:
    peaks = {r.subject_id: (r.arm, r.alt, r.bilirubin) for r in results["listing_liver_peaks"].rows}
    assert peaks["A1"] == ("Drug", 3.25, 2.5)
    assert peaks["A4"] == ("Drug", 3.0, 2.0)
    assert peaks["P2"] == ("Placebo", None, 0.5)
    assert "A5" not in peaks and "Z2" not in peaks


def test_the_listing_shows_each_value_meeting_a_criterion_once_with_every_criterion_met(
    results: AnalysisResults,
) -> None:
    # ALT > 3×ULN: A1 130 (3.25), A2 250 (6.25); A4 120 is 3.0, not beyond. HGB < 105 or grade ≥ 2: P2 100 (grade
    # 2: both), P3 100 (no range, the absolute limit still applies), Z1 100; A3's 90 is a derived record.
    listed = [(r.subject_id, r.parameter, r.value, r.times_uln, r.criterion)
              for r in results["listing_lab_significant"].rows]  # fmt: skip
    assert listed == [
        ("A1", "ALT", 130.0, 3.25, "> 3×ULN"),
        ("A2", "ALT", 250.0, 6.25, "> 3×ULN"),
        ("P2", "HGB", 100.0, 0.625, "< 105 g/L; grade ≥ 2"),
        ("P3", "HGB", 100.0, None, "< 105 g/L"),
        ("Z1", "HGB", 100.0, 0.625, "< 105 g/L"),
    ]
    assert results["listing_lab_significant"].rows[0].arm == "Drug"


def test_without_criteria_the_listing_shows_ctcae_grade_3_or_more_and_the_liver_thresholds() -> None:
    rows = [*lab_frame().to_dict("records")]
    frame = lab_frame([*[{k: v for k, v in r.items() if k != "bnrind"} for r in rows],
                       record("A3", "HGB", 29, 70, atoxgr=3.0)])  # fmt: skip
    results = build_analysis(replace(lab_trial(), labs=frame))
    listed = [(r.subject_id, r.parameter, r.value, r.grade, r.criterion)
              for r in results["listing_lab_significant"].rows]  # fmt: skip
    # The peaks above: ALT > 3×ULN A1 3.25, A2 6.25 (A4's 3.0 is not beyond); AST > 3×ULN A2 11.25, P2 3.25;
    # bilirubin > 2×ULN A1 2.5, P1 2.25 (A4's 2.0 is not beyond); HGB grade ≥ 3 A3 (P2's grade 2 is below it).
    assert listed == [
        ("A1", "ALT", 130.0, None, "> 3×ULN"), ("A1", "BILI", 50.0, None, "> 2×ULN"),
        ("A2", "ALT", 250.0, None, "> 3×ULN"), ("A2", "AST", 450.0, None, "> 3×ULN"),
        ("A3", "HGB", 70.0, 3, "grade ≥ 3"), ("P1", "BILI", 45.0, None, "> 2×ULN"),
        ("P2", "AST", 130.0, None, "> 3×ULN"),
    ]  # fmt: skip
    notes = " ".join(results["listing_lab_significant"].footnotes)
    assert "none declared in trial.toml" in notes and "liver injury guidance" in notes


def test_anl01fl_chooses_the_records_where_the_data_carry_it() -> None:
    """With ANL01FL in the data, only flagged records count, derived ones included: A3's LOCF 90 (flagged) makes A3
    low; A1's unflagged 110 leaves A1 with no low value."""
    frame = lab_frame()
    frame["anl01fl"] = (frame["ontrtfl"] | frame["dtype"].notna()) & ~(
        (frame["subject_id"] == "A1") & (frame["aval"] == 110)
    )
    results = build_analysis(replace(lab_trial(), labs=frame))
    low = cells(results, "lab_categories", parameter="HGB", category="LOW")
    assert low["Drug"] == (2, 4)  # A2 and A3 (was A1 and A2)
    assert "flagged ANL01FL = Y (as the data flag them)" in results["lab_categories"].footnotes[0]


def test_the_open_edition_pools_every_arm_into_the_total() -> None:
    results = build_analysis(remove_arm_assignment(lab_trial(labs=CRITERIA)), comparative=False)
    assert cells(results, "lab_categories", parameter="HGB", category="LOW") == {
        "All participants": (4, 7), "Total": (4, 7)
    }  # fmt: skip
    assert "lab_shift_test" not in results.tables
    assert {r.arm for r in results["listing_lab_significant"].rows} == {"All participants"}


def test_no_laboratory_data_is_said_not_collected_and_gives_no_rows() -> None:
    results = build_analysis(replace(lab_trial(), labs=None))
    for name in ("lab_categories", "lab_shift_low", "lab_liver", "listing_lab_significant"):
        assert results[name].rows == ()
        assert results[name].footnotes[0] == NO_LABS


@pytest.mark.parametrize(
    ("labs", "message"),
    [
        ({"records": "ANL02FL"}, "records is 'ANL02FL'"),
        ({"criteria": [{"parameter": "ALT"}]}, r"criteria \(entry 1, ALT\) has no limit"),
        ({"criteria": [{"above": 3}]}, r"criteria \(entry 1\) names no parameter"),
    ],
)
def test_lab_rules_refuse_what_the_analysis_cannot_use(labs: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message) as error:
        read_lab_rules({"labs": labs})
    assert error.value.file == "trial.toml"


@pytest.mark.parametrize(
    ("labs", "message", "column"),
    [
        ({"records": "ANL01FL"}, "records names ANL01FL, which no laboratory record carries", "labs.records"),
        ({"criteria": [{"parameter": "CREAT", "above_uln": 2}]},
         r"criteria \(entry 1\): parameter 'CREAT' is in no laboratory record", "labs.criteria.parameter"),
    ],
)  # fmt: skip
def test_lab_rules_must_name_what_the_data_hold(labs: dict[str, object], message: str, column: str) -> None:
    with pytest.raises(DataError, match=message) as error:
        check_lab_references({"labs": labs}, lab_frame())
    assert error.value.column == column
    check_lab_references({"labs": labs}, None)  # without laboratory data, nothing to check
    vitals = lab_frame().assign(domain="VS")
    check_lab_references({"labs": labs}, vitals)  # nor with vital signs only


def test_ard_groups_shifts_by_parameter_and_baseline_category_and_names_the_shift_each_test_tests(
    results: AnalysisResults,
) -> None:
    from service.ard import build_ard

    ard = build_ard(results)
    # HGB worst low, Drug, baseline NORMAL -> LOW: A1 of A1 and A3 (above).
    shift = {a.stat_name: a.stat for a in ard if a.analysis == "lab_shift_low" and a.group1_level == "Drug"
             and a.group2_level == "HGB" and a.group3 == "BNRIND" and a.group3_level == "NORMAL"
             and a.variable == "ANRIND" and a.variable_level == "LOW"}  # fmt: skip
    assert shift == {"n": 1, "N": 2, "p": 0.5}
    test = {a.stat_name: a.stat for a in ard if a.analysis == "lab_shift_test" and a.context == "cmh"
            and a.group2_level == "HGB" and a.variable_level == "worst high"}  # fmt: skip
    assert test["statistic"] == pytest.approx(1.5)
    assert test["df"] == 1
    liver = [a for a in ard if a.analysis == "lab_liver" and a.group2_level == "HYSLAW" and a.group1_level == "Total"]
    assert {a.stat_name: a.stat for a in liver} == {"n": 2, "N": 6, "p": pytest.approx(1 / 3)}
    assert liver[0].variable == "R2ANRHI"


@pytest.mark.parametrize(
    ("labs", "column", "message"),
    [
        ({"critera": []}, "labs.critera", "unknown key 'critera' in [labs]; did you mean 'criteria'?"),
        ({"records": "ANL02FL"}, "labs.records", "records"),
        ({"criteria": [{"parameter": "ALT", "grade": 7}]}, "labs.criteria.grade", "grade"),
        ({"criteria": [{"parameter": "ALT", "above_uln": 0}]}, "labs.criteria.above_uln", "above_uln"),
        ({"liver": {"ggt": "GGT"}}, "labs.liver.ggt", "unknown key 'ggt'"),
    ],
)
def test_trial_toml_labs_keys_are_read_strictly(labs: dict[str, object], column: str, message: str) -> None:
    from service.importing.definition import check_definition_keys

    with pytest.raises(DataError) as error:
        check_definition_keys({"labs": labs})
    assert message in error.value.problem
    assert error.value.column == column
