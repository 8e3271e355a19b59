"""One row of a supplied analysis results file, checked: its statistic a number where its name says it is one."""

from __future__ import annotations

import math
from typing import Any

from service.errors import DataError

NUMERIC = {"N", "n", "p", "mean", "sd", "se", "std.error", "median", "p25", "p75", "min", "max", "estimate",
           "conf.low", "conf.high", "p.value", "conf.level", "n_events", "n_censored", "statistic", "df"}  # fmt: skip
MAY_BE_DATES = {"min", "max"}  # the first and last of a date (ISO 8601), as regsync's own ARD gives enrollment


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
        if not math.isfinite(number):
            raise DataError(f"{stat_name} is {value}", file=name, row=row["row"], column="stat")
        if stat_name in ("p.value", "p", "conf.level") and not 0 <= number <= 1:
            raise DataError(f"{stat_name} is {value}, outside [0, 1]", file=name, row=row["row"], column="stat",
                            hint="p-values and proportions are between 0 and 1.")  # fmt: skip
        if stat_name in ("N", "n", "n_events", "n_censored") and (number < 0 or number != int(number)):
            raise DataError(f"{stat_name} is {value}, not a count", file=name, row=row["row"], column="stat")
        row["stat"] = number
    elif value == "":
        row["stat"] = None
    return row
