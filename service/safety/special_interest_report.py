"""The AEs-of-special-interest pages of the DSMB report (templates/dsmb/_aesi.html) as printed lines: per group,
its categories and preferred terms by column; its differences between arms; its time to first event by arm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.reports.ae_table import count_cell
from service.reports.km_figure import km_panels
from service.reports.templating import format_number, format_p_value
from service.results import TOTAL
from service.safety.special_interest_counts import CATEGORY_NAMES
from service.safety.special_interest_time import DAYS


@dataclass
class Line:
    label: str
    kind: str  # "group" (its heading line), "category", "term"
    cells: dict[str, str] = field(default_factory=dict)


def special_interest_context(
    tables: Mapping[str, Any], columns: Sequence[str], names: Mapping[str, str]
) -> dict[str, Any]:
    """What _aesi.html prints: the counts' lines, the comparisons' lines and the time-to-event lines (the last two
    only where the edition has those tables)."""
    counts = tables["ae_special_interest"]
    comparison = tables.get("ae_special_interest_comparison")
    time = tables.get("ae_special_interest_time")
    steps = tables.get("ae_special_interest_km")
    drawn = [c for c in columns if c != TOTAL]
    title = "Time to the first adverse event of special interest"
    figures = km_panels(steps.rows, drawn, names, y_label="With an event (%)", title=title) if steps else []
    return {
        "figures": figures,
        "counts": counts,
        "lines": count_lines(counts.rows, columns),
        "comparison": comparison,
        "comparison_lines": comparison_lines(comparison.rows, names) if comparison is not None else [],
        "time": time,
        "time_lines": time_lines(time.rows, columns, names) if time is not None else [],
        "days": DAYS,
    }


def count_lines(rows: Sequence[Any], columns: Sequence[str]) -> list[Line]:
    lines: dict[tuple[str, str, str], Line] = {}
    for r in rows:
        if (r.group, "", "") not in lines:
            lines[(r.group, "", "")] = Line(r.group, "group")
        label = r.term if r.category == "term" else CATEGORY_NAMES[r.category]
        line = lines.setdefault((r.group, r.category, r.term), Line(label, r.category if r.category == "term"
                                                                          else "category"))  # fmt: skip
        if r.arm in columns:
            line.cells[r.arm] = count_cell(r)
    return list(lines.values())


def comparison_lines(rows: Sequence[Any], names: Mapping[str, str]) -> list[Line]:
    """One line per group, category and pair: the pair's names, the difference (95% CI) and p."""
    lines: list[Line] = []
    group = None
    for r in rows:
        if r.group != group:
            group = r.group
            lines.append(Line(r.group, "group"))
        pair = f"{names.get(r.arm, r.arm)} − {names.get(r.control, r.control)}"
        difference = (f"{format_number(r.risk_diff)} ({format_number(r.risk_diff_low)}, "
                      f"{format_number(r.risk_diff_high)})" if r.risk_diff is not None else "—")  # fmt: skip
        lines.append(Line(CATEGORY_NAMES[r.category], "category",
                          {"pair": pair, "difference": difference, "p": format_p_value(r.p_value)}))  # fmt: skip
    return lines


def time_lines(rows: Sequence[Any], columns: Sequence[str], names: Mapping[str, str]) -> list[Line]:
    """Per group, one line per column (arm, Total): participants, events, median, and % with an event by each day."""
    lines: dict[tuple[str, str], Line] = {}
    for r in sorted(rows, key=lambda r: columns.index(r.arm) if r.arm in columns else len(columns)):
        if r.arm not in columns:
            continue
        lines.setdefault((r.group, ""), Line(r.group, "group"))
        line = lines.setdefault((r.group, r.arm), Line(names.get(r.arm, r.arm), "category"))
        line.cells.update(
            {
                "n": str(r.n),
                "events": str(r.n_events),
                "median": format_number(r.median, 0) if r.median is not None else "NR",
            }
        )
        line.cells[str(r.day)] = _percent_cell(r)
    groups = list(dict.fromkeys(r.group for r in rows))
    return [line for g in groups for key, line in lines.items() if key[0] == g]


def _percent_cell(r: Any) -> str:
    if r.percent is None:
        return "—"
    if r.ci_low is None or r.ci_high is None or r.percent == 0:
        return format_number(r.percent)
    return f"{format_number(r.percent)} ({format_number(r.ci_low)}–{format_number(r.ci_high)})"
