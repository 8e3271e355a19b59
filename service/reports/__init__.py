"""Reports rendered from the analysis results: templates (Jinja2) to PDF (WeasyPrint)."""
