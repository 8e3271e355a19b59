"""Deaths by timing and cause, and the deaths listing, on a small trial worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.results import TOTAL
from service.safety.deaths import derive_death, fatal_events
from tests.analysis_fixture import ae

D = date
ARMS = (ArmRecord("DRG", "Drug"), ArmRecord("PBO", "Placebo", is_control=True))
FIRST, LAST = D(2020, 1, 1), D(2020, 3, 1)


def died(subject: str, arm: str, death: date | None, *, last: date | None = LAST, cause: str | None = None,
         age: float = 50, sex: str = "F") -> ParticipantRecord:  # fmt: skip
    return ParticipantRecord(subject, age=age, sex=sex, randomized=True, arm_code=arm, actual_arm_code=arm,
                             first_dose_date=FIRST, last_dose_date=last, safety_population=True,
                             disposition="discontinued" if death else "completed", death_date=death,
                             death_cause=cause)  # fmt: skip


# Drug N = 5, Placebo N = 3. Window 30 days after the last dose (2020-03-01):
#   D1 dies 2020-03-01: 0 days after -> on treatment; fatal AE "Myocardial infarction" names the cause
#   D2 dies 2020-03-31: 30 days after -> within the window; cause recorded "Stroke", no fatal AE
#   D3 dies 2020-04-01: 31 days after -> later; no cause anywhere -> not collected
#   D4 no death date, fatal AE "Sepsis" without an end, starting 2020-02-10 -> dated by its onset: on treatment
#   D5 alive
#   P1 dies 2020-02-01 but no last dose date -> timing unknown; recorded cause "Stroke"
#   P2 alive; P3 fatal AE with no date at all, no death date -> timing unknown; cause "Sepsis"
PEOPLE = (
    died("D1", "DRG", D(2020, 3, 1)),
    died("D2", "DRG", D(2020, 3, 31), cause="Stroke"),
    died("D3", "DRG", D(2020, 4, 1), age=71, sex="M"),
    died("D4", "DRG", None),
    died("D5", "DRG", None),
    died("P1", "PBO", D(2020, 2, 1), last=None, cause="Stroke"),
    died("P2", "PBO", None),
    died("P3", "PBO", None),
)
EVENTS = (
    ae("D1", 1, "Cardiac disorders", "Myocardial infarction", 5, None, start=D(2020, 2, 28), end_date=D(2020, 3, 1),
       outcome="FATAL"),
    ae("D4", 1, "Infections and infestations", "Sepsis", 5, None, start=D(2020, 2, 10)),
    ae("D4", 2, "Infections and infestations", "Pneumonia", 5, None, start=D(2020, 2, 20)),  # later: not the cause
    ae("P3", 1, "Infections and infestations", "Sepsis", None, None, start=None, outcome="FATAL"),  # type: ignore[arg-type]
)  # fmt: skip


def trial(**raw: object) -> ImportedTrial:
    return ImportedTrial("deaths", "bundle", "-", TrialDefinition(arms=ARMS, raw=dict(raw)), ARMS, PEOPLE, EVENTS)


def counts(results, section: str) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(r.category, r.arm): r.n for r in results["deaths"].rows if r.section == section}


def test_deaths_are_counted_by_their_timing_against_the_last_dose() -> None:
    timing = counts(build_analysis(trial()), "timing")
    assert {k: v for k, v in timing.items() if k[1] == "Drug"} == {
        ("On treatment (first to last dose)", "Drug"): 2,  # D1, D4
        ("Within 30 days after the last dose", "Drug"): 1,  # D2
        ("More than 30 days after the last dose", "Drug"): 1,  # D3
        ("Timing unknown (no date of death or of the last dose)", "Drug"): 0,
    }
    assert timing[("Timing unknown (no date of death or of the last dose)", "Placebo")] == 2  # P1, P3
    assert timing[("On treatment (first to last dose)", TOTAL)] == 2


def test_all_deaths_are_a_percentage_of_the_arm() -> None:
    rows = {r.arm: (r.n, r.n_at_risk, r.percent) for r in build_analysis(trial())["deaths"].rows if r.section == "all"}
    assert rows == {"Drug": (4, 5, 80.0), "Placebo": (2, 3, 66.7), TOTAL: (6, 8, 75.0)}


def test_the_cause_is_the_fatal_aes_term_else_the_recorded_cause_else_not_collected() -> None:
    cause = counts(build_analysis(trial()), "cause")
    # Sepsis: D4 (its earlier fatal AE), P3; Stroke: D2, P1; Myocardial infarction: D1; not collected: D3.
    order = list(dict.fromkeys(category for category, _ in cause))
    assert order == ["Sepsis", "Stroke", "Myocardial infarction", "Not collected"]  # by number, then name; last
    assert cause[("Sepsis", "Drug")] == 1 and cause[("Sepsis", "Placebo")] == 1 and cause[("Sepsis", TOTAL)] == 2
    assert cause[("Not collected", "Drug")] == 1


@pytest.mark.parametrize(
    ("raw", "teae_window", "within", "later"),
    [
        ({"safety": {"death_window_days": 31}}, None, 2, 0),  # D3, 31 days after, is now within
        ({}, 29, 0, 2),  # the TEAE window: D2 (30 days) is later
        ({"safety": {"death_window_days": 30}}, 10, 1, 1),  # the declared window wins
    ],
)
def test_the_window_is_declared_else_the_teae_window_else_30_days(raw, teae_window, within, later) -> None:  # type: ignore[no-untyped-def]
    data = trial(**raw)
    data = replace(data, definition=replace(data.definition, teae_window_days=teae_window))
    results = build_analysis(data)
    window = {r.category: r.n for r in results["deaths"].rows if r.arm == "Drug" and r.section == "timing"}
    days = next(int(c.split()[1]) for c in window if c.startswith("Within"))
    assert (window[f"Within {days} days after the last dose"], window[f"More than {days} days after the last dose"]) \
        == (within, later)  # fmt: skip
    assert any(f"within {days} days after the last dose" in note for note in results["deaths"].footnotes)


def test_a_death_before_the_first_dose_gets_a_row_of_its_own() -> None:
    person = died("X", "DRG", D(2019, 12, 31))
    assert derive_death(person, None, 30).timing == "Before the first dose"  # type: ignore[union-attr]
    data = replace(trial(), participants=(*PEOPLE, person))
    categories = [r.category for r in build_analysis(data)["deaths"].rows if r.arm == TOTAL]
    assert categories[1] == "Before the first dose"


def test_the_listing_gives_age_sex_study_day_and_days_after_the_last_dose() -> None:
    rows = build_analysis(trial())["listing_deaths"].rows
    by = {r.subject_id: r for r in rows}
    # D3: 2020-01-01 to 2020-04-01 is 91 days: study day 92; 2020-03-01 to 2020-04-01 is 31 days.
    assert (by["D3"].age, by["D3"].sex, by["D3"].study_day, by["D3"].days_after_last_dose) == (71, "M", 92, 31)
    assert by["D4"].death_date == D(2020, 2, 10) and by["D4"].cause == "Sepsis"
    assert by["P3"].death_date is None and by["P3"].days_after_last_dose is None
    assert [r.subject_id for r in rows] == ["P1", "D4", "D1", "D2", "D3", "P3"]  # by date, undated last


def test_fatal_events_takes_the_earliest_starting_one() -> None:
    assert fatal_events(EVENTS)["D4"].pt_name == "Sepsis"


def test_ard_rows_name_the_adsl_variables() -> None:
    ard = [r for r in build_ard(build_analysis(trial())) if r.analysis == "deaths" and r.group1_level == "Drug"]
    cells = {(r.variable, r.variable_level, r.stat_name): r.stat for r in ard}
    assert cells[("DTHFL", "Y", "n")] == 4 and cells[("DTHFL", "Y", "N")] == 5 and cells[("DTHFL", "Y", "p")] == 0.8
    assert cells[("LDDTHGR1", "Within 30 days after the last dose", "n")] == 1
    assert cells[("DTHCAUS", "Not collected", "n")] == 1
