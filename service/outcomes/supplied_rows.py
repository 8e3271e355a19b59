"""One row of a supplied analysis results file, checked: its statistic a plausible number where its name says it
is one. The rules are the import's own for a number (service.importing.tables: finite, magnitude at most 10^15),
and what each statistic is by definition: a standard error is positive, a standard deviation not negative, a
p-value or proportion in [0, 1], a confidence level strictly between 0 and 1, a count a non-negative whole number.
"""

from __future__ import annotations

import math
from typing import Any

from service.errors import DataError
from service.importing.tables import MAX_MAGNITUDE

NUMERIC = {"N", "n", "p", "mean", "sd", "se", "std.error", "median", "p25", "p75", "min", "max", "estimate",
           "conf.low", "conf.high", "p.value", "conf.level", "n_events", "n_censored", "statistic", "df"}  # fmt: skip
MAY_BE_DATES = {"min", "max"}  # the first and last of a date (ISO 8601), as regsync's own ARD gives enrollment
PROPORTIONS = {"p.value", "p"}
COUNTS = {"N", "n", "n_events", "n_censored"}
STANDARD_ERRORS = {"std.error", "se"}


def checked_row(row: dict[str, Any], name: str) -> dict[str, Any]:
    """A row with its stat as a number where its name says it is one."""
    stat_name, value = row["stat_name"], row["stat"]
    if stat_name in NUMERIC and value != "":
        try:
            number = float(value)
        except (TypeError, ValueError):
            if stat_name in MAY_BE_DATES:
                return row
            raise DataError(f"{stat_name} is '{value}', not a number", file=name, row=row["row"],
                            column="stat") from None  # fmt: skip
        problem = _implausible(stat_name, number)
        if problem:
            raise DataError(f"{stat_name} is {value}, {problem}", file=name, row=row["row"], column="stat",
                            hint=_HINTS.get(stat_name))  # fmt: skip
        row["stat"] = number
    elif value == "":
        row["stat"] = None
    return row


_HINTS = {
    "p.value": "p-values and proportions are between 0 and 1.",
    "p": "p-values and proportions are between 0 and 1.",
    "conf.level": "A confidence level is a proportion such as 0.95.",
    "std.error": "Leave the cell empty where the standard error was not estimated.",
    "se": "Leave the cell empty where the standard error was not estimated.",
}


def _implausible(stat_name: str, number: float) -> str | None:
    """What is wrong with the number as a value of the statistic, or None."""
    if not math.isfinite(number):
        return "not a finite number"
    if abs(number) > MAX_MAGNITUDE:
        return "not a plausible value (its magnitude is above 10^15)"
    if stat_name in PROPORTIONS and not 0 <= number <= 1:
        return "outside [0, 1]"
    if stat_name == "conf.level" and not 0 < number < 1:
        return "outside (0, 1)"
    if stat_name in COUNTS and (number < 0 or number != int(number)):
        return "not a count"
    if stat_name in STANDARD_ERRORS and number <= 0:
        return "not a standard error (it must be greater than 0)"
    if stat_name == "sd" and number < 0:
        return "not a standard deviation (it must be 0 or more)"
    return None
