"""Kaplan–Meier figures (FDA Standard Safety Tables and Figures IG v2.0, the time to treatment discontinuation
figure; also time to a first AE of special interest): one panel per curve (the rows' `curve`), a step line per arm,
censoring ticks, and the numbers at risk under the x-axis.

Drawn from KaplanMeierRow steps only (service.safety.kaplan_meier), as inline SVG through service.reports.svg. The
arms come in the order given (a masked edition passes them in letter order), each with its own colour and dash, so
that neither colour nor order tells one masked arm from another and the figure reads in black and white.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from service.reports.figures import COLOURS, GRID, legend_rows, round_ticks
from service.reports.svg import Canvas
from service.reports.textwidth import text_width_em
from service.results import KaplanMeierRow
from service.safety.discontinuation_time import estimate_at

DASHES = (None, "6 3", "2 2", "8 3 2 3", "1 2")
WIDTH = 480.0
PANEL_HEIGHT = 150.0
FONT = 7.0


def km_plot(
    rows: Sequence[KaplanMeierRow],
    columns: Sequence[str],
    names: Mapping[str, str],
    *,
    cumulative: bool = True,
    y_label: str = "",
    x_label: str = "Days since the first dose",
    title: str = "Kaplan–Meier estimate",
    x_max: float | None = None,
) -> Markup | None:
    """`columns`: the arms drawn (keys of the rows' `arm`), in order; `names`: each as shown (masked letters).
    `cumulative`: the curves show 1 − S (the cumulative proportion with the event, rising), else S. `x_max`: the
    time axis reaches at least this far (panels drawn apart share one axis). None when no row belongs to a column."""
    shown = [r for r in rows if r.arm in columns]
    if not shown:
        return None
    curves = list(dict.fromkeys(r.curve for r in shown))
    arms = [c for c in columns if any(r.arm == c for r in shown)]
    label = y_label or ("With the event (%)" if cumulative else "Without the event (%)")
    ticks, _ = round_ticks(0.0, max(max(r.time for r in shown), x_max or 0.0, 1.0), most=8)
    ticks = [t for t in ticks if t >= 0]
    labels = [names.get(arm, arm) for arm in arms]
    left = max(44.0, max(text_width_em(text) * FONT for text in labels) + 14)
    width = WIDTH - left - 16
    legend = legend_rows(labels, WIDTH - left, FONT, key=20, gap=14)
    top = 8 + 11 * len(legend)
    panel_total = 14 + PANEL_HEIGHT + 28 + 11 * (len(arms) + 1) + 12
    canvas = Canvas(WIDTH, top + panel_total * len(curves), title)
    for line, entries in enumerate(legend):
        y = 8 + 11 * line
        for x, number, text in entries:
            canvas.line(left + x, y - 3, left + x + 16, y - 3, stroke=COLOURS[number % len(COLOURS)], width=1.4,
                        dash=DASHES[number % len(DASHES)])  # fmt: skip
            canvas.text(left + x + 20, y, text, size=FONT)
    for index, curve in enumerate(curves):
        panel_top = top + panel_total * index
        _panel(canvas, [r for r in shown if r.curve == curve], curve, arms, labels, ticks, cumulative, label, x_label,
               left, panel_top, width)  # fmt: skip
    return canvas.markup()


def km_panels(
    rows: Sequence[KaplanMeierRow], columns: Sequence[str], names: Mapping[str, str], **options: Any
) -> list[Markup]:
    """One figure per curve, on one time axis, so that many curves (one per group of AEs of special interest) flow
    over pages instead of making one drawing taller than a page."""
    shown = [r for r in rows if r.arm in columns]
    if not shown:
        return []
    x_max = max(r.time for r in shown)
    found = []
    for curve in dict.fromkeys(r.curve for r in shown):
        panel = km_plot([r for r in shown if r.curve == curve], columns, names, x_max=x_max, **options)
        if panel is not None:
            found.append(panel)
    return found


def _panel(
    canvas: Canvas,
    rows: Sequence[KaplanMeierRow],
    curve: str,
    arms: Sequence[str],
    labels: Sequence[str],
    ticks: Sequence[float],
    cumulative: bool,
    y_label: str,
    x_label: str,
    left: float,
    panel_top: float,
    width: float,
) -> None:
    top = panel_top + 14
    height = PANEL_HEIGHT
    end = ticks[-1]
    canvas.text(left, panel_top + 9, curve, size=8, bold=True)
    canvas.text(left + width, panel_top + 9, y_label, anchor="end", size=FONT, fill="#555")

    def x(day: float) -> float:
        return left + width * day / end

    def y(survival: float) -> float:
        value = 1.0 - survival if cumulative else survival
        return top + height * (1.0 - value)

    for step in range(5):
        level = step / 4
        canvas.line(left - 3, top + height * (1 - level), left + width, top + height * (1 - level), stroke=GRID,
                    width=0.5)  # fmt: skip
        canvas.text(left - 5, top + height * (1 - level) + 3, f"{100 * level:g}", anchor="end", size=FONT)
    canvas.line(left, top, left, top + height)
    canvas.line(left, top + height, left + width, top + height)
    for tick in ticks:
        canvas.line(x(tick), top + height, x(tick), top + height + 3)
        canvas.text(x(tick), top + height + 12, f"{tick:g}", anchor="middle", size=FONT)
    canvas.text(left + width / 2, top + height + 23, x_label, anchor="middle", size=FONT)
    for number, arm in enumerate(arms):
        steps = [r for r in rows if r.arm == arm]
        if not steps:
            continue
        colour, dash = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)]
        points = [(x(0), y(1.0))]
        level = 1.0
        for row in steps:
            if row.survival != level:
                points += [(x(row.time), y(level)), (x(row.time), y(row.survival))]
                level = row.survival
        points.append((x(steps[-1].time), y(level)))
        canvas.polyline(points, stroke=colour, width=1.4, dash=dash)
        for row in steps:
            if row.n_censored:
                canvas.line(x(row.time), y(row.survival) - 3, x(row.time), y(row.survival) + 3, stroke=colour,
                            width=1.0)  # fmt: skip
    table_top = top + height + 36
    canvas.text(4, table_top, "Number at risk", size=FONT, bold=True)
    for number, (arm, text) in enumerate(zip(arms, labels, strict=True)):
        steps = [r for r in rows if r.arm == arm]
        row_y = table_top + 11 * (number + 1)
        canvas.text(left - 8, row_y, text, anchor="end", size=FONT, fill=COLOURS[number % len(COLOURS)])
        for tick in ticks:
            at = estimate_at(steps, tick).n_at_risk if steps else 0
            canvas.text(x(tick), row_y, str(at), anchor="middle", size=FONT)
