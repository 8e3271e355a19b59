"""Value and change from baseline by visit, against hand computation on the fixture (tests/labs/fixture.py)."""

from __future__ import annotations

from typing import Any

import pytest

from service.labs.by_visit import summarise_by_visit
from service.labs.records import load_records
from service.labs.visit_rows import VisitSummaryRow
from service.labs.vitals_options import VitalsOptions
from service.safety.population import derive_safety_set
from tests.labs.fixture import record, trial


def rows(records: list[dict[str, Any]], domain: str = "LB", options: VitalsOptions | None = None
         ) -> tuple[list[VisitSummaryRow], int]:  # fmt: skip
    data = trial(records)
    found, set_aside = summarise_by_visit(load_records(data.labs, derive_safety_set(data), domain, options), domain)
    return list(found), set_aside


def cell(found: list[VisitSummaryRow], visit: str, statistic: str, arm: str, timepoint: str = "") -> VisitSummaryRow:
    (row,) = [r for r in found if (r.visit, r.statistic, r.arm, r.timepoint) == (visit, statistic, arm, timepoint)]
    return row


ALT = [
    record("D1", "ALT", "Baseline", 10), record("D1", "ALT", "Day 29", 14, base=10),
    record("D2", "ALT", "Baseline", 20),
    record("D3", "ALT", "Baseline", 30), record("D3", "ALT", "Day 29", 42, base=30),
    record("P1", "ALT", "Baseline", 5), record("P1", "ALT", "Day 29", 8, base=5),
    record("X1", "ALT", "Baseline", 100), record("X1", "ALT", "Day 29", 100, base=100),  # not in the safety set
]  # fmt: skip


def test_value_and_change_statistics_match_the_hand_computation() -> None:
    found, _ = rows(ALT)
    # Baseline, Drug: 10, 20, 30 -> n 3, mean 20, SD sqrt(((-10)^2 + 0 + 10^2) / 2) = 10, median 20, 10-30.
    assert cell(found, "Baseline", "value", "Drug") == VisitSummaryRow(
        "LB", "ALT", "ALT", "", "Baseline", 0.0, "value", "Drug", 3, 20.0, 10.0, 20.0, 10.0, 30.0
    )
    # Baseline, Total: 10, 20, 30, 5 -> mean 16.25; SD sqrt((6.25^2 + 3.75^2 + 13.75^2 + 11.25^2) / 3)
    # = sqrt(368.75 / 3) = 11.0868; median (10 + 20) / 2 = 15. X1 (never dosed) is not counted.
    total = cell(found, "Baseline", "value", "Total")
    assert (total.n, total.mean, total.median, total.minimum, total.maximum) == (4, 16.25, 15.0, 5.0, 30.0)
    assert total.sd == pytest.approx((368.75 / 3) ** 0.5)
    # Day 29 change, Drug: 4 and 12 -> mean 8, SD sqrt((16 + 16) / 1) = 5.6569, median 8, 4-12.
    change = cell(found, "Day 29", "change", "Drug")
    assert (change.n, change.mean, change.median, change.minimum, change.maximum) == (2, 8.0, 8.0, 4.0, 12.0)
    assert change.sd == pytest.approx(32**0.5)
    # Placebo, one value: no SD.
    assert cell(found, "Day 29", "change", "Placebo").sd is None
    assert cell(found, "Day 29", "change", "Placebo").mean == 3.0


def test_the_baseline_visit_shows_the_value_only_and_visits_follow_avisitn() -> None:
    found, _ = rows(list(reversed(ALT)))
    assert [(r.visit, r.statistic) for r in found if r.arm == "Total"] == [
        ("Baseline", "value"), ("Day 29", "value"), ("Day 29", "change")
    ]  # fmt: skip


def test_an_arm_without_a_value_at_a_visit_has_n_zero_and_no_statistics() -> None:
    found, _ = rows([record("D1", "ALT", "Baseline", 10), record("P1", "ALT", "Baseline", 5),
                     record("D1", "ALT", "Day 29", 12, base=10)])  # fmt: skip
    empty = cell(found, "Day 29", "value", "Placebo")
    assert (empty.n, empty.mean, empty.sd, empty.median) == (0, None, None, None)


def test_derived_records_are_not_counted() -> None:
    found, _ = rows([*ALT, record("P1", "ALT", "Day 85", 8, base=5, dtype="LOCF")])
    assert not [r for r in found if r.visit == "Day 85"]


def test_analysis_records_are_those_flagged_anl01fl_where_the_dataset_flags_them() -> None:
    # Two Day 29 records of D1: the flagged one (14) counts, the other (99) does not.
    flagged = [record("D1", "ALT", "Baseline", 10, anl01fl=True),
               record("D1", "ALT", "Day 29", 14, base=10, anl01fl=True),
               record("D1", "ALT", "Day 29", 99, base=10, anl01fl=False)]  # fmt: skip
    found, set_aside = rows(flagged)
    assert cell(found, "Day 29", "value", "Drug").mean == 14.0
    assert set_aside == 0


def test_a_repeat_at_a_visit_counts_once_with_the_later_record() -> None:
    repeat = record("D1", "ALT", "Day 29", 16, base=10)
    repeat["adt"] = repeat["adt"] + __import__("pandas").Timedelta(days=2)
    found, set_aside = rows([*ALT, repeat])
    # Drug Day 29: D1's later 16 and D3's 42 -> mean 29, n 2.
    assert (cell(found, "Day 29", "value", "Drug").n, cell(found, "Day 29", "value", "Drug").mean) == (2, 29.0)
    assert set_aside == 1


BP = [
    record("D1", "SYSBP", "Baseline", 120, domain="VS", position="SUPINE"),
    record("D1", "SYSBP", "Baseline", 110, domain="VS", position="STANDING"),
    record("D1", "SYSBP", "Day 29", 130, base=120, domain="VS", position="SUPINE"),
    record("D1", "SYSBP", "Day 29", 100, base=110, domain="VS", position="STANDING"),
    record("D3", "SYSBP", "Baseline", 140, domain="VS", position="SUPINE"),
    record("D3", "SYSBP", "Day 29", 150, base=140, domain="VS", position="SUPINE"),
]


def test_vital_signs_keep_each_position_apart_never_averaged() -> None:
    found, _ = rows(BP, "VS")
    # Supine Day 29, Drug: 130 and 150 -> mean 140; standing: 100 alone. Averaged over positions it would read
    # (130 + 100 + 150) / 3 = 126.7, which no row may show.
    assert cell(found, "Day 29", "value", "Drug", "SUPINE").mean == 140.0
    assert cell(found, "Day 29", "value", "Drug", "STANDING").mean == 100.0
    assert cell(found, "Day 29", "change", "Drug", "STANDING").mean == -10.0
    assert {r.timepoint for r in found} == {"SUPINE", "STANDING"}
    assert not [r for r in found if r.mean is not None and round(r.mean, 1) == 126.7]


def test_a_timepoint_is_shown_with_its_position() -> None:
    found, _ = rows([record("D1", "PULSE", "Baseline", 70, domain="VS", position="SUPINE", tpt="5 MIN")], "VS")
    assert {r.timepoint for r in found} == {"SUPINE, 5 MIN"}


def test_positions_not_chosen_are_left_out_and_counted() -> None:
    data = trial(BP)
    records = load_records(data.labs, derive_safety_set(data), "VS", VitalsOptions(positions=("SUPINE",)))
    found, _ = summarise_by_visit(records, "VS")
    assert {r.timepoint for r in found} == {"SUPINE"}
    assert records.left_out == {"STANDING": 2}


def test_laboratory_and_vital_sign_records_stay_in_their_own_tables() -> None:
    found, _ = rows([*ALT, *BP], "LB")
    assert {r.paramcd for r in found} == {"ALT"}
    found, _ = rows([*ALT, *BP], "VS")
    assert {r.paramcd for r in found} == {"SYSBP"}


def test_no_laboratory_data_gives_no_rows() -> None:
    assert rows([], "LB") == ([], 0)
    assert rows(BP, "LB") == ([], 0)
