"""Derivations for adverse-event timing: the imputed start date and the treatment-emergent flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.importing.dates import PartialDate


@dataclass(frozen=True, slots=True)
class ImputedDate:
    value: date | None
    # ADaM --DTF convention: None (complete), "D" (day imputed), "M" (month and day imputed).
    flag: str | None


def derive_ae_start_date(start: PartialDate | None, first_dose: date | None, end: date | None = None) -> ImputedDate:
    """Impute a partial AE start date, conservatively: when in doubt, the event counts as on treatment.

    The rule, in order (after the usual ADaM practice, cf. admiral `derive_vars_dt` with
    `highest_imputation = "M"`, `date_imputation = "first"` and the first dose as `min_dates`):

    1. A complete date is kept as it is.
    2. Nothing known: no date (treatment-emergence is decided without it, see below).
    3. Year and month known: the first dose date if it falls in that month, else the first of the month.
    4. Only the year known: the first dose date if it falls in that year, else 1 January.
    5. An imputed date after a complete end date becomes the end date (an event cannot end before it began).

    Example: first dose 2017-03-20; "2017-03" → 2017-03-20 (D), "2017-02" → 2017-02-01 (D),
    "2017" → 2017-03-20 (M), "2016" → 2016-01-01 (M).
    """
    if start is None:
        return ImputedDate(None, None)
    if start.complete is not None:
        return ImputedDate(start.complete, None)
    if start.month is not None:
        same_period = first_dose is not None and (first_dose.year, first_dose.month) == (start.year, start.month)
        value, flag = (first_dose if same_period else date(start.year, start.month, 1)), "D"
    else:
        same_period = first_dose is not None and first_dose.year == start.year
        value, flag = (first_dose if same_period else date(start.year, 1, 1)), "M"
    assert value is not None
    if end is not None and value > end:
        value = end
    return ImputedDate(value, flag)


def derive_treatment_emergent(
    start: date | None,
    end: date | None,
    first_dose: date | None,
    last_dose: date | None,
    window_days: int | None = None,
) -> bool:
    """Is an AE treatment-emergent? (ICH E9 / FDA ST&F: an event that starts, or worsens, on or after
    the first dose; worsening is not captured in these sources, so onset decides.)

    In order:

    1. The participant never took study treatment: not treatment-emergent.
    2. The start date is unknown: treatment-emergent, unless the event ended before the first dose
       (conservative: an event that may be on treatment is counted).
    3. The (imputed) start is before the first dose: not treatment-emergent.
    4. A window is defined, the last dose is known, and the start is more than `window_days` after it:
       not treatment-emergent.
    5. Otherwise: treatment-emergent.
    """
    if first_dose is None:
        return False
    if start is None:
        return end is None or end >= first_dose
    if start < first_dose:
        return False
    return not (window_days is not None and last_dose is not None and start > last_dose + timedelta(days=window_days))
