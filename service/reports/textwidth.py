"""How wide a text is set in the report's fonts, read from the TrueType files the report embeds.

Only the horizontal metrics are needed (the 'cmap', 'hhea', 'hmtx' and 'head' tables; OpenType spec, "Recommended
tables"), so a few structs replace a font library. Kerning is ignored: it only narrows a line.
"""

from __future__ import annotations

import struct
from functools import cache

from service.resources import templates_dir

POINT_MM = 25.4 / 72


class FontMetrics:
    def __init__(self, data: bytes) -> None:
        tables = {}
        (count,) = struct.unpack_from(">H", data, 4)
        for index in range(count):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * index)
            tables[tag.decode("latin-1")] = offset
        (self.units_per_em,) = struct.unpack_from(">H", data, tables["head"] + 18)
        (metrics_count,) = struct.unpack_from(">H", data, tables["hhea"] + 34)
        hmtx = tables["hmtx"]
        self.advances = [struct.unpack_from(">H", data, hmtx + 4 * i)[0] for i in range(metrics_count)]
        self.glyph_of = _unicode_map(data, tables["cmap"])

    def width_em(self, text: str) -> float:
        last = len(self.advances) - 1
        missing = self.advances[0]
        total = 0
        for character in text:
            glyph = self.glyph_of.get(ord(character))
            total += missing if glyph is None else self.advances[min(glyph, last)]
        return total / self.units_per_em


def _unicode_map(data: bytes, cmap: int) -> dict[int, int]:
    """The Basic Multilingual Plane's code points to glyphs, from the (3, 1) format-4 subtable."""
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * index)
        start = cmap + offset
        if (platform, encoding) == (3, 1) and struct.unpack_from(">H", data, start)[0] == 4:
            return _format_4(data, start)
    raise ValueError("the font has no Unicode BMP (format 4) character map")


def _format_4(data: bytes, start: int) -> dict[int, int]:
    (doubled,) = struct.unpack_from(">H", data, start + 6)
    segments = doubled // 2
    ends_at = start + 14
    starts_at = ends_at + doubled + 2
    deltas_at = starts_at + doubled
    ranges_at = deltas_at + doubled
    glyphs: dict[int, int] = {}
    for s in range(segments):
        (end,) = struct.unpack_from(">H", data, ends_at + 2 * s)
        (first,) = struct.unpack_from(">H", data, starts_at + 2 * s)
        (delta,) = struct.unpack_from(">h", data, deltas_at + 2 * s)
        (range_offset,) = struct.unpack_from(">H", data, ranges_at + 2 * s)
        for code in range(first, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyphs[code] = (code + delta) & 0xFFFF
                continue
            at = ranges_at + 2 * s + range_offset + 2 * (code - first)
            (glyph,) = struct.unpack_from(">H", data, at)
            if glyph:
                glyphs[code] = (glyph + delta) & 0xFFFF
    return glyphs


@cache
def _font(bold: bool) -> FontMetrics:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return FontMetrics((templates_dir() / "fonts" / name).read_bytes())


def text_width_em(text: str, *, bold: bool = False) -> float:
    """The width of one line of `text` in ems of the report's sans-serif font (× the size for the width)."""
    return _font(bold).width_em(text)


def wrap_text(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """`text` in lines no wider than `width` (in the units of `size`), broken at spaces; a word longer than a line
    stands on a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width_em(f"{lines[-1]} {word}", bold=bold) * size <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def text_width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of one line of `text` in the report's sans-serif font."""
    return _font(bold).width_em(text) * size_pt * POINT_MM
