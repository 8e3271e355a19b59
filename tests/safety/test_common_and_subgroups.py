"""Common AEs at the threshold's edge, and the AE overview by subgroup, on trials worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.errors import DataError
from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.reports.pooled import remove_arm_assignment
from service.results import TOTAL
from service.safety.common import reaches
from service.safety.subgroups import age_group
from tests.analysis_fixture import ae, hand_trial

D = date
ARMS = (ArmRecord("A", "Arm one"), ArmRecord("B", "Arm two", is_control=True))
GI = "Gastrointestinal disorders"


def treated(subject: str, arm: str, age: float = 40, sex: str = "F") -> ParticipantRecord:
    return ParticipantRecord(
        subject, age=age, sex=sex, randomized=True, arm_code=arm, actual_arm_code=arm,
        first_dose_date=D(2020, 1, 1), safety_population=True, disposition="completed",
    )  # fmt: skip


# Arm one: 20 participants, arm two: 21. Nausea: 1 in arm one (5.0%: exactly 5%, common); Vomiting: 1 in arm two
# (1/21 = 4.76%: not); Diarrhoea: 2 in arm two (9.5%) and 1 in arm one: common, first (3 participants).
PEOPLE = tuple(treated(f"A{i}", "A") for i in range(20)) + tuple(treated(f"B{i}", "B") for i in range(21))
EVENTS = (
    ae("A0", 1, GI, "Nausea", 1, None),
    ae("B0", 1, GI, "Vomiting", 1, None),
    ae("B1", 1, GI, "Diarrhoea", 1, None),
    ae("B2", 1, GI, "Diarrhoea", 1, None),
    ae("A1", 1, GI, "Diarrhoea", 1, None),
)


def trial(**safety: object) -> ImportedTrial:
    raw = {"safety": dict(safety)} if safety else {}
    return ImportedTrial("c", "bundle", "-", TrialDefinition(arms=ARMS, raw=raw), ARMS, PEOPLE, EVENTS)


def terms(results) -> list[str]:  # type: ignore[no-untyped-def]
    return list(dict.fromkeys(r.pt for r in results["ae_common"].rows))


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (5, ["Diarrhoea", "Nausea"]),  # 1/20 = 5% exactly reaches 5; 1/21 does not
        (4.7, ["Diarrhoea", "Nausea", "Vomiting"]),  # 1/21 = 4.76% reaches 4.7
        (5.01, ["Diarrhoea"]),  # 2/21 = 9.52%; 1/20 no longer
        (10, []),  # nothing reaches 10%
    ],
)
def test_a_term_is_common_when_some_arm_reaches_the_threshold(percent: float, expected: list[str]) -> None:
    results = build_analysis(trial(common_ae_percent=percent))
    assert terms(results) == expected
    assert f"at least {percent:g}%" in results["ae_common"].title


def test_common_rows_give_n_and_percent_per_arm_and_no_comparison() -> None:
    rows = {(r.pt, r.arm): r for r in build_analysis(trial())["ae_common"].rows}
    nausea_two = rows[("Nausea", "Arm two")]
    assert (nausea_two.n_subjects, nausea_two.n_at_risk, nausea_two.percent) == (0, 21, 0.0)
    assert (rows[("Diarrhoea", TOTAL)].n_subjects, rows[("Diarrhoea", TOTAL)].percent) == (3, 7.3)  # 3/41
    assert all(r.p_value is None and r.risk_diff is None for r in rows.values())


def test_the_exact_comparison_does_not_round() -> None:
    assert reaches(1, 20, 5) and not reaches(1, 21, 5) and reaches(1, 3, 33.3) and not reaches(1, 3, 33.34)


def test_pooled_the_threshold_is_of_all_participants() -> None:
    # Pooled: Diarrhoea 3/41 = 7.3% reaches 5; Nausea 1/41 = 2.4% no longer does.
    results = build_analysis(remove_arm_assignment(trial()), comparative=False)
    assert terms(results) == ["Diarrhoea"]
    assert "of all participants (the arms pooled)" in " ".join(results["ae_common"].footnotes)


@pytest.mark.parametrize("value", [0, 101, "5", True])
def test_a_threshold_out_of_range_is_refused(value: object) -> None:
    with pytest.raises(DataError, match="common_ae_percent is"):
        build_analysis(trial(common_ae_percent=value))


# The hand trial (tests/analysis_fixture.py): safety population A1 F 20, A2 M 30, A3 F 40, A4 M 70 (Drug);
# Z1 F 50, Z2 M 60 (Low dose); P1 F 25, P2 M 35, P3 F 45 (Placebo). TEAEs: A1, A2, A3 (A4's is not emergent),
# P1. Sex F: Drug A1, A3 -> 2 of 2 with any TEAE; Low dose Z1 -> 0 of 1; Placebo P1, P3 -> 1 of 2 (P1).
# Age cut at 65: < 65 everyone but A4; Drug < 65: A1, A2, A3, all three with a TEAE; ≥ 65: A4, none.
def overview(results, variable: str, level: str, category: str = "Any TEAE") -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {r.arm: (r.n_subjects, r.n_at_risk) for r in results["ae_subgroups"].rows
            if r.variable == variable and r.subgroup == level and r.category == category}  # fmt: skip


def test_the_overview_is_counted_within_each_subgroup_level() -> None:
    results = build_analysis(hand_trial(safety={"subgroups": ["SEX", "AGE"]}))
    assert overview(results, "SEX", "F") == {"Drug": (2, 2), "Low dose": (0, 1), "Placebo": (1, 2), TOTAL: (3, 5)}
    assert overview(results, "SEX", "M") == {"Drug": (1, 2), "Low dose": (0, 1), "Placebo": (0, 1), TOTAL: (1, 4)}
    assert overview(results, "AGE", "< 65") == {"Drug": (3, 3), "Low dose": (0, 2), "Placebo": (1, 3),
                                                TOTAL: (4, 8)}  # fmt: skip
    assert overview(results, "AGE", "≥ 65") == {"Drug": (0, 1), "Low dose": (0, 0), "Placebo": (0, 0), TOTAL: (0, 1)}
    # Z2 (Low dose, M, 60) died.
    assert overview(results, "SEX", "M", "Deaths (any cause)")["Low dose"] == (1, 1)
    assert [r.subgroup for r in results["ae_subgroups"].rows if r.arm == TOTAL and r.category == "Any TEAE"] == [
        "F", "M", "< 65", "≥ 65"]  # fmt: skip


def test_a_declared_variable_is_read_from_the_participant_and_missing_is_not_collected() -> None:
    from dataclasses import replace

    data = hand_trial(safety={"subgroups": ["AGEGR1"]})
    people = tuple(p._replace(variables={"AGEGR1": "<40" if (p.age or 0) < 40 else ">=40", "AGEGR1N": 1 if
                                         (p.age or 0) < 40 else 2} if p.subject_id != "P3" else None)
                   for p in data.participants)  # fmt: skip
    results = build_analysis(replace(data, participants=people))
    levels = list(dict.fromkeys(r.subgroup for r in results["ae_subgroups"].rows))
    assert levels == ["<40", ">=40", "Not collected"]  # by AGEGR1N, then not collected
    assert overview(results, "AGEGR1", "Not collected")[TOTAL] == (0, 1)  # P3


def test_age_groups_at_the_declared_cuts() -> None:
    assert [age_group(a, (18, 65)) for a in (17.9, 18, 64, 65, None)] == [
        "< 18", "18 to < 65", "18 to < 65", "≥ 65", "Not collected"]  # fmt: skip


@pytest.mark.parametrize(("safety", "match"), [
    ({"subgroups": ["TRT01A"]}, "the treatment assignment"),
    ({"subgroups": "SEX"}, "subgroups must be a list"),
    ({"subgroups": ["AGE"], "age_groups": [65, 18]}, "age_groups is"),
])  # fmt: skip
def test_bad_subgroup_declarations_are_refused(safety: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(DataError, match=match):
        build_analysis(hand_trial(safety=safety))


def test_no_subgroups_declared_no_table() -> None:
    assert "ae_subgroups" not in build_analysis(hand_trial()).tables


def test_subgroup_ard_rows_put_the_variable_in_group2() -> None:
    ard = [r for r in build_ard(build_analysis(hand_trial(safety={"subgroups": ["SEX"]})))
           if r.analysis == "ae_subgroups" and r.group1_level == "Drug" and r.group2_level == "F"
           and r.variable_level == "Any TEAE"]  # fmt: skip
    assert {r.group2 for r in ard} == {"SEX"}
    assert {r.stat_name: r.stat for r in ard} == {"n": 2, "N": 2, "p": 1.0, "n_events": 4}  # A1 two, A3 two
