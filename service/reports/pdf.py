"""HTML to PDF/A-3b with WeasyPrint, in the render worker (service/reports/render_process.py)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from weasyprint import HTML, Attachment

from service.reports.assets import AssetFetcher
from service.reports.templating import TEMPLATES


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
