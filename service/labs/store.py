"""The laboratory frame stored with its snapshot, column by column in chunks of records (table lab_chunk).

Layout: the records in canonical order (service.labs.canonical: by participant, parameter and visit) are cut into
chunks of CHUNK_RECORDS; each chunk is one row holding every column as a zlib-compressed little-endian numeric
array, one after another in `data`, described in order by `layout` (JSON: name, kind, numpy type, compressed size
and, for text, the chunk's dictionary of distinct strings, which the codes index; -1 is missing). Floats are stored
as their IEEE bytes, so they read back bit for bit; dates as seconds (NaT the smallest int64); flags as int8
(1, 0, -1 for <NA>). Nothing is pickled: a row is read by numpy.frombuffer and json alone. A column the chunk does
not hold (one added to LAB_COLUMNS later) reads back as missing.

Why columnar and not a row per record: measured with bench/bench_labs.py on the 2-core machine, 2026-12-07, while
five other engineers' work shared it (CPU seconds of the process, steadier than wall-clock then, in brackets):

- 1,000 participants x 30 parameters x 12 visits (360,000 records, 28 columns). A row per record through the
  driver's executemany (as service.snapshots._insert writes the other records), read back as service.trialdata
  reads them: SQLite store 7.0 s (6.4), read back 5.9 s (4.1), 812 MB peak, 52 MB of database; PostgreSQL store
  11.1 s (10.4), read back 4.1 s (3.5), 922 MB. Columnar, the whole import of the bundle included (20,000 AEs):
  SQLite store 1.2 s (0.9), read back 0.6 s (0.4), 310 MB peak, 6 MB; PostgreSQL 1.8 s (1.2), 0.4 s (0.4), 318 MB.
- 10,000 participants (3,600,000 records), columnar, with 200,000 AEs: SQLite store 18.7 s (10.9), read back of
  the whole snapshot 10.3 s (5.9), 1,124 MB peak, 61 MB of database; PostgreSQL store 23.4 s (12.6), read back
  4.5 s (3.2), 1,123 MB. Rows were not run at this size: extrapolated linearly from the 360,000 records,
  a minute or two to store and about 5 GB to read back, beyond the issue's 60 s and 2 GB.

Every report and `regsync tables` reads the frame whole, and nothing queries single records in SQL (the displays
group in pandas), so a row per record buys nothing for its 8-10 times the time and memory. zlib level 1 (the
standard library's): level 6 made the floats 20% smaller for five times the compression time; byte shuffling
made them larger (a participant's values at successive visits already share their high bytes).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from service.labs.canonical import CanonicalLabs, LabColumn
from service.labs.frame import LAB_COLUMNS
from service.models import LabChunk

CHUNK_RECORDS = 262_144
CODEC = "zlib"
_LEVEL = 1
_NAT = np.iinfo(np.int64).min
_MISSING: dict[str, Any] = {"object": None, "float64": np.nan, "datetime64[s]": _NAT, "boolean": -1}


def write_labs(connection: Connection, snapshot_id: int, labs: CanonicalLabs) -> int:
    """Insert the frame's chunks for the snapshot, in the caller's transaction; the number of chunks."""
    table = LabChunk.__table__  # type: ignore[attr-defined]
    count = 0
    for ordinal, start in enumerate(range(0, labs.records, CHUNK_RECORDS), start=1):
        rows = labs.order[start : start + CHUNK_RECORDS]
        layout, data = _encode_chunk(labs.columns, rows)
        connection.execute(
            insert(table),
            [{"snapshot_id": snapshot_id, "ordinal": ordinal, "records": len(rows), "codec": CODEC,
              "layout": layout, "data": data}],
        )  # fmt: skip
        count += 1
    return count


def read_labs(connection: Connection, snapshot_id: int | None) -> pd.DataFrame | None:
    """The snapshot's frame (LAB_COLUMNS, in canonical order), or None when it has no laboratory records."""
    table = LabChunk.__table__  # type: ignore[attr-defined]
    chunks = connection.execute(
        select(table.c.ordinal, table.c.records, table.c.codec, table.c.layout)
        .where(table.c.snapshot_id == snapshot_id)
        .order_by(table.c.ordinal)
    ).all()
    if not chunks:
        return None
    total = sum(chunk.records for chunk in chunks)
    columns = {name: _allocate(dtype, total) for name, dtype in LAB_COLUMNS.items()}
    start = 0
    for chunk in chunks:
        if chunk.codec != CODEC:
            raise ValueError(f"laboratory chunk {chunk.ordinal} of snapshot {snapshot_id}: unknown codec {chunk.codec}")
        data = connection.execute(
            select(table.c.data).where(table.c.snapshot_id == snapshot_id, table.c.ordinal == chunk.ordinal)
        ).scalar_one()
        filled = set()
        for name, values in _decode_chunk(chunk.layout, bytes(data)):
            if name in columns:
                columns[name][start : start + chunk.records] = values
                filled.add(name)
        for name in LAB_COLUMNS.keys() - filled:  # a column this chunk does not hold: missing
            columns[name][start : start + chunk.records] = _MISSING[LAB_COLUMNS[name]]
        start += chunk.records
    return pd.DataFrame({name: _series(columns[name], dtype) for name, dtype in LAB_COLUMNS.items()}, copy=False)


def _encode_chunk(columns: tuple[LabColumn, ...], rows: np.ndarray) -> tuple[list[dict[str, Any]], bytes]:
    layout, parts = [], []
    for column in columns:
        values = column.values[rows]
        entry: dict[str, Any] = {"name": column.name, "kind": column.kind}
        if column.kind == "text":
            values, entry["dictionary"] = _local_codes(values, column.dictionary)
        values = values.astype(values.dtype.newbyteorder("<"), copy=False)
        packed = zlib.compress(values.tobytes(), _LEVEL)
        layout.append({**entry, "type": values.dtype.str, "size": len(packed)})
        parts.append(packed)
    return layout, b"".join(parts)


def _local_codes(codes: np.ndarray, dictionary: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """The chunk's codes into a dictionary of only the strings it uses, in the narrowest integer type."""
    used = np.unique(codes[codes >= 0])
    local = np.where(codes >= 0, np.searchsorted(used, codes), -1)
    narrow = np.int8 if len(used) < 2**7 else np.int16 if len(used) < 2**15 else np.int32
    return local.astype(narrow), [dictionary[i] for i in used]


def _decode_chunk(layout: list[dict[str, Any]], data: bytes) -> Iterator[tuple[str, np.ndarray]]:
    offset = 0
    for entry in layout:
        raw = zlib.decompress(data[offset : offset + entry["size"]])
        offset += entry["size"]
        values = np.frombuffer(raw, dtype=np.dtype(entry["type"]))
        if entry["kind"] == "text":
            lookup = np.array([*entry["dictionary"], None], dtype=object)
            values = lookup[values]  # -1, missing, is the last entry: None
        yield entry["name"], values


def _allocate(dtype: str, length: int) -> np.ndarray:
    """An array for a whole column, filled chunk by chunk (np.empty: no pass over memory that is written anyway)."""
    return np.empty(
        length, dtype={"object": object, "float64": np.float64, "datetime64[s]": np.int64}.get(dtype, np.int8)
    )


def _series(values: np.ndarray, dtype: str) -> Any:
    if dtype == "datetime64[s]":
        return pd.Series(values.view("datetime64[s]"), copy=False)
    if dtype == "boolean":
        return pd.Series(pd.arrays.BooleanArray(values == 1, values == -1), copy=False)
    return pd.Series(values, dtype=dtype, copy=False)
