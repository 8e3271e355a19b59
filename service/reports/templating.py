"""Templates to HTML. Report content is data, never markup: autoescape is on for every template.

Jinja2 only: the parent process builds the HTML, and WeasyPrint (service/reports/pdf.py) is imported only by the
render worker that turns it into a PDF.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.resources import templates_dir

TEMPLATES = templates_dir()


def template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = format_number
    environment.filters["pvalue"] = format_p_value
    environment.filters["without_comparator"] = without_comparator
    environment.filters["blocks"] = heading_blocks
    return environment


def without_comparator(estimate_type: str) -> str:
    """ "Difference in LS means (arm − comparator)" → "Difference in LS means": the comparison's own column says
    which arm is subtracted from (or divided by) which, by the names the edition uses."""
    return re.sub(r"\s*\([^()]*comparator\)$", "", estimate_type)


def format_number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_p_value(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def render_html(template: str, context: dict[str, Any]) -> str:
    return template_environment().get_template(template).render(**context)


HEADING_KINDS = ("group", "soc")


def heading_blocks(lines: Any, size: int = 40) -> list[list[Any]]:
    """Printed lines in blocks, each from a heading line (a parameter, a group) to the next: one <tbody> each, kept
    on one page (style.css), so no page starts with rows whose heading is on the page before. A block longer than
    `size` lines is cut (WeasyPrint's cost grows with the rows of a group on each page, as the listings found)."""
    found: list[list[Any]] = []
    for line in lines:
        if not found or getattr(line, "kind", "") in HEADING_KINDS or len(found[-1]) >= size:
            found.append([])
        found[-1].append(line)
    return found
