"""Clinically notable vital signs and weight change, against hand counts; [vitals] read and refused as written."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import DataError
from service.labs.records import load_records
from service.labs.visit_rows import NotableRow, WeightRow
from service.labs.vitals import summarise_notable, summarise_weight
from service.labs.vitals_options import DEFAULT_CRITERIA, read_vitals_options
from service.safety.population import derive_safety_set
from tests.labs.fixture import record, trial


def vs(subject: str, code: str, visit: str, value: float, base: float | None = None, **more: Any) -> dict[str, Any]:
    return record(subject, code, visit, value, base=base, domain="VS", **more)


def notable(records: list[dict[str, Any]], raw: dict[str, Any] | None = None) -> tuple[list[NotableRow], tuple]:
    data = trial(records, raw=raw)
    options = read_vitals_options(data.definition.raw)
    found, absent = summarise_notable(load_records(data.labs, derive_safety_set(data), "VS", options), options)
    return list(found), absent


def count(found: list[NotableRow], criterion: str, arm: str, timepoint: str = "") -> tuple[int, int]:
    (row,) = [r for r in found if (r.criterion, r.arm, r.timepoint) == (criterion, arm, timepoint)]
    return row.n, row.n_evaluable


SYSBP = [
    # D1: baseline 120, later 150 (+30) and 118 (-2): > 140 and an increase >= 20.
    vs("D1", "SYSBP", "Baseline", 120), vs("D1", "SYSBP", "Day 29", 150, 120), vs("D1", "SYSBP", "Day 85", 118, 120),
    # D3: baseline 130, later 105 (-25): a decrease >= 20.
    vs("D3", "SYSBP", "Baseline", 130), vs("D3", "SYSBP", "Day 29", 105, 130),
    # D2: baseline 180 only: not evaluable, though above 140 at baseline.
    vs("D2", "SYSBP", "Baseline", 180),
    # P1: baseline 88 (below 90 at baseline only), later 95: evaluable, meets nothing.
    vs("P1", "SYSBP", "Baseline", 88), vs("P1", "SYSBP", "Day 29", 95, 88),
]  # fmt: skip


def test_notable_counts_match_the_hand_count_with_the_default_criteria() -> None:
    found, absent = notable(SYSBP)
    assert count(found, "> 140", "Drug") == (1, 2)
    assert count(found, "> 140", "Placebo") == (0, 1)
    assert count(found, "> 140", "Total") == (1, 3)
    assert count(found, "< 90", "Total") == (0, 3)  # P1's 88 was at baseline
    assert count(found, "Increase ≥ 20 from baseline", "Drug") == (1, 2)
    assert count(found, "Decrease ≥ 20 from baseline", "Drug") == (1, 2)
    assert count(found, "> 160", "Total") == (0, 3)
    assert next(r for r in found if (r.criterion, r.arm) == ("> 140", "Drug")).percent == 50.0
    assert absent == ("DIABP", "PULSE")  # the defaults name them; the data have none


def test_a_limit_itself_is_not_above_it_and_a_change_equal_to_the_limit_meets_it() -> None:
    found, _ = notable([vs("D1", "SYSBP", "Baseline", 120), vs("D1", "SYSBP", "Day 29", 140, 120)])
    assert count(found, "> 140", "Drug") == (0, 1)
    assert count(found, "Increase ≥ 20 from baseline", "Drug") == (1, 1)


def test_each_position_is_counted_apart() -> None:
    found, _ = notable([vs("D1", "SYSBP", "Baseline", 120, position="SUPINE"),
                        vs("D1", "SYSBP", "Day 29", 150, 120, position="SUPINE"),
                        vs("D1", "SYSBP", "Baseline", 120, position="STANDING"),
                        vs("D1", "SYSBP", "Day 29", 125, 120, position="STANDING")])  # fmt: skip
    assert count(found, "> 140", "Drug", "SUPINE") == (1, 1)
    assert count(found, "> 140", "Drug", "STANDING") == (0, 1)


def test_heart_rate_coded_hr_takes_the_default_pulse_criteria() -> None:
    found, _ = notable([vs("D1", "HR", "Baseline", 70), vs("D1", "HR", "Day 29", 125, 70)])
    assert count(found, "> 120", "Drug") == (1, 1)
    assert count(found, "Increase ≥ 20 from baseline", "Drug") == (1, 1)


def test_declared_criteria_replace_the_defaults() -> None:
    raw = {"vitals": {"criteria": [{"parameter": "SYSBP", "above": [145], "decrease": [30]}]}}
    found, absent = notable(SYSBP, raw)
    assert sorted({r.criterion for r in found}) == ["> 145", "Decrease ≥ 30 from baseline"]
    assert count(found, "> 145", "Total") == (1, 3)
    assert count(found, "Decrease ≥ 30 from baseline", "Total") == (0, 3)  # D3 fell 25
    assert absent == ()


def test_the_defaults_cover_blood_pressure_and_pulse() -> None:
    assert {c.parameter for c in DEFAULT_CRITERIA} == {"SYSBP", "DIABP", "PULSE"}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"criteria": [{"above": [140]}]}, "trial.toml, column vitals.criteria.parameter: [[vitals.criteria]] entry 1 "
                                           "names no parameter"),
        ({"criteria": [{"parameter": "SYSBP", "above": [140]}, {"parameter": "SYSBP", "below": [90]}]},
         "trial.toml, column vitals.criteria.parameter: [[vitals.criteria]] names SYSBP twice"),
        ({"criteria": [{"parameter": "SYSBP"}]},
         "trial.toml, column vitals.criteria: [[vitals.criteria]] entry for SYSBP has no criterion"),
    ],
)  # fmt: skip
def test_criteria_that_say_nothing_are_refused(section: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError) as error:
        read_vitals_options({"vitals": section})
    assert error.value.message.splitlines()[0] == message


def test_a_vitals_key_of_the_wrong_kind_is_refused_when_the_definition_is_read() -> None:
    from service.importing.definition_schema import TRIAL_TOML
    from service.strictkeys import find_problem

    problem = find_problem({"vitals": {"criteria": [{"parameter": "SYSBP", "above": 140}]}}, TRIAL_TOML)
    assert problem is not None and problem.path == "vitals.criteria.above"


def weight(records: list[dict[str, Any]], raw: dict[str, Any] | None = None) -> list[WeightRow]:
    data = trial(records, raw=raw)
    options = read_vitals_options(data.definition.raw)
    return list(summarise_weight(load_records(data.labs, derive_safety_set(data), "VS", options), options))


WEIGHTS = [
    # D1: 100 -> 95 (Day 29) -> 88 (Day 85, the last on treatment): -12%.
    vs("D1", "WEIGHT", "Baseline", 100), vs("D1", "WEIGHT", "Day 29", 95, 100), vs("D1", "WEIGHT", "Day 85", 88, 100),
    # D3: 80 -> 84.8: +6%; a later off-treatment 100 does not count.
    vs("D3", "WEIGHT", "Baseline", 80), vs("D3", "WEIGHT", "Day 29", 84.8, 80),
    {**vs("D3", "WEIGHT", "Day 85", 100, 80), "ontrtfl": False},
    # P1: 60 -> 57.3: -4.5%, no category. P2: baseline only, not evaluable.
    vs("P1", "WEIGHT", "Baseline", 60), vs("P1", "WEIGHT", "Day 29", 57.3, 60), vs("P2", "WEIGHT", "Baseline", 70),
]  # fmt: skip


def test_weight_categories_match_the_hand_count() -> None:
    found = {(r.category, r.arm): (r.n, r.n_evaluable) for r in weight(WEIGHTS)}
    assert found[("Decrease ≥ 5%", "Drug")] == (1, 2)  # D1
    assert found[("Decrease ≥ 10%", "Drug")] == (1, 2)  # D1 again: cumulative
    assert found[("Increase ≥ 5%", "Drug")] == (1, 2)  # D3 at +6%, not its off-treatment 100
    assert found[("Increase ≥ 10%", "Drug")] == (0, 2)
    assert found[("Decrease ≥ 5%", "Placebo")] == (0, 1)  # P1 at -4.5%
    assert found[("Decrease ≥ 5%", "Total")] == (1, 3)


def test_weight_categories_follow_the_declared_percentages() -> None:
    found = {r.category for r in weight(WEIGHTS, {"vitals": {"weight_percent": [7, 15]}})}
    assert found == {"Decrease ≥ 7%", "Decrease ≥ 15%", "Increase ≥ 7%", "Increase ≥ 15%"}


def test_without_a_weight_parameter_there_are_no_weight_rows() -> None:
    assert weight(SYSBP) == []
