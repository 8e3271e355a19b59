"""How many decimals a DSMB table prints: the precision the data are recorded to, per parameter.

A summary of the values (the baseline table's mean (SD), a trajectory's axis) is printed to the data's own
decimals, so C-peptide recorded as 0.49 reads 0.52 (0.11), not 0.5 (0.1) or 0.5183 (0.1071). An estimate (a mean,
an LS mean, a difference, its interval) takes one decimal more than the data and its standard error two, the usual
SAP convention (e.g. PhUSE, "Analyses and displays associated with measures of central tendency"); ratios print
to 2 decimals, percentages and percentage points to 1, counts as whole numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.importing.records import MeasurementRecord
from service.results import ArmEstimateRow, ComparisonRow

MOST_DECIMALS = 4
UNKNOWN_PRECISION = 2  # a parameter with no measurement here (supplied results alone)


PRECISION_NOTE = (
    "Estimates and their intervals are printed to one decimal more than the outcome's data are recorded to, "
    "standard errors to two more; ratios to 2 decimals, percentages and percentage points to 1. The attached tables "
    "carry full precision."
)


def data_precision(measurements: Iterable[MeasurementRecord]) -> dict[str, int]:
    """Per parameter, the decimals its values are recorded to (at most 3)."""
    found: dict[str, int] = {}
    for m in measurements:
        if m.value is None:
            continue
        text = repr(float(m.value))
        places = len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0
        found[m.parameter] = min(max(found.get(m.parameter, 0), places), 3)
    return found


def estimate_decimals(row: ArmEstimateRow | ComparisonRow, precision: Mapping[str, int]) -> tuple[int, int]:
    """(decimals of the estimate and its interval, decimals of its standard error) for one row."""
    data = precision.get(row.parameter, UNKNOWN_PRECISION)
    if isinstance(row, ComparisonRow):
        if row.is_ratio:
            return 2, 3
        if row.estimate_kind == "risk-difference":
            return 1, 2
    elif row.estimate_type == "Responders":
        return 1, 2
    elif row.estimate_type == "Count":
        return 0, 0
    elif row.estimate_type == "Kaplan–Meier median":
        return data, data + 1
    return min(data + 1, MOST_DECIMALS), min(data + 2, MOST_DECIMALS)
