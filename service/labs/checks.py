"""Typed columns out of a source frame, and the checks laboratory records must pass (README, 'Laboratory and
vital-sign data': the bad-input rules).

Each conversion works on a column's distinct values (its categories), so a 3.6-million-record file costs a few
thousand parses; the first row holding a bad value is found by its code and named, as service.importing.tables'
Row would name it: file, row, column, what is wrong, what to do.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from service.errors import DataError
from service.importing.tables import EARLIEST_DATE, LATEST_DATE, MAX_MAGNITUDE
from service.labs.read_source import SourceFrame, first_position

_TRUE = ("Y", "YES", "TRUE", "1")
_FALSE = ("N", "NO", "FALSE", "0")
NUMBER_HINT = "Write a plain number such as 7.2."


def cell_error(source: SourceFrame, column: str, position: int, problem: str, hint: str | None = None) -> DataError:
    return DataError(problem, file=source.name, row=source.row_number(position), column=column, hint=hint)


def text(source: SourceFrame, column: str) -> pd.Series:
    """The column as categorical text, stripped, an empty cell missing; all missing when the column is absent."""
    length = len(source.frame)
    if not source.has(column):
        return pd.Series(pd.Categorical.from_codes(np.full(length, -1, dtype=np.int8), categories=[]))
    values = source.frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        stripped = [value.strip() or None for value in values.cat.categories.astype(str)]
        return _recode(values, stripped)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Series(values.dt.strftime("%Y-%m-%d"), dtype="category")
    numbers = values.to_numpy(dtype=float)  # a numeric SAS column where text is read: each distinct number once
    distinct, codes = np.unique(numbers, return_inverse=True)
    shown = [_number_text(v) for v in distinct]
    categorical = pd.Categorical.from_codes(np.where(np.isnan(numbers), -1, codes), categories=pd.Index(shown).unique())
    return pd.Series(categorical)


def _number_text(value: float) -> str:
    return str(int(value)) if value == value and float(value).is_integer() else str(value)


def _recode(values: pd.Series, new: list[str | None]) -> pd.Series:
    """A categorical column with each category replaced by new[i] (None: missing; equal ones merged)."""
    codes = values.cat.codes.to_numpy()
    uniques: list[str] = []
    index: dict[str, int] = {}
    mapping = np.full(len(new) + 1, -1, dtype=np.int64)  # the last slot for code -1
    for i, value in enumerate(new):
        if value is not None:
            mapping[i] = index.setdefault(value, len(uniques))
            if mapping[i] == len(uniques):
                uniques.append(value)
    return pd.Series(pd.Categorical.from_codes(mapping[codes], categories=uniques))


def number(source: SourceFrame, column: str, *, minimum: float | None = None, maximum: float | None = None
           ) -> np.ndarray:  # fmt: skip
    """The column as float64, an empty cell NaN; text that is not a number is refused, naming its first row."""
    length = len(source.frame)
    if not source.has(column):
        return np.full(length, np.nan)
    values = source.frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories.astype(str)
        stripped = pd.Series(categories).str.strip()
        parsed = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=float)
        bad = (stripped != "").to_numpy() & ~np.isfinite(parsed)
        codes = values.cat.codes.to_numpy()
        if bad.any():
            position = first_position(np.isin(codes, np.flatnonzero(bad)))
            raise cell_error(source, column, position, f"'{categories[codes[position]].strip()}' is not a number",
                             NUMBER_HINT)  # fmt: skip
        result = np.append(parsed, np.nan)[codes]
    elif pd.api.types.is_numeric_dtype(values.dtype):
        result = values.to_numpy(dtype=float, copy=True)
        bad = np.isinf(result)
        if bad.any():
            raise cell_error(source, column, first_position(bad), "is not a number", NUMBER_HINT)
    else:
        raise cell_error(source, column, 0, "holds dates, not numbers", NUMBER_HINT)
    _check_limits(source, column, result, minimum, maximum)
    return result


def _check_limits(source: SourceFrame, column: str, result: np.ndarray, minimum: float | None,
                  maximum: float | None) -> None:  # fmt: skip
    with np.errstate(invalid="ignore"):
        checks: list[tuple[np.ndarray, str, str | None]] = [
            (np.abs(result) > MAX_MAGNITUDE, "is not a plausible value", f"Values here are below {MAX_MAGNITUDE:g}.")
        ]
        if minimum is not None:
            checks.append((result < minimum, f"is below the smallest allowed value, {minimum:g}", None))
        if maximum is not None:
            checks.append((result > maximum, f"is above the largest allowed value, {maximum:g}", None))
    for bad, problem, hint in checks:
        if bad.any():
            position = first_position(bad)
            raise cell_error(source, column, position, f"{_number_text(result[position])} {problem}", hint)


def date(source: SourceFrame, column: str, *, partial: bool) -> np.ndarray:
    """The column as datetime64[s], an empty cell NaT. `partial`: an ISO 8601 date of reduced precision (SDTM
    --DTC 2017-03) dates nothing the derivations need and is NaT; otherwise YYYY-MM-DD (a time part ignored)."""
    length = len(source.frame)
    if not source.has(column):
        return np.full(length, np.datetime64("NaT"), dtype="datetime64[s]")
    values = source.frame[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        result = values.to_numpy().astype("datetime64[s]")
    elif isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories.astype(str)).str.strip()
        parsed = pd.to_datetime(categories.str[:10], format="%Y-%m-%d", errors="coerce")
        shape_ok = categories.str.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]*)?")
        date9 = categories.str.fullmatch(r"\d{1,2}[A-Za-z]{3}\d{4}")  # SAS DATE9 in a CSV: 05MAR2014
        if date9.any():
            parsed = parsed.where(~date9, pd.to_datetime(categories.str.upper(), format="%d%b%Y", errors="coerce"))
            shape_ok = shape_ok | date9
        reduced = categories.str.fullmatch(r"\d{4}(-\d{2})?(-\d{2}|--)?(T.*)?|\d{4}-+\d{0,2}") & ~shape_ok
        ok = (categories == "") | (shape_ok & parsed.notna()) | (reduced if partial else False)
        codes = values.cat.codes.to_numpy()
        if not ok.all():
            position = first_position(np.isin(codes, np.flatnonzero(~ok.to_numpy())))
            hint = ("Write dates as YYYY-MM-DD; for a partial date, YYYY-MM or YYYY." if partial
                    else "Write dates as YYYY-MM-DD.")  # fmt: skip
            raise cell_error(source, column, position, f"'{categories[codes[position]]}' is not a date", hint)
        stamps = parsed.where(shape_ok).to_numpy().astype("datetime64[s]")
        result = np.append(stamps, np.datetime64("NaT"))[codes]
    else:
        raise cell_error(source, column, 0, "holds numbers, not dates", "Write dates as YYYY-MM-DD.")
    earliest, latest = np.datetime64(EARLIEST_DATE, "s"), np.datetime64(LATEST_DATE, "s")
    bad = ~np.isnat(result) & ((result < earliest) | (result > latest))
    if bad.any():
        position = first_position(bad)
        shown = str(result[position].astype("datetime64[D]"))
        raise cell_error(source, column, position, f"{shown} is not a plausible date",
                         f"Dates must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}; leave an "
                         "unknown date empty.")  # fmt: skip
    return result


def flag(source: SourceFrame, column: str) -> pd.array:
    """Y/N as a boolean column (an empty cell is N, as ADaM's blank flag); <NA> throughout when it is absent."""
    length = len(source.frame)
    if not source.has(column):
        return pd.array([pd.NA] * length, dtype="boolean")
    values = text(source, column)
    categories = [str(c).upper() for c in values.cat.categories]
    bad = [i for i, value in enumerate(categories) if value not in _TRUE and value not in _FALSE]
    codes = values.cat.codes.to_numpy()
    if bad:
        position = first_position(np.isin(codes, bad))
        raise cell_error(source, column, position, f"'{values.cat.categories[codes[position]]}' is not Y or N")
    truth = np.array([value in _TRUE for value in categories] + [False])
    return pd.array(truth[codes], dtype="boolean")


def require(source: SourceFrame, *columns: str) -> None:
    for column in columns:
        if not source.has(column):
            raise DataError("required column is missing", file=source.name, column=column,
                            hint=f"The file has: {', '.join(source.frame.columns) or 'no columns'}.")  # fmt: skip


def check_subjects(source: SourceFrame, column: str, subjects: pd.Series, known: Collection[str],
                   participants_file: str) -> None:  # fmt: skip
    """Every record names a participant of the trial."""
    codes = subjects.cat.codes.to_numpy()
    if (codes < 0).any():
        raise cell_error(source, column, first_position(codes < 0), "is empty", "Every row needs a value here.")
    unknown = [i for i, subject in enumerate(subjects.cat.categories) if subject not in known]
    if unknown:
        position = first_position(np.isin(codes, unknown))
        subject = subjects.cat.categories[codes[position]]
        raise cell_error(source, column, position, f"subject '{subject}' is not in {participants_file}",
                         f"Add the participant to {participants_file} or correct the subject id.")  # fmt: skip


def check_required_text(source: SourceFrame, column: str, values: pd.Series) -> None:
    codes = values.cat.codes.to_numpy()
    if (codes < 0).any():
        raise cell_error(source, column, first_position(codes < 0), "is empty", "Every row needs a value here.")


def check_one_unit(source: SourceFrame, column: str, parameter: pd.Series, unit: pd.Series) -> None:
    """A parameter has one standard unit in a dataset (SDTM --STRESU, ADaM AVALU): a unit that changes means the
    values are not on one scale, and every mean, shift and multiple of the ULN across them would be wrong."""
    frame = pd.DataFrame({"p": parameter.cat.codes.to_numpy(), "u": unit.cat.codes.to_numpy()})
    frame = frame[frame["u"] >= 0]
    if frame.empty:
        return
    first = frame.groupby("p", sort=False)["u"].transform("first")
    differs = (frame["u"] != first).to_numpy()
    if differs.any():
        position = int(frame.index[first_position(differs)])
        name = parameter.iloc[position]
        raise cell_error(source, column, position, f"unit '{unit.iloc[position]}' differs from '"
                         f"{unit.cat.categories[first.iloc[first_position(differs)]]}', the unit of {name} in earlier "
                         "rows", "A parameter needs one standard unit throughout: convert the values, or give the "
                         "other unit its own parameter code.")  # fmt: skip


def check_ranges(source: SourceFrame, low_column: str, low: np.ndarray, high: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        bad = low > high
    if bad.any():
        position = first_position(bad)
        raise cell_error(source, low_column, position, f"the normal range's low limit {_number_text(low[position])} "
                         f"is above its high limit {_number_text(high[position])}",
                         "Check the two limits: they may be swapped.")  # fmt: skip


def check_visit_or_date(source: SourceFrame, visit_column: str, visit: pd.Series, when: np.ndarray,
                        date_column: str) -> int:  # fmt: skip
    """A record with neither a visit nor a date cannot be placed at all; one with a visit and no date is kept
    (and counted: it cannot be placed at an interim cut-off). Returns how many records have no date."""
    undated = np.isnat(when)
    no_visit = visit.cat.codes.to_numpy() < 0
    neither = undated & no_visit
    if neither.any():
        raise cell_error(source, visit_column, first_position(neither), f"the record has neither a visit nor a date "
                         f"({date_column})", "Give the visit, the date, or both.")  # fmt: skip
    return int(undated.sum())
