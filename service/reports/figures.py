"""The DSMB report's figures, as inline SVG drawn from the analysis tables (never from anything else)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from service.disposition import STATUS_UNKNOWN
from service.reports.svg import MARKERS, Canvas
from service.reports.textwidth import text_width_em, wrap_text
from service.results import (
    NOT_COLLECTED,
    TOTAL,
    AECountRow,
    DispositionRow,
    EnrollmentRow,
    MonitoringRow,
    OutcomeSummaryRow,
)

COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000")
GRID = "#d9d9d9"
NOT_IN_DATA = "not in these data"


def enrollment_chart(rows: Sequence[EnrollmentRow], target: int | None) -> Markup:
    """Cumulative randomizations by month (solid) against the planned path (dashed) and the target."""
    total = [r for r in rows if r.arm == TOTAL]
    canvas = Canvas(480, 220, "Cumulative enrollment against target")
    left, top, width, height = 42.0, 14.0, 420.0, 160.0
    ceiling = _nice_ceiling(max([r.cumulative for r in total] + [target or 0, 1]))
    months = len(total)

    def x(index: float) -> float:
        return left + width * index / max(months, 1)

    def y(value: float) -> float:
        return top + height * (1 - value / ceiling)

    _y_axis(canvas, left, width, top, height, ceiling, y)
    step = max(1, round(months / 8))
    for index, row in enumerate(total):
        if index % step == 0:
            canvas.line(x(index), top + height, x(index), top + height + 3)
            canvas.text(x(index), top + height + 12, row.month, anchor="middle", size=7)
    if target:
        canvas.line(left, y(target), left + width, y(target), stroke="#999", width=0.6, dash="2 2")
        canvas.text(left + width, y(target) - 3, f"Target {target}", anchor="end", size=7, fill="#555")
    planned = [(x(i + 1), y(r.target_cumulative)) for i, r in enumerate(total) if r.target_cumulative is not None]
    if planned:
        canvas.polyline([(x(0), y(0)), *planned], stroke=COLOURS[1], width=1.2, dash="4 3")
    actual: list[tuple[float, float]] = [(x(0), y(0))]
    for index, row in enumerate(total):
        actual += [(x(index), y(row.cumulative - row.n_randomized)), (x(index + 1), y(row.cumulative))]
    canvas.polyline(actual, stroke=COLOURS[0], width=1.6)
    legend_y = top + height + 28
    canvas.line(left, legend_y - 3, left + 18, legend_y - 3, stroke=COLOURS[0], width=1.6)
    canvas.text(left + 22, legend_y, "Randomized (cumulative)", size=7)
    if planned:
        canvas.line(left + 150, legend_y - 3, left + 168, legend_y - 3, stroke=COLOURS[1], width=1.2, dash="4 3")
        canvas.text(left + 172, legend_y, "Planned enrollment", size=7)
    return canvas.markup()


def consort_diagram(rows: Sequence[DispositionRow], columns: Sequence[str], names: Mapping[str, str]) -> Markup:
    """CONSORT flow: screened, excluded, randomized, then per arm allocated, treated, discontinued (with reasons)
    and completed."""
    count = {(r.category, r.arm): r.n for r in rows if r.kind == "milestone"}
    reasons: dict[str, list[tuple[str, int]]] = {}
    for r in rows:
        if r.kind == "reason" and isinstance(r.n, int) and r.n:
            reasons.setdefault(r.arm, []).append((r.category, r.n))
    arms = [c for c in columns if c != TOTAL] or [TOTAL]
    box_w = min(200.0, (480 - 20 * (len(arms) - 1)) / len(arms))
    width = max(480.0, len(arms) * box_w + 20 * (len(arms) - 1))
    unknown = any(count.get((STATUS_UNKNOWN, a), 0) for a in arms)  # final statuses a cut-off cannot place
    canvas = Canvas(width, 400, "CONSORT flow diagram")  # its height is set once the boxes are placed
    centre = width / 2
    screened, excluded, failed = (count.get((c, TOTAL), 0) for c in ("Screened", "Not randomized", "Screen failure"))
    if screened is NOT_COLLECTED:  # the data hold no screen failures (service.disposition.screening_recorded)
        lines, excluded_lines = ["Assessed for eligibility:", NOT_IN_DATA], ["Not randomized:", NOT_IN_DATA]
    else:
        lines = [f"Assessed for eligibility (n = {screened})"]
        excluded_lines = [f"Not randomized (n = {excluded})", f"Screen failure: {failed}"]
    _box(canvas, centre - 90, 4, 180, 24, lines)
    canvas.line(centre, 28, centre, 70)
    canvas.line(centre, 44, centre + 110, 44)
    _box(
        canvas,
        centre + 110,
        32,
        min(170.0, width - centre - 112),
        24,
        excluded_lines,
    )
    _box(canvas, centre - 90, 70, 180, 18, [f"Randomized (n = {count.get(('Randomized', TOTAL), 0)})"], bold=True)
    canvas.line(centre, 88, centre, 98)
    slot = width / len(arms)
    if len(arms) > 1:
        canvas.line(slot / 2, 98, width - slot / 2, 98)
    tiers = [
        [[f"Allocated: {names.get(arm, arm)} (n = {count.get(('Randomized', arm), 0)})",
          f"Received treatment (n = {count.get(('Treated', arm), 0)})"] for arm in arms],
        [[f"Discontinued (n = {count.get(('Discontinued', arm), 0)})",
          *(f"{reason}: {n}" for reason, n in reasons.get(arm, []))] for arm in arms],
        [[f"Completed (n = {count.get(('Completed', arm), 0)})", f"Ongoing (n = {count.get(('Ongoing', arm), 0)})",
          *([f"Status not recorded (n = {count[('Status not recorded', arm)]})"]
            if count.get(("Status not recorded", arm)) else []),
          *([f"Unknown at cut-off (n = {count.get((STATUS_UNKNOWN, arm), 0)})"] if unknown else [])] for arm in arms],
    ]  # fmt: skip
    # Each box's lines wrapped to the box, and each tier as tall as its fullest box, so no line is cut short.
    wrapped = [[[part for line in box for part in wrap_text(line, box_w - 10, 7)] for box in tier] for tier in tiers]
    heights = [10.0 * max(len(box) for box in tier) + 10 for tier in wrapped]
    top = 106.0
    for number, (tier, height) in enumerate(zip(wrapped, heights, strict=True)):
        for index, lines in enumerate(tier):
            x = slot * index + (slot - box_w) / 2
            mid = slot * index + slot / 2
            canvas.line(mid, top - (10 if number else 8), mid, top)
            _box(canvas, x, top, box_w, height, lines)
        top += height + 10
    canvas.set_height(top)
    return canvas.markup()


def _number(value: object) -> float:
    """A count or percentage as a plotted number: one not collected (or none) plots as 0."""
    return float(value) if isinstance(value, int | float) else 0.0


AE_FIGURE_HEIGHT = 560.0  # the figure's rows stay within a portrait page at the report's width


def ae_incidence_terms(comparisons: int, limit: int = 20) -> int:
    """How many preferred terms the AE figure shows: up to `limit`, fewer when many comparisons share each row."""
    return max(5, min(limit, int(AE_FIGURE_HEIGHT // _ae_line_height(comparisons))))


def _ae_line_height(comparisons: int) -> float:
    return max(14.0, 4.0 * comparisons + 6)


def ae_incidence_plot(
    rows: Sequence[AECountRow], arms: Sequence[str], comparisons: Mapping[str, str], control: str | None,
    names: Mapping[str, str],
) -> Markup | None:  # fmt: skip
    """Closed session: the most frequent preferred terms, with the percentage of each arm affected (left) and the
    risk differences (right) that `comparisons` names (the arm whose row carries one -> its label; none: no right
    panel), each comparison with its own marker, named in a legend. `control` is marked as such; None (masked)
    marks no arm apart. None when there is one arm."""
    if len(arms) < 2:
        return None
    masked = control is None
    terms: dict[tuple[str, str], dict[str, AECountRow]] = {}
    for row in rows:
        if row.level == "pt":
            terms.setdefault((row.soc, row.pt), {})[row.arm] = row
    compared = [a for a in arms if a in comparisons]
    limit = ae_incidence_terms(len(compared))
    ranked = sorted(terms.items(), key=lambda item: (-_number(item[1][TOTAL].n_subjects), item[0][1].casefold()))[
        :limit
    ]
    if not ranked:
        return None
    line_h = _ae_line_height(len(compared))
    label_w, panel_w, gap = 150.0, 140.0, 44.0
    width = label_w + (2 * panel_w + gap if compared else panel_w) + 20
    arm_labels = [names.get(arm, arm) + (" (control)" if arm == control else "") for arm in arms]
    arm_legend = legend_rows(arm_labels, width - label_w, 7)
    legend = legend_rows([comparisons[a] for a in compared], width - 20, 7) if compared else []
    top = 15.0 + 11 * len(arm_legend)
    bottom = top + line_h * len(ranked)
    height = bottom + 30 + 11 * len(legend)
    title = "Adverse event incidence by arm" + (", with risk differences" if compared else "")
    canvas = Canvas(width, height, title)
    highest = _nice_ceiling(max(_number(r.percent) for _, cells in ranked for r in cells.values()) or 1)
    left_x = label_w

    def px(value: float) -> float:
        return left_x + panel_w * value / highest

    spans = [
        abs(v)
        for _, cells in ranked
        for a in compared
        for v in (cells[a].risk_diff_low, cells[a].risk_diff_high)
        if v is not None
    ]
    reach = _nice_ceiling(max([*spans, 1.0]))
    right_x = label_w + panel_w + gap

    def rx(value: float) -> float:
        return right_x + panel_w * (value + reach) / (2 * reach)

    for fraction in (0, 0.5, 1):
        canvas.line(px(highest * fraction), top - 4, px(highest * fraction), bottom, stroke=GRID, width=0.5)
        canvas.text(px(highest * fraction), bottom + 10, f"{highest * fraction:g}", anchor="middle", size=7)
        if compared:
            value = -reach + 2 * reach * fraction
            canvas.line(rx(value), top - 4, rx(value), bottom, stroke="#888" if value == 0 else GRID, width=0.5)
            canvas.text(rx(value), bottom + 10, f"{value:g}", anchor="middle", size=7)
    canvas.text(left_x + panel_w / 2, bottom + 21, "Participants with the event (%)", anchor="middle", size=7)
    if compared:
        canvas.text(right_x + panel_w / 2, bottom + 21, "Risk difference (% points, 95% CI)", anchor="middle", size=7)
    for index, ((_, pt), cells) in enumerate(ranked):
        y = top + line_h * index + line_h / 2
        canvas.text(label_w - 6, y + 3, _shorten(pt, 34), anchor="end", size=7)
        canvas.line(left_x, y, left_x + panel_w, y, stroke="#f0f0f0", width=0.4)
        for number, arm in enumerate(arms):
            colour = COLOURS[number % len(COLOURS)]
            percent = _number(cells[arm].percent)
            if arm == control:  # masked (no control given), no mark tells the control apart
                canvas.diamond(px(percent), y, 3.2, colour)
            else:
                canvas.circle(px(percent), y, 2.8, colour)
        for number, key in enumerate(compared):
            row = cells[key]
            if row.risk_diff is None or row.risk_diff_low is None or row.risk_diff_high is None:
                continue
            offset = (number - (len(compared) - 1) / 2) * 4
            colour = _comparison_colour(key, number, arms, masked)
            canvas.line(rx(row.risk_diff_low), y + offset, rx(row.risk_diff_high), y + offset, stroke=colour, width=1.0)
            canvas.marker(MARKERS[number % len(MARKERS)], rx(row.risk_diff), y + offset, 2.4, colour)
    for line, entries in enumerate(arm_legend):
        y = 13 + 11 * line
        for x, number, label in entries:
            arm, colour = arms[number], COLOURS[number % len(COLOURS)]
            if arm == control:
                canvas.diamond(left_x + x + 3, y - 3, 3.2, colour)
            else:
                canvas.circle(left_x + x + 3, y - 3, 2.8, colour)
            canvas.text(left_x + x + 10, y, label, size=7)
    for line, entries in enumerate(legend):
        y = bottom + 36 + 11 * line
        for x, number, label in entries:
            colour = _comparison_colour(compared[number], number, arms, masked)
            canvas.marker(MARKERS[number % len(MARKERS)], 10 + x + 3, y - 3, 2.6, colour)
            canvas.text(10 + x + 10, y, label, size=7)
    return canvas.markup()


def _comparison_colour(key: str, number: int, arms: Sequence[str], masked: bool) -> str:
    """Unmasked, a comparison takes its arm's colour; masked (or a pair that is no arm) it is drawn in one of two
    neutral inks, since an arm's colour would mark the other as the control."""
    if not masked and key in arms:
        return COLOURS[list(arms).index(key) % len(COLOURS)]
    return ("#222222", "#777777")[(number // len(MARKERS)) % 2]


def legend_rows(labels: Sequence[str], width: float, size: float, key: float = 14, gap: float = 12
                ) -> list[list[tuple[float, int, str]]]:  # fmt: skip
    """A legend's entries (x, index, label) in rows no wider than `width`: each entry its key (a marker or a line
    sample, `key` wide), its label in the report font at `size`, and `gap` after it."""
    rows: list[list[tuple[float, int, str]]] = [[]]
    x = 0.0
    for number, label in enumerate(labels):
        entry = key + text_width_em(label) * size + gap
        if rows[-1] and x + entry > width:
            rows.append([])
            x = 0.0
        rows[-1].append((x, number, label))
        x += entry
    return rows


def monitoring_plot(rows: Sequence[MonitoringRow], sides: int) -> Markup | None:
    """The efficacy boundary (±z when two-sided) and the non-binding futility boundary by information fraction,
    a dotted line at each declared look, the observed z at the looks done, and this snapshot's position (a hollow
    diamond when it falls between looks and is not tested)."""
    if not rows:
        return None
    canvas = Canvas(420, 242, "Group-sequential monitoring boundaries")
    left, top, width, height = 40.0, 12.0, 360.0, 160.0
    # A position between looks has no boundary.
    declared = [r for r in rows if r.boundary_z is not None]
    boundary = [(r.information_fraction, r.boundary_z) for r in declared if r.boundary_z is not None]
    futility = [(r.information_fraction, r.futility_z) for r in declared if r.futility_z is not None]
    finite = [z for _, z in boundary if z < 50] + [abs(r.observed_z) for r in rows if r.observed_z]
    reach = float(math.ceil(max([*finite, 3.0]) + 0.5))
    lowest = [r.observed_z or 0.0 for r in rows] + [z for _, z in futility if z > -50]
    low = -reach if sides == 2 else float(math.floor(min([*lowest, -0.5]) - 0.5))

    def x(fraction: float) -> float:
        return left + width * fraction

    def y(z: float) -> float:
        return top + height * (reach - _clip(z, low, reach)) / (reach - low)

    canvas.rect(left, top, width, height, fill="none", stroke="#999")
    for tick in range(int(low), int(reach) + 1):
        canvas.line(left - 3, y(tick), left + width, y(tick), stroke="#888" if tick == 0 else GRID, width=0.5)
        canvas.text(left - 6, y(tick) + 3, f"{tick:d}", anchor="end", size=7)
    for fraction in (0, 0.25, 0.5, 0.75, 1.0):
        canvas.line(x(fraction), top + height, x(fraction), top + height + 3)
        canvas.text(x(fraction), top + height + 12, f"{fraction:g}", anchor="middle", size=7)
    canvas.text(left + width / 2, top + height + 24, "Information fraction", anchor="middle", size=7)
    for r in declared:
        canvas.line(x(r.information_fraction), top, x(r.information_fraction), top + height, stroke="#999",
                    width=0.5, dash="1 2")  # fmt: skip
        canvas.text(x(r.information_fraction), top - 3, f"look {r.look}", anchor="middle", size=6)
    shown = [(fraction, z) for fraction, z in boundary if z < reach]
    canvas.polyline([(x(fraction), y(z)) for fraction, z in shown], stroke=COLOURS[1], width=1.2)
    for fraction, z in shown:
        canvas.circle(x(fraction), y(z), 2.2, COLOURS[1])
        if sides == 2:
            canvas.circle(x(fraction), y(-z), 2.2, COLOURS[1])
    if sides == 2:
        canvas.polyline([(x(fraction), y(-z)) for fraction, z in shown], stroke=COLOURS[1], width=1.2)
    if futility:
        canvas.polyline([(x(fraction), y(z)) for fraction, z in futility], stroke=COLOURS[2], width=1.2, dash="5 2")
        for fraction, z in futility:
            canvas.circle(x(fraction), y(z), 2.2, COLOURS[2])
    observed = [r for r in rows if r.observed_z is not None]
    if observed:
        canvas.polyline([(x(r.information_fraction), y(r.observed_z or 0.0)) for r in observed], stroke=COLOURS[0],
                        width=1.0, dash="3 2")  # fmt: skip
    for r in observed:
        if r.status == "between looks":
            canvas.diamond(x(r.information_fraction), y(r.observed_z or 0.0), 4.2, COLOURS[0])
            canvas.diamond(x(r.information_fraction), y(r.observed_z or 0.0), 2.6, "#fff")
        else:
            canvas.diamond(x(r.information_fraction), y(r.observed_z or 0.0), 3.5, COLOURS[0])
    legend = [("line", COLOURS[1], "Efficacy boundary")]
    if futility:
        legend.append(("dash", COLOURS[2], "Futility boundary (non-binding)"))
    legend.append(("diamond", COLOURS[0], "Observed z at a look"))
    if any(r.status == "between looks" for r in observed):
        legend.append(("hollow", COLOURS[0], "Now, between looks (not tested)"))
    # The legend in two columns under the axis title, so that no label runs off the figure.
    for number, (kind, colour, label) in enumerate(legend):
        legend_x = left + (number % 2) * width / 2
        legend_y = top + height + 38 + 11 * (number // 2)
        if kind in ("line", "dash"):
            canvas.line(legend_x, legend_y, legend_x + 16, legend_y, stroke=colour, width=1.2,
                        dash="5 2" if kind == "dash" else None)  # fmt: skip
        else:
            canvas.diamond(legend_x + 8, legend_y, 3.5, colour)
            if kind == "hollow":
                canvas.diamond(legend_x + 8, legend_y, 2.1, "#fff")
        canvas.text(legend_x + 20, legend_y + 3, label, size=7)
    return canvas.markup()


def round_ticks(low: float, high: float, most: int = 7) -> tuple[list[float], int]:
    """Axis ticks at a round step (1, 2, 2.5 or 5 × 10^k) covering [low, high] with at most `most` ticks, and the
    decimals that step needs: 0.4, 0.5, … 1.0 rather than 0.40, 0.54, 0.69."""
    if high <= low:
        low, high = low - 1.0, high + 1.0
    raw = (high - low) / (most - 2)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - first) / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if round(step / magnitude, 6) == 2.5 else 0)
    return [round(first + i * step, 10) for i in range(count + 1)], decimals


def _box(
    canvas: Canvas, x: float, y: float, width: float, height: float, lines: Sequence[str], bold: bool = False
) -> None:
    canvas.rect(x, y, width, height)
    first = y + (height - 10 * len(lines)) / 2 + 7.5
    for index, text in enumerate(lines):
        canvas.text(x + 5, first + 10 * index, text, size=7, bold=bold and index == 0)


def _y_axis(canvas: Canvas, left: float, width: float, top: float, height: float, ceiling: float, y: Any) -> None:
    for step in range(5):
        value = ceiling * step / 4
        canvas.line(left, y(value), left + width, y(value), stroke=GRID, width=0.5)
        canvas.text(left - 5, y(value) + 3, f"{value:g}", anchor="end", size=7)
    canvas.line(left, top, left, top + height)
    canvas.line(left, top + height, left + width, top + height)


def _nice_ceiling(value: float) -> float:
    """The smallest round number at or above `value` that splits into four round ticks (4, 8, 20, 40, 100, …)."""
    magnitude = 10 ** max(len(str(int(value))) - 1, 0)
    for multiple in (0.4, 0.8, 1, 2, 4, 8, 10):
        if multiple * magnitude >= value:
            return float(multiple * magnitude)
    return float(10 * magnitude)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trajectory_plot(rows: Sequence[OutcomeSummaryRow], arms: Sequence[str], names: Mapping[str, str],
                    decimals: int) -> Markup | None:  # fmt: skip
    """One outcome over time: each arm's mean with ± its standard error at each visit, the visits in their order."""
    values = [r for r in rows if r.statistic == "value" and r.mean is not None]
    visits = list(dict.fromkeys(r.visit for r in sorted(values, key=lambda r: (r.visit_number is None,
                                                                              r.visit_number or 0))))  # fmt: skip
    if len(visits) < 2:
        return None
    canvas = Canvas(420, 210, f"{values[0].title} over time")
    left, top, width, height = 52.0, 12.0, 350.0, 150.0
    spans = [(r.mean - _se(r), r.mean + _se(r)) for r in values if r.mean is not None]
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    ticks, tick_decimals = round_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    shown = max(decimals, tick_decimals)

    def x(index: int) -> float:
        return left + width * index / max(len(visits) - 1, 1)

    def y(value: float) -> float:
        return top + height * (high - value) / (high - low)

    canvas.rect(left, top, width, height, fill="none", stroke="#999")
    for value in ticks:
        canvas.line(left - 3, y(value), left + width, y(value), stroke=GRID, width=0.5)
        canvas.text(left - 6, y(value) + 3, f"{value:.{shown}f}", anchor="end", size=7)
    for index, visit in enumerate(visits):
        canvas.text(x(index), top + height + 12, visit, anchor="middle", size=7)
    legend_x = left
    for number, arm in enumerate(arms):
        colour = COLOURS[number % len(COLOURS)]
        own = {r.visit: r for r in values if r.arm == arm}
        means = {v: r.mean for v, r in own.items() if r.mean is not None}
        points = [(x(i), y(means[v])) for i, v in enumerate(visits) if v in means]
        offset = (number - (len(arms) - 1) / 2) * 3
        canvas.polyline([(px + offset, py) for px, py in points], stroke=colour, width=1.2)
        for i, visit in enumerate(visits):
            r = own.get(visit)
            if r is None or r.mean is None:
                continue
            se = _se(r)
            canvas.line(x(i) + offset, y(r.mean - se), x(i) + offset, y(r.mean + se), stroke=colour, width=0.8)
            canvas.circle(x(i) + offset, y(r.mean), 2.4, colour)
        canvas.circle(legend_x + 3, top + height + 27, 2.4, colour)
        label = names.get(arm, arm)
        canvas.text(legend_x + 9, top + height + 30, label, size=7)
        legend_x += 9 + 5.2 * len(label) + 14
    canvas.text(left + width, top + height + 30, "Mean ± SE", anchor="end", size=7, fill="#555")
    return canvas.markup()


def _se(row: OutcomeSummaryRow) -> float:
    return (row.sd or 0.0) / math.sqrt(row.n) if row.n else 0.0
