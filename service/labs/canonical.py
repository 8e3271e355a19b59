"""The laboratory frame in its canonical form: typed numeric columns in one record order that depends on the
content alone, for the content hash and for storage (service.labs.store).

Each LAB_COLUMNS column becomes a numeric array by its dtype:

- text (object): codes into the column's sorted dictionary of distinct strings, -1 for missing (None or NaN);
- float (float64): the values as they are, NaN missing;
- date (datetime64[s]): seconds since 1970 as int64, NaT (the smallest int64) missing;
- flag (boolean): 1 true, 0 false, -1 <NA>.

The canonical order is by participant, parameter and visit number (so that stored chunks hold one participant's
records together, which compresses well), then by a 64-bit mix of every column's bits; records equal on all of
these are compared column by column, so the order never depends on the order the source gave.

The hash (digest_labs) feeds the column names, each text column's dictionary and every column's values in
canonical order to the snapshot's digest: a change to any value, in any record, changes it; reordering the
records does not. NaN is hashed as one value whatever its bit pattern (a NaN's payload is not data); everything
else by its bits, so 0.0 and -0.0 differ, as they are stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from service.labs.frame import LAB_COLUMNS

KINDS = {"object": "text", "float64": "float", "datetime64[s]": "date", "boolean": "flag"}
_NAT = np.iinfo(np.int64).min
_CANONICAL_NAN = np.frombuffer(np.float64("nan").tobytes(), dtype=np.int64)[0]
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio (Fibonacci hashing)


@dataclass(frozen=True)
class LabColumn:
    name: str
    kind: str  # text, float, date, flag
    values: np.ndarray  # in the frame's order; see the module docstring for each kind's encoding
    dictionary: tuple[str, ...] = ()  # text: the distinct strings, sorted


@dataclass(frozen=True)
class CanonicalLabs:
    records: int
    columns: tuple[LabColumn, ...]
    order: np.ndarray  # the frame's row numbers in canonical order


def canonical_labs(frame: pd.DataFrame) -> CanonicalLabs:
    """The frame's columns as typed arrays, with the canonical order. A column the frame lacks is all missing."""
    columns = tuple(_column(name, dtype, frame) for name, dtype in LAB_COLUMNS.items())
    return CanonicalLabs(len(frame), columns, _canonical_order(columns, len(frame)))


def digest_labs(digest: Any, labs: CanonicalLabs) -> None:
    """Feed the records, in canonical order, to a hashlib digest."""
    digest.update(f"\n#labs {labs.records}\n".encode())
    for column in labs.columns:
        digest.update(f"\n#{column.name} {column.kind}\n".encode())
        if column.kind == "text":
            digest.update(json.dumps(column.dictionary, ensure_ascii=False, separators=(",", ":")).encode())
            digest.update(b"\n")
        values = column.values[labs.order]
        if column.kind == "float":
            values = values.view(np.int64).copy()
            values[np.isnan(column.values[labs.order])] = _CANONICAL_NAN
        digest.update(values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes())


def _column(name: str, dtype: str, frame: pd.DataFrame) -> LabColumn:
    kind = KINDS[dtype]
    if name not in frame.columns:
        missing = {"text": -1, "float": np.nan, "date": _NAT, "flag": -1}[kind]
        numeric = {"text": np.int32, "float": np.float64, "date": np.int64, "flag": np.int8}[kind]
        return LabColumn(name, kind, np.full(len(frame), missing, dtype=numeric))
    series = frame[name]
    if str(series.dtype) != dtype:
        series = series.astype(dtype)
    if kind == "text":
        return _text(name, series)
    if kind == "float":
        return LabColumn(name, kind, series.to_numpy(dtype=np.float64))
    if kind == "date":
        return LabColumn(name, kind, series.to_numpy().view(np.int64))
    array = series.array
    flags = np.where(array.isna(), -1, array.to_numpy(dtype=bool, na_value=False)).astype(np.int8)
    return LabColumn(name, kind, flags)


def _text(name: str, series: pd.Series) -> LabColumn:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = list(uniques)
    strange = next((value for value in distinct if not isinstance(value, str)), None)
    if strange is not None:
        raise TypeError(f"laboratory column {name} holds {strange!r} ({type(strange).__name__}), not text")
    ranks = np.argsort(np.array(distinct, dtype=object), kind="stable") if distinct else np.array([], dtype=np.int64)
    position = np.empty(len(distinct) + 1, dtype=np.int32)
    position[ranks] = np.arange(len(distinct), dtype=np.int32)
    position[-1] = -1  # code -1 (missing) indexes the last slot
    return LabColumn(name, "text", position[codes], tuple(distinct[i] for i in ranks))


def _bits(column: LabColumn) -> np.ndarray:
    """The column's values as uint64, bit for bit (floats by their IEEE bits)."""
    values = column.values
    if values.dtype == np.float64:
        return values.view(np.uint64)
    return values.astype(np.int64).view(np.uint64)


def _canonical_order(columns: tuple[LabColumn, ...], records: int) -> np.ndarray:
    if records == 0:
        return np.arange(0, dtype=np.int64)
    by_name = {c.name: c for c in columns}
    subject, parameter = by_name["subject_id"], by_name["paramcd"]
    group = subject.values.astype(np.int64) * (len(parameter.dictionary) + 1) + parameter.values
    visit = by_name["visitnum"].values
    mixed = np.zeros(records, dtype=np.uint64)
    for column in columns:
        np.bitwise_xor(mixed, _bits(column), out=mixed)
        np.multiply(mixed, _MIX, out=mixed)
        np.bitwise_xor(mixed, mixed >> np.uint64(29), out=mixed)
    order = np.lexsort((mixed, visit, group))
    # Records equal on group, visit and mix: identical records (any order will do) or, rarely, a collision of the
    # mix, put in order by every column's bits so that the source's order cannot show through.
    same = (
        (group[order][1:] == group[order][:-1])
        & (mixed[order][1:] == mixed[order][:-1])
        & (_bits(by_name["visitnum"])[order][1:] == _bits(by_name["visitnum"])[order][:-1])
    )
    if same.any():
        order = _settle_ties(order, same, columns)
    return order


def _settle_ties(order: np.ndarray, same: np.ndarray, columns: tuple[LabColumn, ...]) -> np.ndarray:
    """Within each run of records that tie, sort by every column's bits (all runs in one sort, the run first)."""
    tied = np.concatenate((same, [False])) | np.concatenate(([False], same))
    run = np.cumsum(np.concatenate(([True], ~same)))[tied]
    rows = order[tied]
    keys = [_bits(column)[rows] for column in reversed(columns)]
    order = order.copy()
    order[tied] = rows[np.lexsort((*keys, run))]
    return order
