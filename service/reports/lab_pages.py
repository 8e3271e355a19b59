"""The laboratory abnormality pages of the DSMB report (templates/dsmb/_labs.html): each table's printed lines, the
eDISH figure and the listing, made from the analysis tables (service.labs) and nothing else.

The closed edition prints the arms (masked letters unless unmasked), the CMH test and the eDISH figure; the open
edition prints the pooled Total only and nothing comparative (the test table is not built there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from service.labs.abnormal import CATEGORY_WORDS
from service.labs.rows import LabShiftTestRow
from service.labs.shift import CMH_RULE
from service.labs.significant import NO_CRITERIA
from service.reports.edish import edish_figure
from service.reports.listing import Column, FixedPitchListing, set_listing
from service.reports.templating import format_number, format_p_value
from service.results import Table

# The landscape listing pages (style.css, @page listing), as the serious-AE listing (service.reports.dsmb).
LISTING_LINE_MM = 297 - 2 * 16
LISTING_FONT_PT = 7.0
DIRECTION_WORDS = {"low": "worst low", "high": "worst high"}


@dataclass(frozen=True)
class Line:
    label: str
    cells: dict[str, str]  # column (arm label or Total) -> cell as printed
    kind: str = "pt"  # "soc": a parameter's heading row (style.css), "pt": a line under it


@dataclass(frozen=True)
class LabPages:
    collected: bool
    categories: list[Line]
    shifts: dict[str, list[Line]]  # direction -> lines
    liver: list[Line]
    edish: Markup | None
    listing: FixedPitchListing
    listing_count: int
    assessed: bool  # criteria for a clinically significant value exist (declared, or grades to apply the default)
    test_note: str | None  # the CMH test's method, where the edition shows it (closed)


def cell(n: int, total: int, percent: float | None) -> str:
    """n/N (%): the denominators differ by arm and category, so each cell states its own."""
    return f"{n}/{total} ({format_number(percent)})" if total else "0/0"


def category_lines(table: Table[Any], columns: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    for _parameter, rows in _grouped(table.rows, "parameter"):
        lines.append(Line(rows[0].parameter_label, {}, "soc"))
        for category in ("LOW", "HIGH", "NORMAL"):
            by_arm = {r.arm: r for r in rows if r.category == category}
            lines.append(Line(CATEGORY_WORDS[category], {c: cell(by_arm[c].n, by_arm[c].n_analysed,
                                                                  by_arm[c].percent) for c in columns}))  # fmt: skip
    return lines


def shift_lines(table: Table[Any], columns: Sequence[str], tests: Mapping[tuple[str, str], LabShiftTestRow]
                ) -> list[Line]:  # fmt: skip
    """Per parameter: its heading (with the test, closed edition), then baseline → worst category."""
    lines: list[Line] = []
    for parameter, rows in _grouped(table.rows, "parameter"):
        test = tests.get((parameter, rows[0].direction))
        heading = rows[0].parameter_label + (f" — {shift_test_words(test)}" if test is not None else "")
        lines.append(Line(heading, {}, "soc"))
        for (baseline, category), group in _grouped_by_two(rows, "baseline", "category"):
            by_arm = {r.arm: r for r in group}
            if not any(r.n_baseline for r in group):
                continue  # a baseline category nobody has: in the CSV and ard.csv, not printed
            label = f"{baseline.capitalize()} → {category.capitalize()}"
            lines.append(Line(label, {c: cell(by_arm[c].n, by_arm[c].n_baseline, by_arm[c].percent)
                                      for c in columns}))  # fmt: skip
    return lines


def shift_test_words(test: LabShiftTestRow) -> str:
    if test.statistic is None:
        return "CMH: not tested (no stratum with two arms and two categories)"
    return f"CMH row mean scores Q = {test.statistic:.2f}, df {test.df}, p = {format_p_value(test.p_value)}"


def liver_lines(table: Table[Any], columns: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    for test, rows in _grouped(table.rows, "test"):
        lines.append(Line(test, {}, "soc"))
        for criterion, group in _grouped(rows, "criterion"):
            by_arm = {r.arm: r for r in group}
            lines.append(Line(criterion, {c: cell(by_arm[c].n, by_arm[c].n_analysed, by_arm[c].percent)
                                          for c in columns}))  # fmt: skip
    return lines


def significant_listing(rows: Sequence[Any], arm_names: Mapping[str, str] | None) -> FixedPitchListing:
    """One record per value: participant, arm (closed edition), parameter, visit, day, value and unit, range,
    xULN, grade, criterion met."""
    columns = [
        Column("Participant", wraps=False),
        *([Column("Arm")] if arm_names is not None else []),
        Column("Parameter"),
        Column("Visit"),
        Column("Day", align="right", wraps=False),
        Column("Value", align="right", wraps=False),
        Column("Unit", wraps=False),
        Column("Range", wraps=False),
        Column("xULN", align="right", wraps=False),
        Column("Grade", align="right", wraps=False),
        Column("Criterion met"),
    ]
    records = (
        (
            r.subject_id,
            *([arm_names.get(r.arm, r.arm)] if arm_names is not None else []),
            r.parameter,
            r.visit or "—",
            format_number(r.study_day),
            _g(r.value),
            r.unit or "",
            _range(r.range_low, r.range_high),
            format_number(r.times_uln, 2) if r.times_uln is not None else "—",
            format_number(r.grade),
            r.criterion,
        )
        for r in rows
    )
    return set_listing(columns, records, line_mm=LISTING_LINE_MM, font_pt=LISTING_FONT_PT)


def build_lab_pages(
    tables: Mapping[str, Table[Any]], columns: Sequence[str], names: Mapping[str, str], closed: bool
) -> LabPages:
    """Everything _labs.html prints. `columns`: the arms as the edition orders them, then Total (the open edition:
    Total only); `names`: arm label -> printed name."""
    tests = {(r.parameter, r.direction): r for r in tables["lab_shift_test"].rows} if "lab_shift_test" in tables else {}
    listing_rows = tables["listing_lab_significant"].rows
    return LabPages(
        collected=bool(tables["lab_categories"].rows),
        categories=category_lines(tables["lab_categories"], columns),
        shifts={d: shift_lines(tables[f"lab_shift_{d}"], columns, tests) for d in DIRECTION_WORDS},
        liver=liver_lines(tables["lab_liver"], columns),
        edish=edish_figure(tables["listing_liver_peaks"].rows, columns[:-1], names) if closed else None,
        listing=significant_listing(listing_rows, names if closed else None),
        listing_count=len(listing_rows),
        assessed=NO_CRITERIA not in tables["listing_lab_significant"].footnotes,
        test_note=CMH_RULE if tests else None,
    )


def lab_outline(pages: LabPages | None) -> list[tuple[str, str, str]]:
    """The abnormality displays' entries in the report's outline (service.reports.dsmb.report_outline): none when
    no laboratory data were collected (the section says so)."""
    if pages is None or not pages.collected:
        return []
    return [
        ("table", "lab-categories", "Laboratory values outside the normal range during treatment"),
        ("table", "lab-shift-low", "Shift from baseline to the worst low laboratory category"),
        ("table", "lab-shift-high", "Shift from baseline to the worst high laboratory category"),
        ("table", "lab-liver", "Possible drug-induced liver injury"),
        *([("figure", "lab-edish", "eDISH: peak ALT against peak total bilirubin, by arm")] if pages.edish else []),
        ("table", "listing-lab-significant", "Listing of clinically significant laboratory values"),
    ]


def _grouped(rows: Sequence[Any], field: str) -> list[tuple[Any, list[Any]]]:
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, field), []).append(row)
    return list(groups.items())


def _grouped_by_two(rows: Sequence[Any], first: str, second: str) -> list[tuple[tuple[Any, Any], list[Any]]]:
    groups: dict[tuple[Any, Any], list[Any]] = {}
    for row in rows:
        groups.setdefault((getattr(row, first), getattr(row, second)), []).append(row)
    return list(groups.items())


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if high is not None:
        return f"≤ {high:g}"
    return f"≥ {low:g}" if low is not None else "—"


def _g(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
