"""Long listings set in fixed-pitch columns: each record one block of pre-wrapped lines, not a table cell per value.

WeasyPrint lays out and draws every table cell on its own, about 1.3 ms a cell on the reference machine, so the
closed report of a 10,000-participant trial (a listing of 6,000 records, nine columns) took about a minute to
render. With the records as lines of a fixed-pitch font, one block per record, it took 23 s (bench/README.md);
columns are sized to their content and wrapped here, so the result depends on the data alone. It is also the form a DSMB
member knows listings in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAP = "  "
# DejaVu Sans Mono (templates/fonts): every glyph advances 1233/2048 em, bold included.
ADVANCE_EM = 1233 / 2048
POINT_MM = 25.4 / 72


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "left"  # "right" for numbers
    wraps: bool = True  # False: kept as wide as its widest value while the line has room


@dataclass(frozen=True)
class FixedPitchListing:
    header: str
    records: tuple[str, ...]
    line_chars: int
    font_pt: float


def characters_per_line(line_mm: float, font_pt: float) -> int:
    return int(line_mm / (font_pt * ADVANCE_EM * POINT_MM))


def set_listing(
    columns: Sequence[Column], rows: Iterable[Sequence[object]], *, line_mm: float, font_pt: float
) -> FixedPitchListing:
    """`rows` as records of lines at most `line_mm` wide in a `font_pt` fixed-pitch font; values are text
    (None prints as an empty field), whitespace inside a value (tabs, line breaks) is one space."""
    line_chars = characters_per_line(line_mm, font_pt)
    values = [[" ".join(str("" if v is None else v).split()) for v in row] for row in rows]
    widths = column_widths(columns, values, line_chars)
    return FixedPitchListing(
        header=format_record([c.title for c in columns], columns, widths),
        records=tuple(format_record(row, columns, widths) for row in values),
        line_chars=line_chars,
        font_pt=font_pt,
    )


def column_widths(columns: Sequence[Column], values: Sequence[Sequence[str]], line_chars: int) -> list[int]:
    """Each column as wide as its widest value or title when the line has room. Otherwise the widest wrapping
    columns are narrowed first, to a common width, so short columns stay whole; when the columns that do not wrap
    leave no room, every column wraps."""
    natural = [max([len(c.title), *(len(row[i]) for row in values)]) for i, c in enumerate(columns)]
    room = line_chars - len(GAP) * (len(columns) - 1)
    if sum(natural) <= room:
        return natural
    flexible = [i for i, c in enumerate(columns) if c.wraps]
    if sum(n for i, n in enumerate(natural) if i not in flexible) + len(flexible) > room:
        flexible = list(range(len(columns)))
    budget = room - sum(n for i, n in enumerate(natural) if i not in flexible)
    cap = max(natural[i] for i in flexible)
    while cap > 1 and sum(min(natural[i], cap) for i in flexible) > budget:
        cap -= 1
    widths = [min(n, cap) if i in flexible else n for i, n in enumerate(natural)]
    spare = budget - sum(widths[i] for i in flexible)
    for i in [i for i in flexible if natural[i] > cap][: max(spare, 0)]:
        widths[i] += 1
    return widths


def format_record(row: Sequence[str], columns: Sequence[Column], widths: Sequence[int]) -> str:
    cells = [wrap(value, width) for value, width in zip(row, widths, strict=True)]
    lines = []
    for n in range(max(len(cell) for cell in cells)):
        parts = []
        for cell, width, column in zip(cells, widths, columns, strict=True):
            text = cell[n] if n < len(cell) else ""
            parts.append(text.rjust(width) if column.align == "right" else text.ljust(width))
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def wrap(value: str, width: int) -> list[str]:
    if len(value) <= width:  # most values: textwrap would only split and rejoin them
        return [value]
    return textwrap.wrap(value, width, break_long_words=True, break_on_hyphens=True)
