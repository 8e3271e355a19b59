"""Looks held matched to the planned ones: a planned look not held is shown as skipped and its α carried.

rpact (R, `apt-get install r-base-core r-cran-rpact`) for the boundaries when the look at 2/3 was skipped:

    library(rpact)
    getDesignGroupSequential(kMax = 2, alpha = 0.05, sided = 2, typeOfDesign = "asOF",
                             informationRates = c(1/3, 1))$criticalValues        # 3.710303 1.960584
    # as planned, had the look at 2/3 been held:
    getDesignGroupSequential(kMax = 3, alpha = 0.05, sided = 2, typeOfDesign = "asOF",
                             informationRates = c(1/3, 2/3, 1))$criticalValues   # 3.710303 2.511427 1.993047
"""

from __future__ import annotations

from datetime import date

import pytest

from service.monitoring.rows import monitoring_rows
from service.monitoring.schedule import schedule_looks
from service.reports.decision import monitoring_sentence
from tests.monitoring.test_plan import comparison, plan


@pytest.mark.parametrize(
    ("planned", "done", "current", "expected"),
    [
        ([0.5, 1.0], [0.5], 0.75, [("done", 0.5), ("between looks", 0.75), ("planned", 1.0)]),
        ([1 / 3, 2 / 3, 1.0], [1 / 3], 0.97, [("done", 1 / 3), ("skipped", 2 / 3), ("current", 0.97)]),
        ([0.25, 0.5, 0.75, 1.0], [0.26, 0.74], 0.8,
         [("done", 0.26), ("skipped", 0.5), ("done", 0.74), ("between looks", 0.8), ("planned", 1.0)]),
        ([0.25, 0.5, 1.0], [], 0.6, [("skipped", 0.25), ("current", 0.6), ("planned", 1.0)]),
        ([0.5, 1.0], [0.2], None, [("done", 0.2), ("planned", 0.5), ("planned", 1.0)]),  # an extra look
    ],
)  # fmt: skip
def test_a_held_look_takes_the_last_planned_look_it_reaches_and_skips_those_it_passed(
    planned: list[float], done: list[float], current: float | None, expected: list[tuple[str, float]]
) -> None:
    assert [(s.status, s.fraction) for s in schedule_looks(planned, done, current)] == expected


def test_a_skipped_look_spends_no_alpha_and_the_next_spends_the_cumulative_alpha_at_its_information() -> None:
    # Looks planned at 1/3, 2/3 and 1 of 30; held at 10 participants and now at 30: the look at 2/3 was not held.
    thirds = plan(maximum_information=30, planned_fractions=[1 / 3, 2 / 3, 1.0],
                  looks=[{"information_fraction": 1 / 3, "observed_z": 1.1, "date": "2020-03-01"}])  # fmt: skip
    rows = monitoring_rows(thirds, [comparison(0.4, 0.04, 15, 15)], date(2020, 9, 1))
    assert [(r.status, r.information_fraction) for r in rows] == [("done", 1 / 3), ("skipped", 2 / 3),
                                                                  ("current", 1.0)]  # fmt: skip
    done, skipped, current = rows
    assert (done.boundary_z, current.boundary_z) == (pytest.approx(3.710303, abs=1e-5),
                                                     pytest.approx(1.960584, abs=1e-5))  # fmt: skip
    assert current.boundary_z != pytest.approx(1.993047, abs=1e-3)  # not the boundary of the three looks planned
    assert (skipped.boundary_z, skipped.nominal_p, skipped.alpha_spent, skipped.observed_z, skipped.crossed) == (
        None, None, None, None, "")  # fmt: skip
    assert current.alpha_spent == pytest.approx(0.05)
    sentence = monitoring_sentence(rows)
    assert sentence is not None
    assert "The planned look at information fraction 0.666667 was not held; its α is carried to the next look." \
        in sentence  # fmt: skip


def test_a_look_dated_on_this_cut_off_is_this_snapshots_look_whatever_its_information() -> None:
    # 8 + 7 = 15 of 20 (0.75) reaches no planned look (0.5 done, 1.0 ahead), but the plan records a look on this
    # date: the DMC held it, so it is tested.
    held = plan(looks=[{"information_fraction": 0.5, "observed_z": 1.0, "date": "2020-03-01"},
                       {"information_fraction": 0.75, "date": "2020-06-01"}])  # fmt: skip
    rows = monitoring_rows(held, [comparison(0.4, 0.01)], date(2020, 6, 1))
    assert [(r.status, r.information_fraction) for r in rows] == [("done", 0.5), ("current", 0.75),
                                                                  ("planned", 1.0)]  # fmt: skip
    assert rows[1].boundary_z is not None and rows[1].crossed in ("yes", "no")
