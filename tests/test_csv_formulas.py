"""No cell of an exported CSV, nor of a PDF's attached tables, is one a spreadsheet would run (OWASP, CSV
injection): text beginning with =, +, -, @, a tab or a carriage return is written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from service.tables_export import format_cell, neutralise_formula
from tests.importing.test_bad_input import replace_in

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def live_formulas(content: str) -> list[str]:
    """Cells a spreadsheet would evaluate: a formula prefix on anything that is not a plain number."""
    found = []
    for row in csv.reader(io.StringIO(content)):
        for cell in row:
            if cell.startswith(FORMULA_START):
                try:
                    float(cell)
                except ValueError:
                    found.append(cell)
    return found


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Headache", "Headache"),
        ("a=b", "a=b"),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(text: str, written: str) -> None:
    assert neutralise_formula(text) == written
    assert format_cell("pt", text) == written


def test_numbers_are_left_as_numbers() -> None:
    assert format_cell("risk_diff", -12.5) == "-12.5"
    assert format_cell("n_events", -1) == "-1"


def test_no_exported_csv_or_attached_table_holds_a_live_formula(tiny: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replace_in("adverse_events.csv", "allergic reaction,Hypersensitivity", "=1+1,@SUM(A1)")(tiny)
    replace_in("participants.csv", "T-01,A,", "T-01,-2+3,")(tiny)
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    assert run_cli("tables", "tiny").exit_code == 0
    contents = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out/tiny/closed/tables").glob("*.csv")}
    for session in ("open", "closed"):
        assert run_cli("report", "dsmb", "tiny", "--session", session).exit_code == 0
        attached = tmp_path / f"attached-{session}"
        attached.mkdir()
        pdf = tmp_path / "out" / "tiny" / session / f"dsmb-{session}.pdf"
        subprocess.run(["pdfdetach", "-saveall", "-o", str(attached), str(pdf)], check=True)
        contents |= {f"{session}:{p.name}": p.read_text(encoding="utf-8") for p in attached.glob("*.csv")}
    everything = "\n".join(contents.values())
    assert "'@SUM(A1)" in everything and "'=1+1" in everything and "'-2+3" in everything  # the data got there
    assert {name: live_formulas(text) for name, text in contents.items() if live_formulas(text)} == {}
