"""Dates as sources give them: ISO 8601, possibly partial (SDTM --DTC), or SAS DATE9."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_ISO = re.compile(r"^(\d{4})(?:-(\d{2}|-)(?:-(\d{2}|-))?)?(?:T[\d:.]*)?$")
_DATE9 = re.compile(r"^(\d{1,2})([A-Za-z]{3})(\d{4})$")
_MONTHS = {
    m: i
    for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)
}


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of which the month and day may be unknown (ISO 8601 reduced precision)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def complete(self) -> date | None:
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)


def parse_partial_date(text: str) -> PartialDate:
    """'2014-03-05', '2014-03', '2014', '2014-03-05T10:30', '2014---05' (day without month counts as
    year only, since a day means nothing without its month). Raises ValueError otherwise."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        # The common case, a complete YYYY-MM-DD date, without the regular expression.
        value = date.fromisoformat(text)
        return PartialDate(value.year, value.month, value.day)
    match = _ISO.match(text)
    if not match:
        return _as_partial(parse_date(text))
    year, month, day = match.groups()
    month_n = int(month) if month and month != "-" else None
    day_n = int(day) if day and day != "-" and month_n is not None else None
    if month_n is not None and not 1 <= month_n <= 12:
        raise ValueError(f"month {month_n} does not exist")
    partial = PartialDate(int(year), month_n, day_n)
    partial.complete  # noqa: B018  (raises ValueError for a day the month does not have)
    return partial


def parse_date(text: str) -> date:
    """A complete date: ISO 8601 (a time part is ignored) or SAS DATE9 ('05MAR2014')."""
    value = text.strip()
    match = _DATE9.match(value)
    if match:
        day, month, year = match.groups()
        if month.upper() not in _MONTHS:
            raise ValueError(f"unknown month '{month}'")
        return date(int(year), _MONTHS[month.upper()], int(day))
    return datetime.fromisoformat(value[:10]).date() if len(value) >= 10 else date.fromisoformat(value)


def _as_partial(value: date) -> PartialDate:
    return PartialDate(value.year, value.month, value.day)


def definition_date(value: object) -> date | None:
    """A date of trial.toml as the snapshot keeps it: a TOML date, or its ISO text once stored as JSON; anything
    else (absent, unreadable) is None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None
