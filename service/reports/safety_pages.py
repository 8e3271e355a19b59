"""The DSMB report's pages of deaths, time to treatment discontinuation, common AEs, exposure-adjusted incidence
rates and subgroups: each table's printed lines, built from its rows (templates/dsmb/_common_ae.html,
_discontinuation_time.html and the deaths block of report.html print them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.reports.ae_table import build_ae_table
from service.reports.figures import round_ticks
from service.reports.km_figure import km_panels
from service.reports.templating import format_number
from service.results import TOTAL, KaplanMeierRow, RateRow, Table
from service.safety.discontinuation_time import curves, estimate_at
from service.safety.kaplan_meier import median_time

DISCONTINUED_LABEL = "Discontinued study treatment (%)"


@dataclass(frozen=True)
class Line:
    """One printed line: its label, a cell per column, and its kind (a group heading, or a line)."""

    label: str
    cells: dict[str, str]
    kind: str = "line"


def death_lines(rows: Sequence[Any]) -> list[Line]:
    """All deaths, then the timing and the cause sections, each category n (%) per column."""
    lines: list[Line] = []
    section = ""
    for row in rows:
        if row.section != section:
            section = row.section
            if section != "all":
                lines.append(Line({"timing": "By timing", "cause": "By cause"}[section], {}, "group"))
        if not lines or lines[-1].label != row.category or lines[-1].kind == "group":
            lines.append(Line(row.category, {}, "line" if section == "all" else "pt"))
        lines[-1].cells[row.arm] = f"{row.n} ({format_number(row.percent)})"
    return lines


def km_days(rows: Sequence[KaplanMeierRow], most: int = 6) -> list[float]:
    """The days the table reports the estimate at: round steps over the follow-up (no day 0)."""
    longest = max((r.time for r in rows), default=0.0)
    ticks, _ = round_ticks(0.0, max(longest, 1.0), most=most + 1)
    return [t for t in ticks if 0 < t <= longest] or [longest]


def km_lines(rows: Sequence[KaplanMeierRow], columns: Sequence[str], cumulative: bool = True) -> list[Line]:
    """Per curve: participants with the event and censored, the estimate (%) with its 95% CI and [the number at
    risk] at round days ("—" past the arm's last time observed), and the median. `cumulative`: 1 − S, as the figure
    shows it."""
    by = curves(rows)
    days = km_days(rows)
    lines: list[Line] = []
    for curve in dict.fromkeys(r.curve for r in rows):
        lines.append(Line(curve, {}, "group"))
        steps = {column: by.get((curve, column), []) for column in columns}
        lines.append(
            Line(
                "Participants: with the event / censored",
                {c: f"{sum(r.n_events for r in s)} / {sum(r.n_censored for r in s)}" for c, s in steps.items() if s},
                "pt",
            )
        )
        for day in days:
            cells = {}
            for column, mine in steps.items():
                if mine and day > mine[-1].time:
                    cells[column] = "—"  # past the arm's last time observed: no estimate (R's summary(extend = FALSE))
                elif mine:
                    at = estimate_at(mine, day)
                    cells[column] = f"{_km_percent(at.survival, at.ci_low, at.ci_high, cumulative)}\n[{at.n_at_risk}]"
            lines.append(Line(f"Day {day:g}: % (95% CI) [at risk]", cells, "pt"))
        lines.append(Line("Median, days", {c: _median(s) for c, s in steps.items() if s}, "pt"))
    return lines


def _km_percent(survival: float, low: float | None, high: float | None, cumulative: bool) -> str:
    if cumulative:
        survival, low, high = 1 - survival, (1 - high if high is not None else None), (1 - low if low is not None
                                                                                      else None)  # fmt: skip
    value = f"{100 * survival:.1f}"
    if low is None or high is None:
        return value
    return f"{value} ({100 * low:.1f}, {100 * high:.1f})"


def _median(steps: Sequence[KaplanMeierRow]) -> str:
    found = median_time(steps)
    return "not reached" if found is None else f"{found:g}"


def rate_lines(rates: Sequence[RateRow], common: Sequence[Any]) -> list[Line]:
    """Any TEAE, each SOC, and the preferred terms of the common-AE table, as rate per 100 participant-years
    (95% CI) and the participants with the event."""
    terms = {(r.soc, r.pt) for r in common}
    lines: dict[tuple[str, str, str], Line] = {}
    for r in rates:
        if r.level == "pt" and (r.soc, r.pt) not in terms:
            continue
        key = (r.level, r.soc, r.pt)
        if key not in lines:
            label = "Any TEAE" if r.level == "any" else r.soc if r.level == "soc" else r.pt
            lines[key] = Line(label, {}, r.level)
        cell = (
            "–"
            if r.rate_per_100py is None
            else (
                f"{r.rate_per_100py:.1f}\n({r.rate_low:.1f}, {r.rate_high:.1f})\n[{r.n_subjects}; {r.person_years:.1f}]"
            )
        )
        lines[key].cells[r.arm] = cell
    return list(lines.values())


def subgroup_lines(rows: Sequence[Any]) -> list[tuple[str, list[Line]]]:
    """Per subgroup variable: each level as a heading with its N per column, then the overview's categories."""
    found: dict[str, dict[str, list[Line]]] = {}
    for r in rows:
        levels = found.setdefault(r.variable, {})
        lines = levels.setdefault(r.subgroup, [Line(r.subgroup, {}, "group")])
        lines[0].cells[r.arm] = f"N = {r.n_at_risk}"
        if lines[-1].kind == "group" or lines[-1].label != r.category:
            lines.append(Line(r.category, {}, "pt"))
        count = (str(r.n_subjects) if not isinstance(r.n_subjects, int)
                 else f"{r.n_subjects} ({format_number(r.percent)}) [{r.n_events}]")  # fmt: skip
        lines[-1].cells[r.arm] = count
    return [(variable, [line for lines in levels.values() for line in lines]) for variable, levels in found.items()]


def safety_pages(tables: Mapping[str, Table[Any]], columns: Sequence[str], names: Mapping[str, str],
                 closed: bool) -> dict[str, Any]:  # fmt: skip
    """The context the pages read: the lines above and the time to discontinuation figure (closed: by arm; open:
    the pooled Total)."""
    km = tables["discontinuation_time"].rows
    drawn = [c for c in columns if c != TOTAL] if closed else [TOTAL]
    title = tables["discontinuation_time"].title
    label = DISCONTINUED_LABEL if "treatment" in title else "Discontinued the study (%)"
    figure = km_panels(km, drawn, names, y_label=label, title=title)
    return {
        "death_lines": death_lines(tables["deaths"].rows),
        # n (%) per column only: the common-AE table compares no arms.
        "common_ae": build_ae_table("ae_common", tables["ae_common"].rows, columns, names, {}),
        "km_lines": km_lines(km, columns),
        "km_figure": figure,
        "rate_lines": rate_lines(tables["ae_incidence_rates"].rows, tables["ae_common"].rows),
        "subgroup_lines": subgroup_lines(tables["ae_subgroups"].rows) if "ae_subgroups" in tables else [],
    }
