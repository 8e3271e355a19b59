"""The only door between a report and the outside: package assets by name, everything else refused.

Templates refer to fonts and stylesheets as `regsync-asset:NAME`; the fetcher serves exactly the files under
templates/fonts and templates/<report>/ and refuses any other URL (file:, http:, data: …), so report content
that slips markup past autoescape still cannot make the renderer read or request anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

from service.reports.templating import TEMPLATES

SCHEME = "regsync-asset:"
MIME_TYPES = {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class AssetFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, roots: tuple[Path, ...] = (TEMPLATES / "fonts",), **kwargs: Any) -> None:
        super().__init__(allowed_protocols=(), **kwargs)
        self.roots = roots
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(SCHEME):
            name = url[len(SCHEME) :]
            for root in self.roots:
                path = (root / name).resolve()
                if path.parent == root.resolve() and path.is_file() and path.suffix in MIME_TYPES:
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": MIME_TYPES[path.suffix]})
        self.refused.append(url)
        raise ValueError(f"regsync reports load only their own assets; refused {url!r}")
