"""A laboratory or vital-sign source file read column by column, never row by row.

Laboratory data are a trial's largest dataset (10,000 participants x 30 parameters x 12 visits is 3.6 million
records), so a CSV is parsed by pandas' C reader straight into categorical columns (each distinct text stored
once; a row costs a small integer code per column) and a SAS transport file is read in chunks. Every check works on
the distinct values and finds the first offending row by its code, so a bad cell is still named by file, row and
column, with row numbers counted as everywhere else (service.importing.tables: in a CSV the header is row 1, in a
SAS file the first record is row 1).

A file pandas cannot read cleanly (a ragged or empty row, a duplicated column, text that is not UTF-8) is read
again by the importers' own CSV reader, whose message names the place: such files are rare, and wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from service.importing.tables import check_source_file, read_csv, read_source_bytes

XPT_CHUNK_ROWS = 500_000
_BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 23  # bytes per block when counting cells


@dataclass
class SourceFrame:
    """One source file as columns: text columns categorical (as read, unstripped), numbers float64 and dates
    datetime64 where a SAS file types them. `first_row` is the row number of the frame's first record."""

    name: str
    frame: pd.DataFrame
    first_row: int
    typed: bool

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def row_number(self, position: int) -> int:
        return position + self.first_row


def read_source_frame(path: Path, *, upper: bool) -> SourceFrame:
    if path.suffix.lower() == ".xpt":
        return _read_xpt(path, upper=upper)
    return _read_csv(path, upper=upper)


def _read_csv(path: Path, *, upper: bool) -> SourceFrame:
    data = read_source_bytes(path)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        read_csv(path, upper=upper)  # raises: the file is empty
    if b"\x00" in data or not _is_utf8(data) or _duplicate_header(data):
        _refuse(path, upper)
    # pandas pads a short row and may drop a long one's extra cell without a word: count the cells first.
    if not _rows_even(data):
        _refuse(path, upper)
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype="category", na_filter=False, skip_blank_lines=False,
                            index_col=False, encoding="utf-8", quotechar='"')  # fmt: skip
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        _refuse(path, upper)
    del data
    frame.columns = [_column_name(str(c), upper) for c in frame.columns]
    return SourceFrame(path.name, frame, first_row=2, typed=False)


def _rows_even(data: bytes) -> bool:
    """Every row has as many cells as the header. Without quotes a row is a line and its cells
    its commas plus one, counted with numpy a block at a time; with quotes (a comma or line break inside a cell)
    the csv module counts."""
    if b'"' in data:
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""), strict=True)
        try:
            width = len(next(reader))
            return all(len(cells) == width and any(cells) for cells in reader)
        except csv.Error:
            return False
    array = np.frombuffer(data, dtype=np.uint8)
    ends: list[np.ndarray] = []
    carried = 0
    for start in range(0, len(array), _BLOCK):
        block = array[start : start + _BLOCK]
        commas = np.cumsum(block == 44, dtype=np.int64)  # ','
        newlines = np.flatnonzero(block == 10)  # '\n'
        ends.append(commas[newlines] + carried)
        carried += int(commas[-1])
    if array[-1] != 10:
        ends.append(np.array([carried]))
    per_line = np.diff(np.concatenate([[0], *ends]))
    # A blank line has no comma, so it differs from the header too (a lab file has more than one column).
    return bool((per_line == per_line[0]).all())


def _refuse(path: Path, upper: bool) -> None:
    """The importers' own reader names the bad row; should it find nothing wrong, say so plainly."""
    read_csv(path, upper=upper)
    from service.errors import DataError

    raise DataError("cannot be read as CSV", file=path.name, hint="Check quotes and delimiters; cells are "
                    "separated by commas.")  # fmt: skip


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _duplicate_header(data: bytes) -> bool:
    end = data.find(b"\n")
    header = next(csv.reader([data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")]), [])
    names = [name.strip().casefold() for name in header]
    return len(set(names)) != len(names)


def _read_xpt(path: Path, *, upper: bool) -> SourceFrame:
    import pyreadstat

    from service.errors import DataError

    check_source_file(path)
    chunks: list[pd.DataFrame] = []
    try:
        reader = pyreadstat.read_file_in_chunks(pyreadstat.read_xport, str(path), chunksize=XPT_CHUNK_ROWS,
                                                encoding="utf-8", dates_as_pandas_datetime=True)  # fmt: skip
        for chunk, _meta in reader:
            chunks.append(_categorical(chunk))
    except DataError:
        raise
    except Exception as exc:  # pyreadstat raises its own untyped errors for damaged files
        raise DataError(f"cannot be read as a SAS transport file: {exc}", file=path.name,
                        hint="Export it again as SAS XPORT (version 5) with UTF-8 text.") from None  # fmt: skip
    frame = _concat(chunks)
    frame.columns = [_column_name(str(c), upper) for c in frame.columns]
    return SourceFrame(path.name, frame, first_row=1, typed=True)


def _categorical(chunk: pd.DataFrame) -> pd.DataFrame:
    """A chunk's text columns as categories; a text column read as None (empty) becomes ""."""
    for column in chunk.columns:
        if chunk[column].dtype == object or pd.api.types.is_string_dtype(chunk[column].dtype):
            values = chunk[column]
            if values.map(type).isin([str]).all() or values.isna().all():
                chunk[column] = values.fillna("").astype("category")
            else:  # dates pyreadstat could not type, or mixed values: as their text
                chunk[column] = values.map(lambda v: "" if v is None else str(v)).astype("category")
    return chunk.reset_index(drop=True)


def _concat(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    if not chunks:
        return pd.DataFrame()
    if len(chunks) == 1:
        return chunks[0]
    columns = {}
    for column in chunks[0].columns:
        parts = [chunk[column] for chunk in chunks]
        if all(isinstance(part.dtype, pd.CategoricalDtype) for part in parts):
            columns[column] = pd.Series(pd.api.types.union_categoricals([part.array for part in parts]))
        else:
            columns[column] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(columns)


def _column_name(name: str, upper: bool) -> str:
    name = name.strip().lstrip("\ufeff")
    return name.upper() if upper else name.lower()


def first_position(mask: np.ndarray | pd.Series) -> int:
    """The position of the first True."""
    return int(np.argmax(np.asarray(mask)))
