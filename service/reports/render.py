"""Templates to HTML to PDF. Report content is data, never markup: autoescape is on for every template."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML, Attachment

from service.reports.assets import TEMPLATES, AssetFetcher


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
    return environment


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


def render_pdf(
    html: str, *, dated: date, fetcher: AssetFetcher | None = None, attachments: dict[str, bytes] | None = None
) -> bytes:
    """PDF/A-3b, with `attachments` (file name → content) embedded as associated data files, dated `dated` (from
    the snapshot or the options). The template sets the document's own dates (dcterms.created and .modified
    meta): without them WeasyPrint stamps the current time, and the same input would not give the same bytes."""
    document = HTML(string=html, url_fetcher=fetcher or AssetFetcher(roots=(TEMPLATES / "fonts", TEMPLATES / "dsmb")))
    moment = datetime(dated.year, dated.month, dated.day, tzinfo=UTC)
    files = [
        Attachment(
            file_obj=io.BytesIO(content),
            name=name,
            description=f"Table {name}",
            created=moment,
            modified=moment,
            relationship="Data",
        )
        for name, content in sorted((attachments or {}).items())
    ]
    return bytes(document.write_pdf(pdf_variant="pdf/a-3b", attachments=files))
