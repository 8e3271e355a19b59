"""A wide table split into parts that each fit the page, the row labels repeated in every part.

A DMC reader must never lose a column: with k arms a safety table has k + 1 count columns and, in the closed
edition, a comparison column for each comparison. The counts stay together (split only when they alone are wider
than the page); comparisons fill what room is left beside them, then continue in parts of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.reports.textwidth import text_width_mm

# A4 portrait less the 16 mm side margins (templates/dsmb/style.css, @page), and the tables' type and cell padding.
PAGE_TEXT_MM = 210 - 2 * 16
TABLE_FONT_PT = 8.0
CELL_PADDING_MM = 2 * 1.5
# Row labels wrap: a part is packed with its row labels this narrow (or their longest word), and the layout gives
# them whatever room the part's columns leave.
STUB_PACKED_MM = 30.0
# A preferred term is indented under its system organ class (style.css, td.pt).
INDENT_MM = 3.5
# What the layout engine adds that these sums do not see (borders, rounding): kept free on every part.
SLACK_MM = 4.0


@dataclass(frozen=True)
class Column:
    key: str
    kind: str  # "count" or "comparison"
    header: tuple[str, ...]
    cells: tuple[str, ...]

    def width_mm(self) -> float:
        head = max((text_width_mm(line, TABLE_FONT_PT, bold=True) for line in self.header), default=0.0)
        body = max((text_width_mm(cell, TABLE_FONT_PT) for cell in self.cells), default=0.0)
        return max(head, body) + CELL_PADDING_MM


def stub_width_mm(labels: Sequence[str], header: str) -> float:
    """The row-label column as a part is packed: STUB_PACKED_MM, or its longest word (bold, indented) if wider."""
    words = [word for text in (*labels, header) for word in text.split()]
    longest = max((text_width_mm(word, TABLE_FONT_PT, bold=True) for word in words), default=0.0)
    return max(STUB_PACKED_MM, longest + INDENT_MM) + CELL_PADDING_MM


def split_columns(
    stub_mm: float, counts: Sequence[Column], comparisons: Sequence[Column], available_mm: float = PAGE_TEXT_MM
) -> list[list[Column]]:
    """The parts, in order: every count column first (in as few parts as they fit), then the comparisons, each
    part as full as the page allows. A column wider than a page on its own gets a part of its own."""
    room = available_mm - SLACK_MM
    parts: list[list[Column]] = [[]]
    used = stub_mm
    for column in [*counts, *comparisons]:
        width = column.width_mm()
        if parts[-1] and used + width > room:
            parts.append([])
            used = stub_mm
        parts[-1].append(column)
        used += width
    return parts
