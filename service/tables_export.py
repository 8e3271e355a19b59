"""Writing the analysis results data as CSV or JSON files, one per table, with a manifest; and beside them, in
either format, the long analysis results data (ard.csv, ard.json: service.ard) and its CDISC ARS ReportingEvent
(ars.json: service.ars).

CSV is for a second programmer's QC: plain values, percentages to one decimal as printed, other numbers to six
significant digits; the JSON files keep full precision. Text that a spreadsheet would run as a formula (it begins
with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe. Each file is written under a
temporary name and renamed, so a failure never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from service import __version__
from service.ard import ARD_COLUMNS, ArdRow, build_ard
from service.ars import render_ars
from service.atomic import write_atomic
from service.results import NOT_COLLECTED, AnalysisResults, Table

FORMATS = ("csv", "json")
ARD_FILES = ("ard.csv", "ard.json", "ars.json")  # written in either format (DESIGN.md, 'Analysis results data')


def table_columns(table: Table[Any]) -> list[str]:
    return [f.name for f in fields(table.row_type)]


# OWASP, "CSV Injection": a cell a spreadsheet would run as a formula begins with one of these.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert by a leading apostrophe (the OWASP rule); numbers
    are never text here, so a negative number is left as it is."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if value is NOT_COLLECTED:
        return str(value)
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}" if name == "percent" else f"{value:.6g}"
    return str(value)


def render_csv(table: Table[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = table_columns(table)
    writer.writerow(columns)
    for row in table.rows:
        writer.writerow([format_cell(name, getattr(row, name)) for name in columns])
    return buffer.getvalue().encode("utf-8")


def render_json(table: Table[Any]) -> bytes:
    columns = table_columns(table)
    document = {**_metadata(table), "rows": [{c: _json_value(getattr(row, c)) for c in columns} for row in table.rows]}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_tables(results: AnalysisResults, out_dir: Path, fmt: str = "csv") -> dict[Path, str]:
    """Write every table and manifest.json; return each written file with its sha256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[Path, str] = {}
    entries = []
    for name, table in results.tables.items():
        path = out_dir / f"{name}.{fmt}"
        written[path] = write_atomic(path, render_csv(table) if fmt == "csv" else render_json(table))
        entries.append({**_metadata(table), "file": path.name, "rows": len(table.rows), "sha256": written[path]})
    ard = build_ard(results)
    contents = (render_ard_csv(ard), render_ard_json(ard, results), render_ars(ard, results))
    for name, content in zip(ARD_FILES, contents, strict=True):
        written[out_dir / name] = write_atomic(out_dir / name, content)
    manifest = {
        "trial": results.trial_id,
        "snapshot": results.snapshot_id,
        "content_hash": results.content_hash,
        "data_cutoff": results.data_cutoff.isoformat() if results.data_cutoff else None,
        "software_version": __version__,
        "arms": list(results.arms),
        "control": results.control,
        "tables": entries,
        "analysis_results_data": {path.name: sha for path, sha in written.items() if path.name in ARD_FILES},
    }
    manifest_path = out_dir / "manifest.json"
    written[manifest_path] = write_atomic(
        manifest_path, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    )
    return written


def _metadata(table: Table[Any]) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": table.title,
        "population": table.population,
        "denominators": table.denominators,
        "footnotes": list(table.footnotes),
        "columns": table_columns(table),
    }


def _json_value(value: Any) -> Any:
    if value is NOT_COLLECTED:
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


def render_ard_csv(rows: list[ArdRow]) -> bytes:
    """ard.csv: one statistic a row, at full precision (the shortest text that reads back as the same number)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ARD_COLUMNS)
    for row in rows:
        writer.writerow([_ard_cell(getattr(row, name)) for name in ARD_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def render_ard_json(rows: list[ArdRow], results: AnalysisResults) -> bytes:
    document = {
        "trial": results.trial_id,
        "snapshot": results.snapshot_id,
        "content_hash": results.content_hash,
        "software_version": __version__,
        "columns": list(ARD_COLUMNS),
        "rows": [{name: getattr(row, name) for name in ARD_COLUMNS} for row in rows],
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _ard_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return repr(value) if isinstance(value, float) else str(value)
