"""Overview, maximum severity/grade, registry tables, incidence rates and listings, against hand counts."""

from __future__ import annotations

from datetime import date

import pytest

from service.analysis import build_analysis
from service.errors import DataError
from service.importing.records import AdverseEventRecord, ParticipantRecord
from tests.analysis_fixture import ARMS, EAR, GI, NERV, hand_trial, person, with_events


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return build_analysis(hand_trial(safety={"other_ae_threshold_percent": 5})).tables


OVERVIEW = [
    # (category, arm, participants, events)
    ("Any TEAE", "Drug", 3, 6),
    ("Any TEAE", "Low dose", 0, 0),
    ("Any serious TEAE", "Drug", 1, 1),
    ("Serious TEAE: requires or prolongs hospitalisation", "Total", 1, 1),
    ("Serious TEAE: results in death", "Total", 0, 0),
    ("Any related TEAE", "Drug", 1, 2),  # A2: RELATED, and missing (counted as related)
    ("Any related TEAE", "Placebo", 1, 1),  # P1: POSSIBLY RELATED nausea
    ("Any TEAE of CTCAE grade 3 or higher", "Drug", 1, 1),
    ("TEAE leading to discontinuation of study treatment", "Placebo", 1, 1),
    ("TEAE leading to death", "Total", 0, 0),
    ("Deaths (any cause)", "Low dose", 1, 1),  # Z2 died without any AE
    ("Deaths (any cause)", "Total", 1, 1),
]


@pytest.mark.parametrize(("category", "arm", "n", "events"), OVERVIEW)
def test_overview(tables, category, arm, n, events) -> None:  # type: ignore[no-untyped-def]
    r = next(r for r in tables["ae_overview"].rows if (r.category, r.arm) == (category, arm))
    assert (r.n_subjects, r.n_events) == (n, events)


MAXIMA = [
    # (table, level, soc, pt, arm, category, n)
    ("ae_max_severity", "any", "", "", "Drug", "MILD", 1),  # A3
    ("ae_max_severity", "any", "", "", "Drug", "MODERATE", 1),  # A1: mild then moderate
    ("ae_max_severity", "any", "", "", "Drug", "SEVERE", 1),  # A2: severe, and a missing one
    ("ae_max_severity", "any", "", "", "Drug", "Missing", 0),
    ("ae_max_severity", "pt", GI, "Nausea", "Drug", "Missing", 1),  # A2's only nausea lacks severity
    ("ae_max_severity", "pt", GI, "Nausea", "Placebo", "MODERATE", 1),
    ("ae_max_severity", "any", "", "", "Total", "MODERATE", 2),  # A1 and P1
    ("ae_max_grade", "any", "", "", "Drug", "Grade 1", 1),
    ("ae_max_grade", "any", "", "", "Drug", "Grade 3", 1),
    ("ae_max_grade", "soc", EAR, "", "Drug", "Missing", 1),  # A3's ear dizziness has no grade
    ("ae_max_grade", "soc", NERV, "", "Drug", "Grade 2", 1),
]


@pytest.mark.parametrize(("table", "level", "soc", "pt", "arm", "category", "n"), MAXIMA)
def test_maximum_severity_and_grade(tables, table, level, soc, pt, arm, category, n) -> None:  # type: ignore[no-untyped-def]
    r = next(
        r for r in tables[table].rows if (r.level, r.soc, r.pt, r.arm, r.category) == (level, soc, pt, arm, category)
    )
    assert r.n_subjects == n


def test_each_participant_is_counted_once_in_the_maximum_tables(tables) -> None:  # type: ignore[no-untyped-def]
    for name in ("ae_max_severity", "ae_max_grade"):
        counted = sum(r.n_subjects for r in tables[name].rows if r.level == "any" and r.arm == "Drug")
        assert counted == 3


def test_registry_serious_table(tables) -> None:  # type: ignore[no-untyped-def]
    assert [(r.pt, r.arm, r.n_affected, r.n_at_risk, r.n_events) for r in tables["ae_registry_serious"].rows] == [
        ("Headache", "Drug", 1, 4, 1),
        ("Headache", "Low dose", 0, 2, 0),
        ("Headache", "Placebo", 0, 3, 0),
    ]


def test_registry_other_table_lists_non_serious_events_only(tables) -> None:  # type: ignore[no-untyped-def]
    rows = tables["ae_registry_other"].rows
    headache = {r.arm: (r.n_affected, r.n_events) for r in rows if r.pt == "Headache"}
    assert headache == {"Drug": (1, 2), "Low dose": (0, 0), "Placebo": (1, 1)}  # A2's serious headache is out
    assert sorted({(r.soc, r.pt) for r in rows}) == sorted(
        {(NERV, "Headache"), (NERV, "Dizziness"), (EAR, "Dizziness"), (GI, "Nausea")}
    )


def test_registry_other_threshold_uses_the_exact_proportion() -> None:
    # Drug: 20 treated, 1 with headache = 5.0% (reaches 5%); Placebo: 21 treated, 1 with rash = 4.76% (does not).
    people = [person(f"D{i}", "DRG", 30, "F", date(2020, 1, 1), "completed") for i in range(20)]
    people += [person(f"P{i}", "PBO", 30, "F", date(2020, 1, 1), "completed") for i in range(21)]
    events = (
        AdverseEventRecord("D0", 1, "h", "Headache", NERV, start_date=date(2020, 2, 1), treatment_emergent=True),
        AdverseEventRecord(
            "P0",
            1,
            "r",
            "Rash",
            "Skin and subcutaneous tissue disorders",
            start_date=date(2020, 2, 1),
            treatment_emergent=True,
        ),
    )
    trial = with_events(hand_trial(safety={"other_ae_threshold_percent": 5}), *events)
    trial = type(trial)(**{**trial.__dict__, "participants": tuple(people), "arms": (ARMS[0], ARMS[2])})
    rows = build_analysis(trial)["ae_registry_other"].rows
    assert {r.pt for r in rows} == {"Headache"}


@pytest.mark.parametrize("threshold", [5.5, -1])
def test_registry_threshold_is_0_to_5(threshold: float) -> None:
    with pytest.raises(DataError, match=r"other_ae_threshold_percent is .*\n  The registry threshold"):
        build_analysis(hand_trial(safety={"other_ae_threshold_percent": threshold}))


def test_a_threshold_of_0_lists_every_other_ae(tables) -> None:  # type: ignore[no-untyped-def]
    every = build_analysis(hand_trial(safety={"other_ae_threshold_percent": 0}))
    listed = {r.pt for r in every["ae_registry_other"].rows}
    occurring = {r.pt for r in every["ae_soc_pt"].rows if r.level == "pt" and r.n_subjects}
    serious_only = {r.pt for r in every["ae_registry_serious"].rows} - listed
    assert listed and listed | serious_only >= occurring


def test_registry_mortality(tables) -> None:  # type: ignore[no-untyped-def]
    assert [(r.arm, r.n_deaths, r.n_at_risk) for r in tables["ae_registry_mortality"].rows] == [
        ("Drug", 0, 4),
        ("Low dose", 1, 2),
        ("Placebo", 0, 3),
    ]


def test_exposure_adjusted_rate_worked_by_hand() -> None:
    # S1: first dose 2020-01-01, event on day 10; S2: first dose 2020-01-01, left 2020-07-01 (day 183), no event.
    # Time at risk = 10 + 183 = 193 days = 0.528405 years; 1 participant: 189.25 per 100 participant-years.
    # Exact Poisson 95% limits for 1 event are 0.025318 and 5.571643 (Garwood).
    people = (
        ParticipantRecord(
            "S1",
            randomized=True,
            arm_code="DRG",
            actual_arm_code="DRG",
            first_dose_date=date(2020, 1, 1),
            safety_population=True,
            disposition_date=date(2020, 12, 31),
        ),
        ParticipantRecord(
            "S2",
            randomized=True,
            arm_code="DRG",
            actual_arm_code="DRG",
            first_dose_date=date(2020, 1, 1),
            safety_population=True,
            disposition_date=date(2020, 7, 1),
        ),
    )
    event = AdverseEventRecord("S1", 1, "h", "Headache", NERV, start_date=date(2020, 1, 10), treatment_emergent=True)
    trial = with_events(hand_trial(), event)
    trial = type(trial)(**{**trial.__dict__, "participants": people, "arms": (ARMS[0],)})
    r = next(r for r in build_analysis(trial)["ae_incidence_rates"].rows if r.level == "any" and r.arm == "Drug")
    years = 193 / 365.25
    assert (r.n_subjects, r.person_years) == (1, pytest.approx(years))
    assert r.rate_per_100py == pytest.approx(100 / years)
    assert (r.rate_low, r.rate_high) == (
        pytest.approx(0.025318 * 100 / years, rel=1e-4),
        pytest.approx(5.571643 * 100 / years, rel=1e-6),
    )


def test_listings(tables) -> None:  # type: ignore[no-untyped-def]
    serious = tables["listing_serious"].rows
    assert [(r.subject_id, r.arm, r.pt, r.study_day, r.serious_criteria) for r in serious] == [
        ("A2", "Drug", "Headache", 32, "requires or prolongs hospitalisation")
    ]  # 2020-02-01 is day 32
    assert [(r.subject_id, r.pt) for r in tables["listing_discontinuation"].rows] == [("P1", "Nausea")]
    assert [(r.subject_id, r.arm, r.death_date, r.study_day) for r in tables["listing_deaths"].rows] == [
        ("Z2", "Low dose", date(2020, 5, 1), 91)
    ]  # 2020-02-01 to 2020-05-01 is 90 days: day 91


def test_a_trial_without_any_teae_still_has_every_table_with_zero_rows() -> None:
    results = build_analysis(with_events(hand_trial()))
    any_rows = [(r.arm, r.n_subjects, r.n_events) for r in results["ae_soc_pt"].rows]
    assert any_rows == [("Drug", 0, 0), ("Low dose", 0, 0), ("Placebo", 0, 0), ("Total", 0, 0)]
    assert {(r.category, r.n_subjects) for r in results["ae_max_grade"].rows} == {
        (c, 0) for c in ("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5", "Missing")
    }
    assert [(r.arm, r.n_subjects) for r in results["ae_incidence_rates"].rows] == [
        ("Drug", 0),
        ("Low dose", 0),
        ("Placebo", 0),
        ("Total", 0),
    ]
    assert results["ae_registry_serious"].rows == () and results["ae_registry_other"].rows == ()
    overview = {(r.category, r.arm): r.n_subjects for r in results["ae_overview"].rows}
    assert overview[("Any TEAE", "Total")] == 0 and overview[("Deaths (any cause)", "Low dose")] == 1


def test_registry_group_totals(tables) -> None:  # type: ignore[no-untyped-def]
    # Drug: A2's serious headache; A1 (headaches), A2 (nausea) and A3 (dizziness) have non-serious listed terms.
    # Low dose: Z2 died, no TEAE. Placebo: P1's headache and nausea.
    assert [
        (r.arm, r.n_at_risk, r.n_serious_affected, r.n_other_affected, r.n_deaths)
        for r in tables["ae_registry_groups"].rows
    ] == [("Drug", 4, 1, 3, 0), ("Low dose", 2, 0, 0, 1), ("Placebo", 3, 0, 1, 0)]
