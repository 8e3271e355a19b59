"""[monitoring] comparison: which comparison of a three-arm trial is monitored, its information, and α split
between several (Bonferroni, Holm) — boundaries checked against rpact.

The rpact values below come from (rpact 4.x, R 4.x, `apt-get install r-base-core r-cran-rpact`):

    library(rpact)
    # Bonferroni, two comparisons, each at α/2 = 0.025 two-sided, Lan–DeMets O'Brien–Fleming, looks at 0.5 and 1
    getDesignGroupSequential(kMax = 2, alpha = 0.025, sided = 2, typeOfDesign = "asOF",
                             informationRates = c(0.5, 1))$criticalValues    # 3.344619 2.245745
    # the whole α = 0.05 (Holm, once the other comparison is rejected)
    getDesignGroupSequential(kMax = 2, alpha = 0.05, sided = 2, typeOfDesign = "asOF",
                             informationRates = c(0.5, 1))$criticalValues    # 2.962588 1.968596
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from service.analysis import build_analysis
from service.errors import DataError
from service.monitoring.comparison import Target
from service.monitoring.plan import MonitoringPlan, parse_monitoring
from service.monitoring.rows import monitoring_rows
from service.monitoring.targets import monitoring_targets
from service.results import TOTAL, ComparisonRow, MonitoringRow
from tests.monitoring.three_arms import three_arm_trial

RPACT_BONFERRONI = (3.344619, 2.245745)
RPACT_FULL_ALPHA = (2.962588, 1.968596)


def monitored(monitoring: dict[str, Any]) -> tuple[MonitoringRow, ...]:
    return build_analysis(three_arm_trial(monitoring))["monitoring"].rows


def comparison_of(arm: str, control: str) -> ComparisonRow:
    rows = build_analysis(three_arm_trial())["outcome_comparison"].rows
    return next(r for r in rows if (r.arm, r.control) == (arm, control))


def signed_z(row: ComparisonRow) -> float:
    """The two-sided p as a z, positive when the estimate favours the experimental arm (direction = higher)."""
    assert row.p_value is not None and row.estimate is not None
    z = float(stats.norm.isf(row.p_value / 2))
    return z if row.estimate > 0 else -z


@pytest.mark.parametrize("written", ["HIGH vs PBO", "PBO vs HIGH", "High dose vs Placebo", "placebo versus high dose",
                                     "HIGH vs. Placebo"])  # fmt: skip
def test_a_named_pair_is_monitored_whatever_the_order_of_its_words_and_by_code_or_label(written: str) -> None:
    # 12 + 12 participants analysed in the two arms compared, of a maximum of 48: information fraction 0.5.
    (current, planned) = monitored({"comparison": written, "maximum_information": 48, "planned_fractions": [0.5, 1]})
    expected = comparison_of("High dose", "Placebo")
    assert (current.status, current.information_fraction) == ("current", 0.5)
    assert current.observed_z == pytest.approx(signed_z(expected), abs=1e-12)
    assert (current.arm, current.control) == ("High dose", "Placebo")  # the estimate's order, high − placebo
    assert current.estimate == expected.estimate and planned.status == "planned"


def test_the_other_dose_can_be_chosen() -> None:
    (current, _) = monitored({"comparison": "LOW vs PBO", "maximum_information": 48, "planned_fractions": [0.5, 1]})
    assert current.observed_z == pytest.approx(signed_z(comparison_of("Low dose", "Placebo")), abs=1e-12)
    assert (current.arm, current.control) == ("Low dose", "Placebo")


def test_the_trend_counts_every_arm_and_tests_the_slope() -> None:
    # 36 participants in the trend's model (every arm), of 72.
    (current, _) = monitored({"comparison": "trend", "maximum_information": 72, "planned_fractions": [0.5, 1]})
    slope = next(r for r in build_analysis(three_arm_trial())["outcome_comparison"].rows if r.arm == TOTAL)
    assert (current.information_fraction, current.arm, current.control) == (0.5, TOTAL, "")
    assert current.observed_z == pytest.approx(signed_z(slope), abs=1e-12)
    # At t = 0.5 of a two-look O'Brien–Fleming design at α = 0.05 (rpact above): 2.962588.
    assert current.boundary_z == pytest.approx(RPACT_FULL_ALPHA[0], abs=1e-5)


def test_information_reaches_one_with_three_arms() -> None:
    # Before, the trial's 36 participants counted towards a maximum the comparison's 24 could never reach.
    (current,) = monitored({"comparison": "HIGH vs PBO", "maximum_information": 24})
    assert (current.status, current.information_fraction, current.crossed) == ("current", 1.0, "yes")


def test_a_time_to_event_comparison_counts_events() -> None:
    from tests.outcomes.test_sap_methods import DRUG_TIMES, PBO_TIMES, _survival_trial

    data = _survival_trial()
    raw = {**data.definition.raw, "monitoring": {"outcome": "TTE", "maximum_information": 22, "direction": "lower"}}
    (current, *_) = build_analysis(_with_raw(data, raw))["monitoring"].rows
    events = sum(e for _, e in DRUG_TIMES) + sum(e for _, e in PBO_TIMES)  # 5 + 6 = 11 of 22, not 16 participants
    assert events == 11 and current.information_fraction == 0.5


def _with_raw(data: Any, raw: dict[str, Any]) -> Any:
    from dataclasses import replace

    return replace(data, definition=replace(data.definition, raw=raw))


def bonferroni_rows(split: str, p_high: float, p_low: float) -> tuple[MonitoringRow, ...]:
    """Two comparisons at the first of two looks (t = 0.5 each), with these two-sided p-values."""
    plan = parse_monitoring({"outcomes": [{"parameter": "SCORE"}], "monitoring": {
        "outcome": "SCORE", "comparison": ["HIGH vs PBO", "LOW vs PBO"], "alpha_split": split,
        "maximum_information": 48, "planned_fractions": [0.5, 1.0]}})  # fmt: skip
    assert isinstance(plan, MonitoringPlan)
    rows = [
        ComparisonRow(
            "SCORE",
            "Score",
            "primary",
            "Week 12",
            arm,
            "Placebo",
            "ancova",
            "LS mean difference",
            1.0,
            None,
            None,
            p,
            12,
            12,
            "",
        )
        for arm, p in (("High dose", p_high), ("Low dose", p_low))
    ]
    targets = (Target("HIGH vs PBO", "High dose", "Placebo"), Target("LOW vs PBO", "Low dose", "Placebo"))
    return monitoring_rows(plan, rows, date(2021, 6, 1), targets=targets)


def test_bonferroni_gives_each_comparison_its_own_boundaries_at_alpha_over_m() -> None:
    rows = bonferroni_rows("bonferroni", 1e-4, 0.003)  # z 3.891 and 2.968
    assert [(r.arm, r.status) for r in rows] == [("High dose", "current"), ("High dose", "planned"),
                                                 ("Low dose", "current"), ("Low dose", "planned")]  # fmt: skip
    for first, final in ((rows[0], rows[1]), (rows[2], rows[3])):
        assert (first.boundary_z, final.boundary_z) == (pytest.approx(RPACT_BONFERRONI[0], abs=1e-5),
                                                        pytest.approx(RPACT_BONFERRONI[1], abs=1e-5))  # fmt: skip
        assert first.alpha_level == final.alpha_level == 0.025 and final.alpha_spent == pytest.approx(0.025)
    # 2.968 < 3.344619: the low dose does not cross at α/2, though the high dose does.
    assert (rows[0].crossed, rows[2].crossed) == ("yes", "no")


def test_holm_passes_a_rejected_comparisons_alpha_to_the_other_at_that_look() -> None:
    rows = bonferroni_rows("holm", 1e-4, 0.003)
    high, low = rows[0], rows[2]
    assert (high.boundary_z, high.crossed) == (pytest.approx(RPACT_BONFERRONI[0], abs=1e-5), "yes")
    # The high dose rejected at look 1, the low dose is tested again at the whole α: 2.968 ≥ 2.962588.
    assert (low.boundary_z, low.alpha_level, low.crossed) == (pytest.approx(RPACT_FULL_ALPHA[0], abs=1e-5), 0.05,
                                                              "yes")  # fmt: skip
    assert rows[3].boundary_z == pytest.approx(RPACT_FULL_ALPHA[1], abs=1e-5)  # its later look at α too


def test_holm_without_a_rejection_is_bonferroni() -> None:
    holm, bonferroni = bonferroni_rows("holm", 0.01, 0.003), bonferroni_rows("bonferroni", 0.01, 0.003)
    assert [(r.boundary_z, r.crossed, r.alpha_level) for r in holm] == [
        (r.boundary_z, r.crossed, r.alpha_level) for r in bonferroni
    ]


def test_without_the_key_a_two_arm_trial_monitors_its_one_comparison() -> None:
    from tests.monitoring.test_plan import comparison, plan

    rows = monitoring_rows(plan(), [comparison(0.4, 0.01)], date(2020, 6, 1))
    assert {(r.arm, r.control) for r in rows} == {("Active", "Placebo")}


@pytest.mark.parametrize(
    ("monitoring", "message"),
    [
        ({}, "name the monitored comparison: [monitoring] comparison = ..."),
        ({"comparison": "HIGH vs PBX"}, "comparison 'HIGH vs PBX' names unknown arm 'PBX'"),
        ({"comparison": "HIGH vs HIGH"}, "comparison 'HIGH vs HIGH' compares an arm with itself"),
    ],
)
def test_what_the_arms_cannot_resolve_is_refused(monitoring: dict[str, Any], message: str) -> None:
    data = three_arm_trial({"maximum_information": 24, **monitoring})
    plan = parse_monitoring(data.definition.raw)
    assert plan is not None
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace(".", r"\.")) as refused:
        monitoring_targets(plan, data)
    assert refused.value.column == "monitoring.comparison"


THIRD_ARM = '\n[[arms]]\ncode = "HIGH"\nlabel = "High dose"\ntype = "Experimental"\n'
OUTCOME = '\n[[outcomes]]\nparameter = "HBA1C"\ntitle = "HbA1c"\ntype = "primary"\n'


@pytest.mark.parametrize(
    ("section", "column", "message"),
    [
        ("", "monitoring.comparison", "name the monitored comparison: [monitoring] comparison = ..."),
        ('comparison = "HIGH vs PBX"', "monitoring.comparison",
         "comparison 'HIGH vs PBX' names unknown arm 'PBX'"),
        ('comparison = "HIGH vs ACT"', "monitoring.comparison",
         "the monitored outcome compares each arm with the control arm (PBO) only"),
        ('comparison = "trend"', "monitoring.comparison", "needs dose_response = true"),
        ('comparison = "HIGH against PBO"', "monitoring.comparison", "is not 'ARM vs ARM'"),
        ('comparison = ["HIGH vs PBO", "ACT vs PBO"]', "monitoring.alpha_split",
         "2 comparisons are monitored: alpha_split must say how α is split among them"),
        ('comparison = ["HIGH vs PBO", "PBO vs HIGH"]\nalpha_split = "holm"', "monitoring.comparison",
         "comparison 'PBO vs HIGH' is listed twice"),
        ('comparison = "HIGH vs PBO"\nalpha_split = "holm"', "monitoring.alpha_split",
         "alpha_split applies to a list of two or more comparisons"),
        ('comparison = ["HIGH vs PBO", "ACT vs PBO"]\nalpha_split = "sidak"', "monitoring.alpha_split",
         "one of bonferroni, holm"),
        ('comparison = ["HIGH vs PBO", "ACT vs PBO"]\nalpha_split = "holm"\n'
         'maximum_information = { "HIGH vs PBO" = 20 }', "monitoring.maximum_information",
         "maximum_information has no entry for comparison 'ACT vs PBO'"),
    ],
)  # fmt: skip
def test_a_three_arm_plan_that_names_no_or_an_unknown_comparison_is_refused_at_import(  # type: ignore[no-untyped-def]
    run_cli, tiny: Path, section: str, column: str, message: str
) -> None:
    definition = tiny / "trial.toml"
    definition.write_text(definition.read_text() + THIRD_ARM + OUTCOME + "\n[monitoring]\noutcome = \"HBA1C\"\n"
                          + ("" if "maximum_information" in section else "maximum_information = 20\n")
                          + section + "\n")  # fmt: skip
    participants = tiny / "participants.csv"
    participants.write_text(participants.read_text() + "T-06,A,44,M,HIGH,2020-02-03,2020-02-04,2020-04-04,"
                            "completed,,2020-06-30\n")  # fmt: skip
    result = run_cli("import", "tiny", "--source", str(tiny))
    assert result.exit_code == 2, result.stderr
    assert "trial.toml" in result.stderr and column in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    if "unknown arm" in message:
        assert "ACT (Active), PBO (Placebo), HIGH (High dose)" in result.stderr  # the arms that exist
    assert "tiny" not in run_cli("trials").stdout  # nothing was imported


def test_a_named_three_arm_plan_imports(run_cli, tiny: Path) -> None:  # type: ignore[no-untyped-def]
    definition = tiny / "trial.toml"
    definition.write_text(definition.read_text() + THIRD_ARM + OUTCOME + '\n[monitoring]\noutcome = "HBA1C"\n'
                          'maximum_information = 20\ncomparison = ["High dose vs Placebo", "ACT vs PBO"]\n'
                          'alpha_split = "holm"\n')  # fmt: skip
    participants = tiny / "participants.csv"
    participants.write_text(participants.read_text() + "T-06,A,44,M,HIGH,2020-02-03,2020-02-04,2020-04-04,"
                            "completed,,2020-06-30\n")  # fmt: skip
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
