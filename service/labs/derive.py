"""The ADaM variables SDTM and the bundle lack, derived as ADaM would (CDISC ADaMIG BDS; admiral's
derive_var_extreme_flag, derive_var_base, derive_var_chg, derive_var_ontrtfl), whole columns at a time.

Each rule is worded once, in DERIVATION_NOTES, for the displays' footnotes; an import notes which variables it
derived for which dataset (derived_note), and derived_variables reads that back from a snapshot's notes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

# A dataset's columns by frame name (service.labs.frame), as Series: categorical text, float64, datetime64, boolean.
Frame = Mapping[str, pd.Series]

# The variables that may be derived, in the order notes name them.
DERIVABLE = ("ABLFL", "BASE", "CHG", "ANRIND", "BNRIND", "BTOXGR", "ONTRTFL", "ADY")

BASELINE_RULE = (
    "baseline (ABLFL) = the record the source flags ({flag} = Y); for a parameter without any flagged record, the "
    "last record with a result on or before the first dose date"
)
CHANGE_RULE = (
    "BASE = the baseline record's value; CHG = AVAL - BASE for records after the baseline record (by date, then "
    "visit number), none at or before it"
)
RANGE_RULE = "ANRIND from the normal range: LOW below the low limit, HIGH above the high limit, NORMAL otherwise"
BNRIND_RULE = "BNRIND (and BTOXGR) = the baseline record's ANRIND (and toxicity grade)"
ON_TREATMENT_RULE = (
    "on treatment (ONTRTFL) = dated after the first dose and no later than the last dose plus {window} "
    "(trial.toml teae_window_days; without it, as for treatment-emergent AEs, no later limit); a participant "
    "still on treatment (no last dose) is on treatment from the day after the first dose; an undated record is "
    "neither"
)
STUDY_DAY_RULE = "study day (ADY) counts from the first dose as day 1; the day before is day -1 (no day 0)"

# By source format: every rule its derivation follows, as the footnotes print them ({window} filled in by
# derivation_notes). ADaM's variables are used as given; only those a dataset lacks are derived, as noted.
DERIVATION_NOTES: dict[str, tuple[str, ...]] = {
    "sdtm": (
        "SDTM: " + BASELINE_RULE.format(flag="--BLFL, else --LOBXFL"),
        "SDTM: " + CHANGE_RULE,
        "SDTM: ANRIND = --NRIND; where that is blank, " + RANGE_RULE + " (--STNRLO, --STNRHI)",
        "SDTM: " + BNRIND_RULE,
        "SDTM: " + ON_TREATMENT_RULE,
        "SDTM: " + STUDY_DAY_RULE,
    ),
    "bundle": (
        "labs.csv, vitals.csv: " + BASELINE_RULE.format(flag="baseline"),
        "labs.csv, vitals.csv: " + CHANGE_RULE,
        "labs.csv, vitals.csv: " + RANGE_RULE + " (low, high)",
        "labs.csv, vitals.csv: " + BNRIND_RULE,
        "labs.csv, vitals.csv: " + ON_TREATMENT_RULE,
        "labs.csv, vitals.csv: " + STUDY_DAY_RULE,
    ),
    "adam": (
        "ADaM: BASE, CHG, ANRIND, BNRIND, ABLFL, ANL01FL and ONTRTFL as the dataset gives them; a variable the "
        "dataset lacks is derived as for SDTM, and the import notes which",
        "ADaM: where ANRIND is absent, " + RANGE_RULE + " (ANRLO/ANRHI, else A1LO/A1HI)",
        "ADaM: where ONTRTFL is absent, " + ON_TREATMENT_RULE,
    ),
}

_NOTE = re.compile(r"^(?P<dataset>\S+): (?P<variables>[A-Z0-9, ]+) derived as ADaM would \((?P<fmt>\w+) rules")


def derivation_notes(source_format: str, window_days: int | None) -> tuple[str, ...]:
    """The footnotes for data from `source_format`, with the trial's window after the last dose."""
    window = f"{window_days} day(s)" if window_days is not None else "any number of days"
    return tuple(note.replace("{window}", window) for note in DERIVATION_NOTES.get(source_format, ()))


def derived_note(dataset: str, variables: Iterable[str], source_format: str) -> str:
    """The import note recording which variables were derived for a dataset (read back by derived_variables)."""
    names = [name for name in DERIVABLE if name in set(variables)]
    return f"{dataset}: {', '.join(names)} derived as ADaM would ({source_format} rules; README, 'Laboratory and " \
           "vital-sign data')"  # fmt: skip


def derived_variables(notes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Dataset -> the variables the import derived for it, from an import's (or snapshot's) notes."""
    found = {}
    for note in notes:
        match = _NOTE.match(note)
        if match:
            found[match["dataset"]] = tuple(v.strip() for v in match["variables"].split(","))
    return found


def derive_anrind(aval: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """LOW below the low limit, HIGH above the high limit, NORMAL otherwise; none without a value or without
    either limit. Example: low 10, high 40: 9 -> LOW, 10 -> NORMAL, 40 -> NORMAL, 41 -> HIGH."""
    with np.errstate(invalid="ignore"):
        below, above = aval < low, aval > high
    known = ~np.isnan(aval) & (~np.isnan(low) | ~np.isnan(high))
    result = np.full(len(aval), None, dtype=object)
    result[known] = "NORMAL"
    result[known & below] = "LOW"
    result[known & above] = "HIGH"
    return result


def derive_study_day(adt: np.ndarray, first_dose: np.ndarray) -> np.ndarray:
    """ADY: ADT - TRTSDT + 1 on or after the first dose, ADT - TRTSDT before it (ADaMIG: no day 0).
    Example: first dose 2020-01-10: 2020-01-10 -> 1, 2020-01-11 -> 2, 2020-01-09 -> -1."""
    days = (adt.astype("datetime64[D]") - first_dose.astype("datetime64[D]")).astype("float64")
    days[np.isnat(adt) | np.isnat(first_dose)] = np.nan
    return np.where(days >= 0, days + 1, days)


def derive_on_treatment(adt: np.ndarray, first_dose: np.ndarray, last_dose: np.ndarray,
                        window_days: int | None) -> pd.arrays.BooleanArray:  # fmt: skip
    """ONTRTFL, in order: an undated record is unknown (<NA>); a participant never dosed is off treatment; a record
    dated after the first dose and no later than the last dose plus the window (no upper end while the last dose
    is unknown, nor without a window: as the TEAE rule reads) is on treatment; any other is not."""
    after_first = adt > first_dose
    if window_days is None:
        before_end = np.ones(len(adt), dtype=bool)
    else:
        limit = last_dose.astype("datetime64[D]") + np.timedelta64(window_days, "D")
        before_end = np.isnat(last_dose) | (adt.astype("datetime64[D]") <= limit)
    on = after_first & before_end & ~np.isnat(first_dose)
    result = pd.array(on, dtype="boolean")
    result[np.isnat(adt)] = pd.NA
    return result


def dosing_arrays(subjects: pd.Series, dosing: Mapping[str, tuple[date | None, date | None]]
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Each record's participant's first and last dose dates (NaT where unknown), looked up once per participant."""
    categories = subjects.cat.categories
    first = np.array([_day(dosing.get(s, (None, None))[0]) for s in categories] + [None], dtype="datetime64[s]")
    last = np.array([_day(dosing.get(s, (None, None))[1]) for s in categories] + [None], dtype="datetime64[s]")
    codes = subjects.cat.codes.to_numpy()
    return first[codes], last[codes]


def _day(value: date | None) -> np.datetime64 | None:
    return np.datetime64(value, "s") if value is not None else None


def record_keys(frame: Frame) -> np.ndarray:
    """One integer per series of repeated measurements: participant, dataset, parameter and time point (for vital
    signs without one, the position): the unit within which a baseline is chosen."""
    parts = [frame[column].cat.codes.to_numpy().astype(np.int64) + 1 for column in
             ("subject_id", "dataset", "paramcd", "tpt")]  # fmt: skip
    key = np.zeros(len(frame["aval"]), dtype=np.int64)
    for part in parts:
        key = key * (int(part.max(initial=0)) + 1) + part
    return pd.factorize(key)[0]


def derive_baseline_flag(frame: Frame, keys: np.ndarray, first_dose: np.ndarray) -> pd.arrays.BooleanArray:
    """ABLFL, per series of measurements: where the parameter (dataset and PARAMCD) has any record the source flags,
    the flags decide (the last flagged record of a series, should one have several); for a parameter without any,
    the last record with a result on or before the first dose date (by date, then visit number, then file order).
    Example: first dose 2020-01-10, records 2020-01-02 (12), 2020-01-10 (none), 2020-01-10 (14), 2020-01-20 (15):
    the baseline is the 14 of 2020-01-10."""
    given = frame["ablfl"].fillna(False).to_numpy(dtype=bool)
    parameter = pd.factorize(frame["dataset"].cat.codes.to_numpy().astype(np.int64) * 100_000
                             + frame["paramcd"].cat.codes.to_numpy())[0]  # fmt: skip
    flagged_parameters = np.zeros(parameter.max(initial=-1) + 1, dtype=bool)
    flagged_parameters[parameter[given]] = True
    uses_flags = flagged_parameters[parameter]
    has_result = ~np.isnan(frame["aval"].to_numpy()) | frame["avalc"].notna().to_numpy()
    adt = frame["adt"].to_numpy()
    candidate = np.where(uses_flags, given, has_result & ~np.isnat(adt) & (adt <= first_dose))
    chosen = _last_in_series(candidate, keys, frame)
    return pd.array(chosen, dtype="boolean")


def _last_in_series(candidate: np.ndarray, keys: np.ndarray, frame: Frame) -> np.ndarray:
    index = np.flatnonzero(candidate)
    adt = frame["adt"].to_numpy()[index].astype("int64")  # NaT sorts first
    visit = np.nan_to_num(frame["visitnum"].to_numpy()[index], nan=-np.inf)
    order = index[np.lexsort((index, visit, adt, keys[index]))]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = keys[order][1:] != keys[order][:-1]
    chosen = np.zeros(len(frame["aval"]), dtype=bool)
    chosen[order[last]] = True
    return chosen


def derive_from_baseline(frame: Frame, keys: np.ndarray, derive: Collection[str]) -> dict[str, pd.Series]:
    """BASE, CHG, BNRIND and BTOXGR from each series' baseline record (frame.ablfl), those in `derive` only.
    CHG = AVAL - BASE for records after the baseline: a later date, or (where either date is unknown, or on the same
    day) a later visit number. Example: baseline 2020-01-10 value 14; 2020-01-20 value 15: CHG 1; screening
    2020-01-02 value 12: none."""
    flagged = frame["ablfl"].fillna(False).to_numpy(dtype=bool)
    rows = np.flatnonzero(flagged)
    lookup = np.full(keys.max(initial=-1) + 2, -1, dtype=np.int64)
    lookup[keys[rows]] = rows
    baseline_row = lookup[keys]
    has_base = baseline_row >= 0
    take = np.where(has_base, baseline_row, 0)
    out = dict(frame)

    def from_baseline(values: np.ndarray) -> np.ndarray:
        result = values[take].copy()
        result[~has_base] = None if result.dtype == object else np.nan
        return result

    if "BASE" in derive:
        out["base"] = pd.Series(from_baseline(frame["aval"].to_numpy(dtype=float)), copy=False)
    if "CHG" in derive:
        base = out["base"].to_numpy(dtype=float)
        adt = frame["adt"].to_numpy()
        base_adt = np.where(has_base, adt[take], np.datetime64("NaT"))
        visit = frame["visitnum"].to_numpy(dtype=float)
        base_visit = np.where(has_base, visit[take], np.nan)
        later_visit = visit > base_visit
        same_or_unknown_day = (adt == base_adt) | np.isnat(adt) | np.isnat(base_adt)
        after = has_base & ~flagged & ((adt > base_adt) | (same_or_unknown_day & later_visit))
        out["chg"] = pd.Series(np.where(after, frame["aval"].to_numpy(dtype=float) - base, np.nan), copy=False)
    if "BNRIND" in derive:
        out["bnrind"] = pd.Series(from_baseline(frame["anrind"].to_numpy(dtype=object)), copy=False)
    if "BTOXGR" in derive:
        out["btoxgr"] = pd.Series(from_baseline(frame["atoxgr"].to_numpy(dtype=float)), copy=False)
    return out
