"""The eDISH figure (evaluation of drug-induced serious hepatotoxicity; Watkins et al., Drug Saf 2011; FDA Standard
Safety Tables and Figures IG v2.0): each participant's peak ALT against their peak total bilirubin, both as multiples
of the upper limit of normal on log scales, with lines at 3×ULN (ALT) and 2×ULN (bilirubin) and the four quadrants
named. One panel per arm, as the closed edition names the arms (masked letters unless unmasked); drawn from the
analysis table of peaks (service.labs.liver.list_liver_peaks) and nothing else."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup

from service.labs.liver import HY_ALT, HY_BILI
from service.labs.rows import LiverPeakRow
from service.reports.svg import Canvas
from service.reports.textwidth import text_width_em, wrap_text

WIDTH = 480.0
PANEL_GAP = 16.0
LEFT, TOP, BOTTOM = 34.0, 10.0, 30.0
PER_ROW = 3
LABEL_SIZE = 5.8
AXIS_SIZE = 6.5
POINT = "#1f4e79"
HY = "#c00000"
GRID = "#d9d9d9"
SMALLEST, LARGEST = 0.1, 100.0  # the axes reach at least these multiples of ULN
# Quadrant names as eDISH gives them: (right of the ALT line, above the bilirubin line) -> name.
QUADRANTS = {
    (True, True): "Potential Hy's law",
    (False, True): "Hyperbilirubinaemia",
    (True, False): "Temple's corollary",
    (False, False): "Normal or near normal",
}


def axis_range(values: Sequence[float]) -> tuple[float, float]:
    """Whole decades covering every value above 0 and at least SMALLEST to LARGEST."""
    shown = [v for v in values if v > 0]
    low = min([SMALLEST, *shown])
    high = max([LARGEST, *shown])
    return 10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high))


def edish_figure(rows: Sequence[LiverPeakRow], arms: Sequence[str], names: Mapping[str, str]) -> Markup | None:
    """The figure, or None when no participant has both a peak ALT and a peak bilirubin."""
    points = [r for r in rows if r.alt is not None and r.bilirubin is not None]
    if not points or not arms:
        return None
    low, high = axis_range([v for r in points for v in (r.alt or 0.0, r.bilirubin or 0.0)])
    columns = min(len(arms), PER_ROW)
    panel = (WIDTH - PANEL_GAP * (columns - 1)) / columns
    plot = panel - LEFT - 10  # room for the last tick's label
    height_per_row = plot + TOP + BOTTOM
    panel_rows = math.ceil(len(arms) / columns)
    canvas = Canvas(WIDTH, height_per_row * panel_rows + 14, "eDISH: peak ALT against peak total bilirubin")
    for index, arm in enumerate(arms):
        own = [r for r in points if r.arm == arm]
        x0 = (index % columns) * (panel + PANEL_GAP) + LEFT
        y0 = (index // columns) * height_per_row + TOP + 10
        _panel(canvas, x0, y0, plot, own, (low, high), f"{names.get(arm, arm)} (n = {len(own)})")
    legend_y = height_per_row * panel_rows + 8
    canvas.circle(LEFT + 3, legend_y - 2, 2.0, POINT)
    canvas.text(LEFT + 9, legend_y, "a participant's peaks during treatment", size=AXIS_SIZE)
    canvas.circle(LEFT + 150, legend_y - 2, 2.4, HY)
    canvas.text(LEFT + 156, legend_y, f"potential Hy's law (ALT or AST ≥ {HY_ALT:g}×ULN, bilirubin ≥ {HY_BILI:g}×ULN)",
                size=AXIS_SIZE)  # fmt: skip
    return canvas.markup()


def _panel(canvas: Canvas, x0: float, y0: float, size: float, rows: Sequence[LiverPeakRow],
           span: tuple[float, float], title: str) -> None:  # fmt: skip
    low, high = span
    decades = math.log10(high) - math.log10(low)

    def x(value: float) -> float:
        return x0 + size * (math.log10(min(max(value, low), high)) - math.log10(low)) / decades

    def y(value: float) -> float:
        return y0 + size - size * (math.log10(min(max(value, low), high)) - math.log10(low)) / decades

    canvas.text(x0 + size / 2, y0 - 4, title, anchor="middle", size=7, bold=True)
    canvas.rect(x0, y0, size, size, fill="none", stroke="#999")
    for power in range(round(math.log10(low)), round(math.log10(high)) + 1):
        tick = 10.0**power
        canvas.line(x(tick), y0, x(tick), y0 + size, stroke=GRID, width=0.4)
        canvas.line(x0, y(tick), x0 + size, y(tick), stroke=GRID, width=0.4)
        canvas.text(x(tick), y0 + size + 8, f"{tick:g}", anchor="middle", size=AXIS_SIZE)
        canvas.text(x0 - 3, y(tick) + 2, f"{tick:g}", anchor="end", size=AXIS_SIZE)
    canvas.line(x(HY_ALT), y0, x(HY_ALT), y0 + size, stroke="#555", width=0.7, dash="3 2")
    canvas.line(x0, y(HY_BILI), x0 + size, y(HY_BILI), stroke="#555", width=0.7, dash="3 2")
    canvas.text(x0 + size / 2, y0 + size + 17, "Peak ALT (× ULN)", anchor="middle", size=AXIS_SIZE)
    canvas.text(x0 - 22, y0 + size / 2, "Peak total bilirubin (× ULN)", anchor="middle", size=AXIS_SIZE)
    canvas.root[-1].set("transform", f"rotate(-90 {x0 - 22:.2f} {y0 + size / 2:.2f})")  # the axis caption upright
    for (right, above), name in QUADRANTS.items():
        room = (x0 + size - x(HY_ALT) if right else x(HY_ALT) - x0) - 4
        lines = wrap_text(name, room, LABEL_SIZE)
        # A word wider than its quadrant is set smaller, so that no name runs into the next quadrant.
        label = min(LABEL_SIZE, *(room / text_width_em(line) for line in lines))
        across = x0 + size - 2 if right else x0 + 2
        first = y0 + 7 if above else y0 + size - 3 - (label + 1) * (len(lines) - 1)
        for number, line in enumerate(lines):
            canvas.text(across, first + (label + 1) * number, line, anchor="end" if right else "start", size=label,
                        fill="#666")  # fmt: skip
    for r in rows:
        assert r.alt is not None and r.bilirubin is not None
        aminotransferase = max(r.alt, r.ast or 0.0)
        hy = aminotransferase >= HY_ALT and r.bilirubin >= HY_BILI
        canvas.circle(x(r.alt), y(r.bilirubin), 2.4 if hy else 1.6, HY if hy else POINT)
