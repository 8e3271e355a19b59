from datetime import date

import pytest

from service.importing.dates import PartialDate, parse_date, parse_partial_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-03-05", PartialDate(2014, 3, 5)),
        ("2014-03-05T10:30", PartialDate(2014, 3, 5)),
        ("2014-03", PartialDate(2014, 3, None)),
        ("2003", PartialDate(2003, None, None)),
        ("2014---05", PartialDate(2014, None, None)),  # a day without its month means nothing
        ("05MAR2014", PartialDate(2014, 3, 5)),
    ],
)
def test_parse_partial_date_reads_iso_8601_reduced_precision(text: str, expected: PartialDate) -> None:
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize("text", ["2014-13", "2014-02-30", "March 2014", "14-03-05", "2014/03/05", ""])
def test_parse_partial_date_refuses_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_partial_date(text)


@pytest.mark.parametrize(("text", "expected"), [("2020-02-29", date(2020, 2, 29)), ("01JAN2021", date(2021, 1, 1))])
def test_parse_date_reads_iso_and_sas_date9(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2020-02", "2021-02-29", "32JAN2021", "01XYZ2021"])
def test_parse_date_needs_a_complete_real_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)
