from datetime import date

import pytest

from service.importing.dates import PartialDate
from service.safety.teae import ImputedDate, derive_ae_start_date, derive_treatment_emergent

FIRST_DOSE = date(2017, 3, 20)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # complete dates are kept
        (PartialDate(2017, 3, 1), None, ImputedDate(date(2017, 3, 1), None)),
        # nothing known: no date
        (None, None, ImputedDate(None, None)),
        # month known, same month as the first dose: the first dose date
        (PartialDate(2017, 3), None, ImputedDate(date(2017, 3, 20), "D")),
        # month known, another month: its first day
        (PartialDate(2017, 2), None, ImputedDate(date(2017, 2, 1), "D")),
        (PartialDate(2017, 5), None, ImputedDate(date(2017, 5, 1), "D")),
        # only the year, the first dose's year: the first dose date
        (PartialDate(2017), None, ImputedDate(date(2017, 3, 20), "M")),
        # only the year, another year: 1 January
        (PartialDate(2016), None, ImputedDate(date(2016, 1, 1), "M")),
        # never after a complete end date
        (PartialDate(2017, 3), date(2017, 3, 10), ImputedDate(date(2017, 3, 10), "D")),
    ],
)
def test_derive_ae_start_date_imputes_conservatively(start, end, expected) -> None:  # type: ignore[no-untyped-def]
    assert derive_ae_start_date(start, FIRST_DOSE, end) == expected


def test_derive_ae_start_date_without_a_first_dose_uses_the_period_start() -> None:
    assert derive_ae_start_date(PartialDate(2017, 3), None) == ImputedDate(date(2017, 3, 1), "D")


@pytest.mark.parametrize(
    ("start", "end", "first", "last", "window", "expected"),
    [
        (date(2017, 3, 20), None, None, None, None, False),  # never treated
        (None, None, FIRST_DOSE, None, None, True),  # start unknown: counted
        (None, date(2017, 3, 19), FIRST_DOSE, None, None, False),  # unknown start but ended before dosing
        (None, date(2017, 3, 20), FIRST_DOSE, None, None, True),
        (date(2017, 3, 19), None, FIRST_DOSE, None, None, False),  # the day before the first dose
        (date(2017, 3, 20), None, FIRST_DOSE, None, None, True),  # on the first dose day
        # 2017-04-20 + 30 days = 2017-05-20
        (date(2017, 5, 20), None, FIRST_DOSE, date(2017, 4, 20), 29, False),  # a day past a 29-day window
        (date(2017, 5, 20), None, FIRST_DOSE, date(2017, 4, 20), 30, True),  # the last day of a 30-day window
        (date(2019, 1, 1), None, FIRST_DOSE, date(2017, 4, 20), None, True),  # no window: to end of study
    ],
)
def test_derive_treatment_emergent_follows_the_rule(start, end, first, last, window, expected) -> None:  # type: ignore[no-untyped-def]
    assert derive_treatment_emergent(start, end, first, last, window) is expected
