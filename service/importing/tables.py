"""Source tables (CSV or SAS transport) read into rows that know their file, row number and columns.

Every typed read goes through `Row`, so every bad cell is reported the same way: file, row, column,
what is wrong, and what to do.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.errors import DataError
from service.importing.dates import PartialDate, parse_date, parse_partial_date

_TRUE = {"Y", "YES", "TRUE", "1"}
_FALSE = {"N", "NO", "FALSE", "0"}


@dataclass
class SourceTable:
    name: str
    columns: tuple[str, ...]
    records: list[dict[str, Any]]
    first_row: int  # the row number of records[0]: 2 in a CSV (after its header), 1 in a SAS file

    def __iter__(self) -> Iterator[Row]:
        for index, values in enumerate(self.records):
            yield Row(self, index + self.first_row, values)

    def has(self, column: str) -> bool:
        return column in self.columns

    def require(self, *columns: str, hint: str | None = None) -> None:
        for column in columns:
            if column not in self.columns:
                raise DataError(
                    "required column is missing",
                    file=self.name,
                    column=column,
                    hint=hint or f"The file has: {', '.join(self.columns) or 'no columns'}.",
                )

    def require_one_of(self, *columns: str) -> str:
        for column in columns:
            if column in self.columns:
                return column
        raise DataError(
            f"needs one of the columns {' or '.join(columns)}",
            file=self.name,
            column=columns[0],
            hint=f"The file has: {', '.join(self.columns) or 'no columns'}.",
        )


class Row:
    __slots__ = ("row_number", "table", "values")

    def __init__(self, table: SourceTable, number: int, values: dict[str, Any]) -> None:
        self.table = table
        self.row_number = number
        self.values = values

    def error(self, column: str, problem: str, hint: str | None = None) -> DataError:
        return DataError(problem, file=self.table.name, row=self.row_number, column=column, hint=hint)

    def raw(self, column: str) -> Any:
        value = self.values.get(column)
        if value.__class__ is str:  # every CSV cell: the hot path of a large import
            return value.strip() or None
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.raw(column)
        if value.__class__ is str:
            return value
        if value is None:
            if required:
                raise self.error(column, "is empty", "Every row needs a value here.")
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def required_text(self, column: str) -> str:
        value = self.text(column, required=True)
        assert value is not None
        return value

    def number(self, column: str, *, required: bool = False, minimum: float | None = None) -> float | None:
        value = self.raw(column)
        if value is None:
            if required:
                raise self.error(column, "is empty", "Every row needs a number here.")
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.error(column, f"'{value}' is not a number", "Write a plain number such as 7.2.") from None
        if math.isnan(number) or math.isinf(number):
            raise self.error(column, f"'{value}' is not a number", "Write a plain number such as 7.2.")
        if minimum is not None and number < minimum:
            raise self.error(column, f"{value} is below the smallest allowed value, {minimum:g}")
        return number

    def integer(self, column: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        number = self.number(column)
        if number is None:
            return None
        if not number.is_integer():
            raise self.error(column, f"'{self.raw(column)}' is not a whole number")
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self.error(column, f"{int(number)} is outside {minimum}–{maximum}")
        return int(number)

    def date(self, column: str, *, required: bool = False) -> date | None:
        value = self.raw(column)
        if value is None:
            if required:
                raise self.error(column, "is empty", "Every row needs a date here (YYYY-MM-DD).")
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except ValueError:
            raise self.error(column, f"'{value}' is not a date", "Write dates as YYYY-MM-DD.") from None

    def partial_date(self, column: str) -> PartialDate | None:
        value = self.raw(column)
        if value is None:
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return PartialDate(value.year, value.month, value.day)
        try:
            return parse_partial_date(str(value))
        except ValueError:
            raise self.error(
                column,
                f"'{value}' is not a date",
                "Write dates as YYYY-MM-DD; for a partial date, YYYY-MM or YYYY.",
            ) from None

    def flag(self, column: str, *, default: bool = False) -> bool:
        value = self.text(column)
        if value is None:
            return default
        token = value.upper()
        if token in _TRUE:
            return True
        if token in _FALSE:
            return False
        raise self.error(column, f"'{value}' is not Y or N")

    def optional_flag(self, column: str) -> bool | None:
        return self.flag(column) if self.text(column) is not None else None

    def choice(self, column: str, mapping: Callable[[str], str | None], allowed: str) -> str | None:
        value = self.text(column)
        if value is None:
            return None
        chosen = mapping(value)
        if chosen is None:
            raise self.error(column, f"'{value}' is not allowed here", f"Use one of: {allowed}.")
        return chosen


def find_table(folder: Path, stem: str) -> Path | None:
    """The file `stem`.xpt or `stem`.csv in `folder`, ignoring case (SAS files are often upper-case)."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.stem.lower() == stem.lower() and path.suffix.lower() in (".xpt", ".csv"):
            return path
    return None


def read_table(path: Path, *, upper: bool) -> SourceTable:
    if path.suffix.lower() == ".xpt":
        return read_xpt(path, upper=upper)
    return read_csv(path, upper=upper)


def read_csv(path: Path, *, upper: bool = False) -> SourceTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc, upper) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise DataError("the file is empty", file=path.name, hint="It needs a header row naming its columns.")
    columns = tuple(_column_name(c, upper) for c in header)
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise DataError("the column appears twice in the header", file=path.name, row=1, column=column)
        seen.add(column)
    records = []
    for line_index, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            raise DataError("the row is empty", file=path.name, row=line_index, hint="Delete empty rows.")
        if len(cells) != len(columns):
            raise DataError(
                f"the row has {len(cells)} cells but the header names {len(columns)} columns",
                file=path.name,
                row=line_index,
                column=_ragged_column(columns, len(cells)),
                hint="Check for a stray or missing comma, or an unclosed quote.",
            )
        records.append(dict(zip(columns, cells, strict=True)))
    return SourceTable(path.name, columns, records, first_row=2)


def read_xpt(path: Path, *, upper: bool = True) -> SourceTable:
    import pyreadstat

    try:
        frame, _meta = pyreadstat.read_xport(str(path), encoding="utf-8")
    except Exception as exc:  # pyreadstat raises its own untyped errors for damaged files
        raise DataError(
            f"cannot be read as a SAS transport file: {exc}",
            file=path.name,
            hint="Export it again as SAS XPORT (version 5) with UTF-8 text.",
        ) from None
    frame.columns = [_column_name(str(c), upper) for c in frame.columns]
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return SourceTable(path.name, tuple(frame.columns), records, first_row=1)


def _ragged_column(columns: tuple[str, ...], cells: int) -> str:
    """The first column without a cell, or the first cell without a column."""
    if cells < len(columns):
        return columns[cells]
    return f"#{len(columns) + 1} (after {columns[-1]})"


def _column_name(name: str, upper: bool) -> str:
    name = name.strip().lstrip("\ufeff")
    return name.upper() if upper else name.lower()


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError, upper: bool) -> DataError:
    """Find the row and column of the first byte that is not UTF-8."""
    text = data.decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    bad = data[exc.start]
    hint = "Save the file as UTF-8 (in Excel: CSV UTF-8)."
    for line_index, cells in enumerate([header, *reader], start=1):
        for column_index, cell in enumerate(cells):
            if any("\udc80" <= ch <= "\udcff" for ch in cell):
                column = header[column_index] if column_index < len(header) and line_index > 1 else None
                return DataError(
                    f"is not UTF-8 text (byte 0x{bad:02X})",
                    file=path.name,
                    row=line_index,
                    column=_column_name(column, upper) if column else f"#{column_index + 1}",
                    hint=hint,
                )
    return DataError(f"is not UTF-8 text (byte 0x{bad:02X} at offset {exc.start})", file=path.name, hint=hint)
