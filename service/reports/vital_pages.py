"""The laboratory and vital-sign pages over time as the DSMB report prints them (templates/dsmb/_lab_visits.html,
_vitals.html): each table's lines, grouped under their parameter, and its arm columns split into parts that fit the
page (service.reports.columns), the row labels repeated in each part.

A by-visit cell is two lines, "n; mean (SD)" over "median (min, max)", to the data's decimals plus one for the mean,
SD and median; a count cell is "n/N (%)".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from service.labs.visit_rows import MissingRow, NotableRow, VisitSummaryRow, WeightRow
from service.reports.columns import Column, split_columns, stub_width_mm
from service.reports.templating import format_number
from service.results import Table

# The outline's entries (service.reports.dsmb.report_outline): the laboratory tables open the laboratory section.
LAB_VISITS_OUTLINE = [
    ("table", "lab-by-visit", "Laboratory values and change from baseline by visit"),
    ("table", "lab-missing", "Missing laboratory data by visit"),
]
VITALS_OUTLINE = [
    ("table", "vitals-by-visit", "Vital signs and change from baseline by visit"),
    ("table", "vitals-notable", "Vital signs meeting clinically notable criteria after baseline"),
    ("table", "vitals-weight", "Weight change from baseline to the last on-treatment value"),
]
MAX_DECIMALS = 3


@dataclass(frozen=True)
class Line:
    kind: str  # "group" (a parameter's heading: label only), "row", "change" (a change row, indented)
    label: str
    cells: dict[str, tuple[str, ...]]  # column -> the cell's lines


@dataclass(frozen=True)
class PrintedTable:
    stub: str  # the row labels' heading
    lines: list[Line]
    parts: list[list[Column]]  # the columns of each part, in order (Column.header: name, what the cell holds)

    @property
    def empty(self) -> bool:
        return not self.lines


def _decimals(value: float | None) -> int:
    if value is None:
        return 0
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return min(MAX_DECIMALS, max(0, -exponent)) if isinstance(exponent, int) else 0


def summary_cell(row: VisitSummaryRow, d: int) -> tuple[str, ...]:
    """n; mean (SD) / median (min, max): the mean, SD and median one decimal beyond the data's `d`."""
    if not row.n:
        return ("0",)
    sd = f" ({row.sd:.{d + 1}f})" if row.sd is not None else ""
    return (f"{row.n}; {row.mean:.{d + 1}f}{sd}",
            f"{row.median:.{d + 1}f} ({row.minimum:.{d}f}, {row.maximum:.{d}f})")  # fmt: skip


def count_cell(n: int, total: int, percent: float | None) -> tuple[str, ...]:
    return (f"{n}/{total} ({format_number(percent)})",) if total else ("0/0",)


def _table(stub: str, lines: list[Line], columns: Sequence[str], names: Mapping[str, str], *what: str
           ) -> PrintedTable:  # fmt: skip
    measured = [
        Column(c, "count", (names.get(c, c), *what),
               tuple(text for line in lines for text in line.cells.get(c, ())))
        for c in columns
    ]  # fmt: skip
    width = stub_width_mm([line.label for line in lines], stub)
    return PrintedTable(stub, lines, split_columns(width, measured, []) if lines else [measured])


def _grouped(rows: Sequence[Any], head: Callable[[Any], str], label: Callable[[Any], tuple[str, str]],
             cell: Callable[[Any], tuple[str, ...]]) -> list[Line]:  # fmt: skip
    """Lines in the rows' order: a group line when `head` changes, then one line per `label` with a cell per arm."""
    lines: list[Line] = []
    at: dict[tuple[str, str, str], Line] = {}
    for row in rows:
        group = head(row)
        kind, text = label(row)
        if group != _current(lines):
            lines.append(Line("group", group, {}))
        key = (group, kind, text)
        if key not in at:
            at[key] = Line(kind, text, {})
            lines.append(at[key])
        at[key].cells[row.arm] = cell(row)
    return lines


def _current(lines: list[Line]) -> str | None:
    return next((line.label for line in reversed(lines) if line.kind == "group"), None)


def _heading(param: str, timepoint: str) -> str:
    return f"{param} — {timepoint}" if timepoint else param


def by_visit_table(table: Table[VisitSummaryRow], columns: Sequence[str], names: Mapping[str, str]) -> PrintedTable:
    decimals: dict[tuple[str, str], int] = {}
    for r in table.rows:
        if r.statistic == "value":
            key = (r.paramcd, r.timepoint)
            decimals[key] = max(decimals.get(key, 0), _decimals(r.minimum), _decimals(r.maximum))
    lines = _grouped(
        table.rows,
        lambda r: _heading(r.param, r.timepoint),
        lambda r: ("change", f"{r.visit}: change") if r.statistic == "change" else ("row", r.visit),
        lambda r: summary_cell(r, decimals.get((r.paramcd, r.timepoint), 0)),
    )
    return _table("Parameter / visit", lines, columns, names, "n; mean (SD)", "median (min, max)")


def missing_table(table: Table[MissingRow], columns: Sequence[str], names: Mapping[str, str]) -> PrintedTable:
    lines = _grouped(table.rows, lambda r: r.param, lambda r: ("row", r.visit),
                     lambda r: count_cell(r.n_missing, r.n_expected, r.percent))  # fmt: skip
    return _table("Parameter / visit", lines, columns, names, "missing/", "expected (%)")


def notable_table(table: Table[NotableRow], columns: Sequence[str], names: Mapping[str, str]) -> PrintedTable:
    lines = _grouped(table.rows, lambda r: _heading(r.param, r.timepoint), lambda r: ("row", r.criterion),
                     lambda r: count_cell(r.n, r.n_evaluable, r.percent))  # fmt: skip
    return _table("Parameter / criterion", lines, columns, names, "n/N (%)")


def weight_table(table: Table[WeightRow], columns: Sequence[str], names: Mapping[str, str]) -> PrintedTable:
    lines = _grouped(table.rows, lambda r: "", lambda r: ("row", r.category),
                     lambda r: count_cell(r.n, r.n_evaluable, r.percent))  # fmt: skip
    return _table("Change from baseline", [line for line in lines if line.kind != "group"], columns, names,
                  "n/N (%)")  # fmt: skip


def build_visit_pages(tables: Mapping[str, Table[Any]], columns: Sequence[str], names: Mapping[str, str]
                      ) -> dict[str, PrintedTable]:  # fmt: skip
    """Each laboratory and vital-sign table over time, as printed, by its table name."""
    makers: dict[str, Callable[[Any, Sequence[str], Mapping[str, str]], PrintedTable]] = {
        "lab_by_visit": by_visit_table,
        "lab_missing_by_visit": missing_table,
        "vitals_by_visit": by_visit_table,
        "vitals_notable": notable_table,
        "vitals_weight": weight_table,
    }
    return {name: make(tables[name], columns, names) for name, make in makers.items() if name in tables}
