"""Source tables (CSV or SAS transport) read into rows that know their file, row number and columns.

Every typed read goes through `Row`, so every bad cell is reported the same way: file, row, column,
what is wrong, and what to do.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.errors import DataError
from service.importing.dates import PartialDate, parse_date, parse_partial_date

# Limits on what a source file may be: a trial's table is megabytes, and one cell a sentence or a paragraph. A
# larger one is a wrong file (a database dump, an image), refused before it is read into memory.
MAX_FILE_BYTES = 2 * 1024**3
MAX_CELL_BYTES = 128 * 1024
csv.field_size_limit(MAX_CELL_BYTES)
# Dates outside this window are typing errors (9999-12-31, 0020-01-01), not trial events.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# No measurement in any unit a trial records comes near this (cells per litre are ~10^12); 1e308 is a typing
# error, and squares to infinity in every variance.
MAX_MAGNITUDE = 1e15

_Date = date  # Row has a method named date
_TRUE = {"Y", "YES", "TRUE", "1"}
_FALSE = {"N", "NO", "FALSE", "0"}


@dataclass
class SourceTable:
    name: str
    columns: tuple[str, ...]
    records: list[dict[str, Any]]
    first_row: int  # the row number of records[0]: 2 in a CSV (after its header), 1 in a SAS file
    typed: bool = False  # a SAS file knows a character column from a numeric one; a CSV does not
    # A selection of a file's records (the laboratory records of the parameters an outcome names) keeps each
    # record's own row number; None: the records are the file's, in order, from first_row.
    row_numbers: list[int] | None = None

    def __iter__(self) -> Iterator[Row]:
        if self.row_numbers is not None:
            for number, values in zip(self.row_numbers, self.records, strict=True):
                yield Row(self, number, values)
            return
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

    def refuse_unknown(self, known: tuple[str, ...]) -> None:
        """An unknown column is an error naming the closest known one: a misspelt optional column
        (`death_dt`, `ctcae_grde`) would otherwise leave its data out without a word."""
        for column in self.columns:
            if column not in known:
                close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
                guess = f"; did you mean '{close[0]}'?" if close else ""
                raise DataError(
                    f"unknown column '{column}'{guess}",
                    file=self.name,
                    row=1,
                    column=column,
                    hint=f"The columns {self.name} may have: {', '.join(known)}.",
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

    def number(
        self, column: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
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
        if maximum is not None and number > maximum:
            raise self.error(column, f"{value} is above the largest allowed value, {maximum:g}")
        if abs(number) > MAX_MAGNITUDE:
            raise self.error(column, f"{value} is not a plausible value", f"Values here are below {MAX_MAGNITUDE:g}.")
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
            return self._plausible(column, value.date())
        if isinstance(value, date):
            return self._plausible(column, value)
        try:
            parsed = parse_date(str(value))
        except ValueError:
            raise self.error(column, f"'{value}' is not a date", "Write dates as YYYY-MM-DD.") from None
        return self._plausible(column, parsed)

    def _plausible(self, column: str, value: _Date) -> _Date:
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise self._implausible(column, value.isoformat())
        return value

    def _implausible(self, column: str, shown: str) -> DataError:
        return self.error(
            column,
            f"{shown} is not a plausible date",
            f"Dates must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}; leave an unknown "
            "date empty.",
        )

    def partial_date(self, column: str) -> PartialDate | None:
        value = self.raw(column)
        if value is None:
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            self._plausible(column, value)
            return PartialDate(value.year, value.month, value.day)
        try:
            partial = parse_partial_date(str(value))
        except ValueError:
            raise self.error(
                column,
                f"'{value}' is not a date",
                "Write dates as YYYY-MM-DD; for a partial date, YYYY-MM or YYYY.",
            ) from None
        if not EARLIEST_DATE.year <= partial.year <= LATEST_DATE.year:
            raise self._implausible(column, str(value))
        return partial

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


TABLE_SUFFIXES = (".xpt", ".csv")


def find_table(folder: Path, stem: str) -> Path | None:
    """The file `stem`.xpt or `stem`.csv in `folder`, ignoring case (SAS files are often upper-case). Two files for
    one dataset (`dm.xpt` and `DM.csv`) are refused naming both: reading either would silently ignore the other."""
    found = [path for path in sorted(folder.iterdir())
             if path.stem.lower() == stem.lower() and path.suffix.lower() in TABLE_SUFFIXES]  # fmt: skip
    refuse_twins(found, stem.upper())
    return found[0] if found else None  # whatever it is: read_table refuses a folder, a FIFO or a link out, by name


def find_file(folder: Path, name: str) -> Path | None:
    """The file `name` in `folder`, refused when another file's name differs from it only in case
    (`participants.csv` and `Participants.csv`): one of the two would be ignored without a word."""
    found = [path for path in sorted(folder.iterdir()) if path.name.casefold() == name.casefold()]
    refuse_twins(found, name)
    return folder / name if os.path.lexists(folder / name) else None


def refuse_twins(paths: list[Path], dataset: str) -> None:
    if len(paths) > 1:
        count = {2: "two", 3: "three"}.get(len(paths), str(len(paths)))
        raise DataError(f"{count} files for one dataset ({dataset}); regsync cannot tell which one to read",
                        file=", ".join(path.name for path in paths),
                        hint="Keep one of them in the source folder.")  # fmt: skip


def check_source_file(path: Path) -> None:
    """Only a regular file inside its source folder, of a sane size, is read. A symbolic link may point within
    the folder; one pointing out is refused without reading (or quoting) what it points at. A FIFO would block
    the import, and its job's lock, forever."""
    name = path.name
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if not target.is_relative_to(path.parent.resolve()):
                raise DataError(
                    "is a symbolic link to a file outside the source folder",
                    file=name,
                    hint="Copy the file into the source folder instead of linking to it.",
                )
            info = os.stat(path)
    except FileNotFoundError:
        raise DataError("the file is missing", file=name, hint=f"Expected it in {path.parent}.") from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError("is a folder, not a file", file=name, hint=f"Put the {name} file itself here.")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(
            "is not a regular file (a FIFO, socket or device)", file=name, hint="Put an ordinary file here."
        )
    if info.st_size > MAX_FILE_BYTES:
        raise DataError(
            f"is {info.st_size / 1024**3:.1f} GiB, over the {MAX_FILE_BYTES // 1024**3} GiB limit for one table",
            file=name,
            hint="Check that this is the right file.",
        )


def read_source_bytes(path: Path) -> bytes:
    check_source_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: OSError) -> DataError:
    return DataError(f"cannot be read: {exc.strerror}", file=path.name, hint="Check the file's permissions.")


def read_table(path: Path, *, upper: bool) -> SourceTable:
    if path.suffix.lower() == ".xpt":
        return read_xpt(path, upper=upper)
    return read_csv(path, upper=upper)


def read_csv(path: Path, *, upper: bool = False) -> SourceTable:
    data = read_source_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc, upper) from None
    if "\x00" in text:
        raise _nul_byte(path, text)
    rows = _numbered_rows(path, csv.reader(io.StringIO(text, newline=""), strict=True))
    first = next(rows, None)
    if first is None:
        raise DataError("the file is empty", file=path.name, hint="It needs a header row naming its columns.")
    columns = tuple(_column_name(c, upper) for c in first[1])
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise DataError("the column appears twice in the header", file=path.name, row=1, column=column)
        seen.add(column)
    records = []
    for line_index, cells in rows:
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


def _numbered_rows(path: Path, reader: Any) -> Iterator[tuple[int, list[str]]]:
    """The reader's rows with their row numbers as a spreadsheet shows them (the header is row 1), and the csv
    module's errors as a DataError naming the row where the failing one begins."""
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(path, number, exc) from None
        yield number, cells
        number += 1


def _csv_error(path: Path, line: int, exc: csv.Error) -> DataError:
    """The csv module's errors in a person's words (an unclosed quote runs to the end of the file)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return DataError(f"a cell is larger than {MAX_CELL_BYTES // 1024} KiB", file=path.name, row=line,
                         hint="Check for an unclosed quote, or shorten the text.")  # fmt: skip
    if "unexpected end of data" in text or "EOF" in text:
        return DataError("a quote opened here is never closed", file=path.name, row=line,
                         hint="Close the quote, or double a quote that is part of the text.")  # fmt: skip
    return DataError(f"is not valid CSV ({text})", file=path.name, row=line,
                     hint="Check quotes and delimiters; cells are separated by commas.")  # fmt: skip


def _nul_byte(path: Path, text: str) -> DataError:
    before = text[: text.index("\x00")]
    row = before.count("\n") + 1
    return DataError("holds a NUL byte (\\x00)", file=path.name, row=row,
                     hint="The file is damaged or not text: export it again as CSV.")  # fmt: skip


def read_xpt(path: Path, *, upper: bool = True) -> SourceTable:
    import pyreadstat

    check_source_file(path)  # pyreadstat opens it by name: a FIFO or a link out is refused first

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
    return SourceTable(path.name, tuple(frame.columns), records, first_row=1, typed=True)


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
