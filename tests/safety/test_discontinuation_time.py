"""Time to discontinuation of study treatment: who is an event and who is censored when, and the Kaplan–Meier
against a hand computation."""

from __future__ import annotations

import math
from datetime import date

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.results import TOTAL
from service.safety.discontinuation_time import derive_discontinuation_time, estimate_at
from service.safety.kaplan_meier import median_time

D = date
FIRST = D(2020, 1, 1)
ARMS = (ArmRecord("DRG", "Drug"), ArmRecord("PBO", "Placebo", is_control=True))
CUTOFF = D(2020, 12, 31)


def person(subject: str, arm: str, status: str, last: date | None, *, reason: str | None = None,
           end: date | None = None) -> ParticipantRecord:  # fmt: skip
    return ParticipantRecord(subject, randomized=True, arm_code=arm, actual_arm_code=arm, first_dose_date=FIRST,
                             last_dose_date=last, safety_population=True, disposition=status,
                             disposition_reason=reason, disposition_date=end)  # fmt: skip


@pytest.mark.parametrize(
    ("status", "last", "end", "expected"),
    [
        ("discontinued", D(2020, 1, 10), D(2020, 2, 1), (10, True)),  # at the last dose: 9 days after day 1
        ("discontinued", None, D(2020, 2, 1), (32, True)),  # no last dose: the disposition date
        ("discontinued", D(2020, 1, 1), None, (1, True)),  # on the day of the first dose: day 1
        ("completed", D(2020, 6, 30), D(2020, 7, 31), (182, False)),  # censored at the last dose
        ("ongoing", D(2020, 3, 1), None, (366, False)),  # censored at the cut-off (2020 is a leap year)
        ("unknown at cut-off", D(2020, 3, 1), None, (61, False)),  # censored at the last dose
        ("completed", None, None, None),  # nothing to place it
        ("discontinued", D(2019, 12, 1), None, None),  # before the first dose
    ],
)
def test_each_participant_is_an_event_or_censored_by_the_rule(status, last, end, expected) -> None:  # type: ignore[no-untyped-def]
    assert derive_discontinuation_time(person("X", "DRG", status, last, end=end), CUTOFF) == expected


# Drug: D1 discontinued (AE) day 10; D2 discontinued (withdrawal) day 20; D3 completed, censored day 20;
#       D4 discontinued (AE) day 30; D5 ongoing, censored at the cut-off 2020-02-09 = day 40.
# Any reason, by hand:   t=10: n=5, d=1 -> S = 4/5 = 0.8
#                        t=20: n=4, d=1, c=1 (the censored are at risk for the event) -> S = 0.8 · 3/4 = 0.6
#                        t=30: n=2, d=1 -> S = 0.6 · 1/2 = 0.3;  t=40: n=1, c=1
#   Greenwood at t=20: 1/(5·4) + 1/(4·3) = 0.05 + 0.08333 = 0.13333; √ = 0.36515, × 1.959964 = 0.71568;
#   log CI low 0.6 · exp(−0.71568) = 0.6 · 0.48886 = 0.2933
#   Median: first S ≤ 0.5 at t=30.
# Adverse event: D2's withdrawal is censored at 20. t=10: n=5, d=1 -> 0.8; t=20: n=4, c=2; t=30: n=2, d=1 ->
#   0.8 · 1/2 = 0.4; median 30.
# Placebo: P1 completed, censored day 40 (last dose 2020-02-09): S stays 1.
DRUG_CUTOFF = D(2020, 2, 9)
PEOPLE = (
    person("D1", "DRG", "discontinued", D(2020, 1, 10), reason="ADVERSE EVENT"),
    person("D2", "DRG", "discontinued", D(2020, 1, 20), reason="WITHDRAWAL BY SUBJECT"),
    person("D3", "DRG", "completed", D(2020, 1, 20)),
    person("D4", "DRG", "discontinued", D(2020, 1, 30), reason="Adverse event"),
    person("D5", "DRG", "ongoing", D(2020, 1, 25)),
    person("P1", "PBO", "completed", D(2020, 2, 9)),
)


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    data = ImportedTrial("km", "bundle", "-", TrialDefinition(arms=ARMS), ARMS, PEOPLE, ())
    return build_analysis(data, data_cutoff=DRUG_CUTOFF)["discontinuation_time"]


def steps(table, curve: str, arm: str):  # type: ignore[no-untyped-def]
    return [r for r in table.rows if r.curve == curve and r.arm == arm]


def test_any_reason_matches_the_hand_computation(table) -> None:  # type: ignore[no-untyped-def]
    rows = steps(table, "Any reason", "Drug")
    assert [(r.time, r.n_at_risk, r.n_events, r.n_censored) for r in rows] == [
        (0, 5, 0, 0), (10, 5, 1, 0), (20, 4, 1, 1), (30, 2, 1, 0), (40, 1, 0, 1)]  # fmt: skip
    assert [r.survival for r in rows] == pytest.approx([1, 0.8, 0.6, 0.3, 0.3])
    assert rows[2].survival_low == pytest.approx(0.6 * math.exp(-1.959964 * math.sqrt(0.05 + 1 / 12)), rel=1e-6)
    assert rows[2].survival_low == pytest.approx(0.2933, abs=1e-4)
    assert median_time(rows) == 30
    assert {r.variable for r in rows} == {"TTDISC"}


def test_for_an_adverse_event_other_reasons_are_censored(table) -> None:  # type: ignore[no-untyped-def]
    rows = steps(table, "Adverse event", "Drug")
    assert [(r.time, r.n_events, r.n_censored) for r in rows] == [(0, 0, 0), (10, 1, 0), (20, 0, 2), (30, 1, 0),
                                                                  (40, 0, 1)]  # fmt: skip
    assert [r.survival for r in rows] == pytest.approx([1, 0.8, 0.8, 0.4, 0.4])


def test_placebo_never_discontinues_and_the_total_pools_both(table) -> None:  # type: ignore[no-untyped-def]
    assert [r.survival for r in steps(table, "Any reason", "Placebo")] == [1.0, 1.0]
    total = steps(table, "Any reason", TOTAL)
    # Six at risk: t=10 5/6; t=20 n=5, d=1 -> 5/6 · 4/5 = 2/3; t=30 n=3 -> 2/3 · 2/3 = 4/9.
    assert [round(r.survival, 6) for r in total if r.n_events] == [round(5 / 6, 6), round(2 / 3, 6), round(4 / 9, 6)]


def test_estimate_at_a_day_between_steps(table) -> None:  # type: ignore[no-untyped-def]
    rows = steps(table, "Any reason", "Drug")
    at = estimate_at(rows, 25)  # the step at 20 holds; at risk at 25: those with times ≥ 25 (D4, D5)
    assert (at.survival, at.n_at_risk) == (pytest.approx(0.6), 2)
    assert estimate_at(rows, 41).n_at_risk == 0


def test_ard_rows_are_steps_by_time_and_the_median(table) -> None:  # type: ignore[no-untyped-def]
    from service.results import AnalysisResults

    results = AnalysisResults("km", None, None, None, ("Drug", "Placebo"), "Placebo", {"discontinuation_time": table})
    ard = [r for r in build_ard(results) if r.group1_level == "Drug" and r.group2_level == "TTDISC"]
    at20 = {r.stat_name: r.stat for r in ard if r.variable == "time" and r.variable_level == "20"}
    assert at20["n.risk"] == 4 and at20["n_events"] == 1 and at20["n_censored"] == 1
    assert at20["estimate"] == pytest.approx(0.6)
    assert {r.context for r in ard} == {"kaplan-meier"} and {r.group2 for r in ard} == {"PARAMCD"}
    assert [r.stat for r in ard if r.variable == "prob" and r.variable_level == "0.5"] == [30]


@pytest.mark.parametrize(
    ("status", "end", "expected"),
    [
        ("discontinued", D(2020, 2, 1), (32, True)),  # at the disposition date: 31 days after day 1
        ("completed", D(2020, 7, 31), (213, False)),  # censored at the completion date
        ("ongoing", None, (366, False)),  # censored at the cut-off
        ("completed", None, None),  # nothing to place it
    ],
)
def test_a_single_administration_counts_time_in_the_study(status, end, expected) -> None:  # type: ignore[no-untyped-def]
    single = person("X", "DRG", status, FIRST, end=end)  # the last dose is the first
    assert derive_discontinuation_time(single, CUTOFF, study_time=True) == expected


def test_a_trial_of_one_infusion_is_titled_and_footnoted_for_the_study() -> None:
    # Two infusions on day 1 only; D1 left the study on 2020-03-01 (day 61), P1 completed on 2020-06-30.
    people = (person("D1", "DRG", "discontinued", FIRST, end=D(2020, 3, 1)),
              person("P1", "PBO", "completed", FIRST, end=D(2020, 6, 30)))  # fmt: skip
    data = ImportedTrial("one", "bundle", "-", TrialDefinition(arms=ARMS), ARMS, people, ())
    table = build_analysis(data, data_cutoff=CUTOFF)["discontinuation_time"]
    assert table.title == "Time to discontinuation of the study"
    assert any("single administration" in note for note in table.footnotes)
    drug = steps(table, "Any reason", "Drug")
    assert [(r.time, r.n_events) for r in drug] == [(0.0, 0), (61.0, 1)]
    assert [(r.time, r.n_censored) for r in steps(table, "Any reason", "Placebo")] == [(0.0, 0), (182.0, 1)]
