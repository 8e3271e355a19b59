"""An AE table by SOC and PT as the report prints it: its lines, and its columns split into parts that fit the page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.reports.columns import Column, split_columns, stub_width_mm
from service.reports.templating import format_number, format_p_value

STUB_HEADER = "System organ class / Preferred term"
ANY_LABEL = {
    "ae_soc_pt_serious": "Any serious TEAE",
    "ae_soc_pt_related": "Any related TEAE",
    "ae_soc_pt_discontinuation": "Any TEAE leading to discontinuation",
}


@dataclass(frozen=True)
class AeLine:
    level: str  # any, soc, pt
    label: str
    cells: dict[str, Any]


@dataclass(frozen=True)
class AeTable:
    lines: list[AeLine]
    parts: list[list[Column]]


def rows_by_key(rows: Sequence[Any]) -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
    """AE rows grouped by (level, soc, pt), in the table's order: one table line per key, a cell per arm."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        grouped.setdefault((row.level, row.soc, row.pt), {})[row.arm] = row
    return list(grouped.items())


def count_cell(row: Any) -> str:
    """n (%) [events]; a count the data do not hold ("not collected") is said once, not in each place."""
    if not isinstance(row.n_subjects, int):
        return str(row.n_subjects)
    return f"{row.n_subjects} ({format_number(row.percent)}) [{row.n_events}]"


def comparison_cell(row: Any) -> str:
    low, high = format_number(row.risk_diff_low), format_number(row.risk_diff_high)
    return f"{format_number(row.risk_diff)} ({low}, {high}); {format_p_value(row.p_value)}"


def build_ae_table(
    name: str, rows: Sequence[Any], columns: Sequence[str], names: Mapping[str, str], comparisons: Mapping[str, str]
) -> AeTable:
    """`columns`: the count columns (arms, then Total); `comparisons`: each compared column's heading, in order
    (empty in the open edition)."""
    any_label = ANY_LABEL.get(name, "Any TEAE")
    lines = [
        AeLine(level, any_label if level == "any" else soc if level == "soc" else pt, cells)
        for (level, soc, pt), cells in rows_by_key(rows)
    ]
    counts = [
        Column(c, "count", (names[c], "n (%) [E]"), tuple(count_cell(line.cells[c]) for line in lines)) for c in columns
    ]
    compared = [
        Column(c, "comparison", (label, "RD (95% CI); p"), tuple(comparison_cell(line.cells[c]) for line in lines))
        for c, label in comparisons.items()
    ]
    stub = stub_width_mm([line.label for line in lines], STUB_HEADER)
    return AeTable(lines, split_columns(stub, counts, compared))
