"""Missing laboratory data by visit, against hand computation on the fixture (tests/labs/fixture.py): D2 ended on
2020-01-20, study day 20, so is not expected at Day 29 (study day 29) or later; everyone else is on study to July."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.labs.missing import summarise_missing
from service.labs.records import load_records
from service.labs.visit_rows import MissingRow
from service.safety.population import derive_safety_set
from tests.labs.fixture import record, trial


def missing(records: list[dict[str, Any]], cutoff: date | None = date(2020, 12, 31)) -> list[MissingRow]:
    data = trial(records, cutoff=cutoff)
    safety = derive_safety_set(data)
    return list(summarise_missing(load_records(data.labs, safety, "LB"), safety, cutoff))


def counts(found: list[MissingRow], paramcd: str, visit: str) -> dict[str, tuple[int, int]]:
    return {r.arm: (r.n_missing, r.n_expected) for r in found if (r.paramcd, r.visit) == (paramcd, visit)}


RECORDS = [
    record("D1", "ALT", "Baseline", 10), record("D2", "ALT", "Baseline", 20), record("D3", "ALT", "Baseline", 30),
    record("P1", "ALT", "Baseline", 5),  # P2: no baseline ALT
    record("D1", "ALT", "Day 29", 12, base=10),  # D3, P1, P2 have none; D2 had left
    record("D1", "ALT", "Day 85", 12, base=10), record("P1", "ALT", "Day 85", None, base=5, avalc="<5"),
]  # fmt: skip


def test_expected_and_missing_follow_the_rule_by_hand() -> None:
    found = missing(RECORDS)
    # Baseline: everyone expected (Drug 3, Placebo 2); P2 has no result.
    assert counts(found, "ALT", "Baseline") == {"Drug": (0, 3), "Placebo": (1, 2), "Total": (1, 5)}
    # Day 29: D2 not expected (ended day 20); D3, P1, P2 missing.
    assert counts(found, "ALT", "Day 29") == {"Drug": (1, 2), "Placebo": (2, 2), "Total": (3, 4)}
    # Day 85: P1's character result "<5" is a result; D3 and P2 missing.
    assert counts(found, "ALT", "Day 85") == {"Drug": (1, 2), "Placebo": (1, 2), "Total": (2, 4)}
    total = next(r for r in found if (r.visit, r.arm) == ("Day 29", "Total"))
    assert total.percent == 75.0


def test_a_participant_with_a_result_was_there_whatever_the_dates_say() -> None:
    found = missing([*RECORDS, record("D2", "ALT", "Day 29", 25, base=20)])
    assert counts(found, "ALT", "Day 29")["Drug"] == (1, 3)


def test_the_cutoff_ends_observation_for_those_still_on_study() -> None:
    # Cut-off 2020-02-01 (study day 32): Day 85 is expected of no one who has not a result there.
    found = missing(RECORDS, cutoff=date(2020, 2, 1))
    assert counts(found, "ALT", "Day 85") == {"Drug": (0, 1), "Placebo": (0, 1), "Total": (0, 2)}
    assert counts(found, "ALT", "Day 29")["Total"] == (3, 4)


def test_a_parameter_is_expected_only_at_the_visits_anyone_had_it() -> None:
    found = missing([*RECORDS, record("D1", "HBA1C", "Baseline", 6.5)])
    assert {r.visit for r in found if r.paramcd == "HBA1C"} == {"Baseline"}


def test_unscheduled_visits_are_not_expected_of_anyone() -> None:
    unscheduled = record("D1", "ALT", "Day 29", 11, base=10)
    unscheduled.update(visit="Unscheduled 1", visitnum=1.1)
    found = missing([*RECORDS, unscheduled])
    assert "Unscheduled 1" not in {r.visit for r in found}


def test_missing_is_not_counted_for_participants_outside_the_safety_population() -> None:
    found = missing([*RECORDS, record("X1", "ALT", "Baseline", 7)])
    assert counts(found, "ALT", "Baseline")["Total"] == (1, 5)
