"""Bad laboratory input is refused naming file, row and column (README, 'Laboratory and vital-sign data': a unit
that changes within a parameter, a normal range with its low limit above its high one, text where a number is
expected, a record with neither a visit nor a date), through the CLI with exit code 2 and nothing stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from service.errors import DataError
from service.importing import load_source
from tests.cdisc import write_dataset
from tests.conftest import database_fingerprint
from tests.labs import lab_fixture as fx

# labs.csv's rows: 1 the header; P-1 ALT 2-5, P-1 HGB 6-8, P-2 ALT 9-11 (Week 12, undated, is row 11).
# lb.csv's rows are the same; in adlb.xpt the first record is row 1, so each is one less.


def edit_csv(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a written CSV (row numbered as a spreadsheet shows it)."""

    def edit(folder: Path) -> None:
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        frame.loc[row - 2, column] = value
        frame.to_csv(folder / name, index=False)

    return edit


def edit_xpt(name: str, record: int, column: str, value: str) -> Callable[[Path], None]:
    """Rewrite a dataset as SAS transport with every column as text, one cell changed (record numbered from 1)."""

    def edit(folder: Path) -> None:
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        frame.loc[record - 1, column] = value
        (folder / f"{name}.csv").unlink()
        write_dataset(folder, name, frame.to_dict("records"), "xpt")

    return edit


BAD_LAB_INPUT = [
    # (case, format writer, edit, the message word for word)
    ("bundle: a unit changes within a parameter", fx.write_bundle, edit_csv("labs.csv", 8, "unit", "g/dL"),
     "labs.csv, row 8, column unit: unit 'g/dL' differs from 'g/L', the unit of HGB in earlier rows"),
    ("bundle: low above high", fx.write_bundle, edit_csv("labs.csv", 2, "low", "70"),
     "labs.csv, row 2, column low: the normal range's low limit 70 is above its high limit 56"),
    ("bundle: text for a value", fx.write_bundle, edit_csv("labs.csv", 4, "value", "high"),
     "labs.csv, row 4, column value: 'high' is not a number"),
    ("bundle: text for a range limit", fx.write_bundle, edit_csv("vitals.csv", 3, "high", "140 mmHg"),
     "vitals.csv, row 3, column high: '140 mmHg' is not a number"),
    ("bundle: neither visit nor date", fx.write_bundle, edit_csv("labs.csv", 11, "visit", ""),
     "labs.csv, row 11, column visit: the record has neither a visit nor a date (date)"),
    ("bundle: not a date", fx.write_bundle, edit_csv("labs.csv", 3, "date", "10/01/2021"),
     "labs.csv, row 3, column date: '10/01/2021' is not a date"),
    ("bundle: baseline not Y/N", fx.write_bundle, edit_csv("labs.csv", 3, "baseline", "maybe"),
     "labs.csv, row 3, column baseline: 'maybe' is not Y or N"),
    ("bundle: unknown subject", fx.write_bundle, edit_csv("vitals.csv", 5, "subject_id", "P-9"),
     "vitals.csv, row 5, column subject_id: subject 'P-9' is not in participants.csv"),
    ("bundle: empty parameter", fx.write_bundle, edit_csv("labs.csv", 6, "parameter", ""),
     "labs.csv, row 6, column parameter: is empty"),
    ("bundle: unknown column", fx.write_bundle,
     lambda f: (f / "labs.csv").write_text((f / "labs.csv").read_text().replace(",low,", ",lower,", 1)),
     "labs.csv, row 1, column lower: unknown column 'lower'; did you mean 'low'?"),
    ("bundle: a cell too many", fx.write_bundle,
     lambda f: (f / "labs.csv").write_text((f / "labs.csv").read_text().replace(",130,", ",1,30,", 1)),
     "labs.csv, row 6, column #14 (after baseline): the row has 14 cells but the header names 13 columns"),
    ("sdtm: a unit changes within a parameter", fx.write_sdtm, edit_csv("lb.csv", 9, "LBSTRESU", "IU/L"),
     "lb.csv, row 9, column LBSTRESU: unit 'IU/L' differs from 'U/L', the unit of ALT in earlier rows"),
    ("sdtm: text for LBSTRESN", fx.write_sdtm, edit_csv("lb.csv", 4, "LBSTRESN", ">100"),
     "lb.csv, row 4, column LBSTRESN: '>100' is not a number"),
    ("sdtm: low above high", fx.write_sdtm, edit_csv("vs.csv", 2, "VSSTNRLO", "150"),
     "vs.csv, row 2, column VSSTNRLO: the normal range's low limit 150 is above its high limit 140"),
    ("sdtm: neither visit nor date", fx.write_sdtm, edit_csv("lb.csv", 11, "VISIT", ""),
     "lb.csv, row 11, column VISIT: the record has neither a visit nor a date (LBDTC)"),
    ("sdtm: toxicity grade out of range", fx.write_sdtm,
     lambda f: edit_csv("lb.csv", 4, "LBTOXGR", "7")(f),
     "lb.csv, row 4, column LBTOXGR: 7 is above the largest allowed value, 5"),
    ("adam: text for AVAL", lambda f: fx.write_adam(f, "csv"), edit_xpt("adlb", 3, "AVAL", "high"),
     "adlb.xpt, row 3, column AVAL: 'high' is not a number"),
    ("adam: a unit changes within a parameter", lambda f: fx.write_adam(f, "csv"),
     edit_csv("adlb.csv", 4, "AVALU", "IU/L"),
     "adlb.csv, row 4, column AVALU: unit 'IU/L' differs from 'U/L', the unit of ALT in earlier rows"),
    ("adam: low above high", lambda f: fx.write_adam(f, "csv"), edit_xpt("advs", 4, "ANRHI", "80"),
     "advs.xpt, row 4, column ANRLO: the normal range's low limit 90 is above its high limit 80"),
    ("adam: neither visit nor date", lambda f: fx.write_adam(f, "csv"), edit_csv("adlb.csv", 11, "AVISIT", ""),
     "adlb.csv, row 11, column AVISIT: the record has neither a visit nor a date (ADT)"),
]  # fmt: skip


def _lbtoxgr(folder: Path) -> None:
    frame = pd.read_csv(folder / "lb.csv", dtype=str, keep_default_na=False)
    frame["LBTOXGR"] = "0"
    frame.to_csv(folder / "lb.csv", index=False)


@pytest.mark.parametrize(("case", "write", "edit", "message"), BAD_LAB_INPUT, ids=[c[0] for c in BAD_LAB_INPUT])
def test_bad_laboratory_input_is_refused_naming_the_place(
    case: str, write: Callable[[Path], Path], edit: Callable[[Path], None], message: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "source")
    load_source(folder, "labs")  # the unedited data import
    if "LBTOXGR" in message:
        _lbtoxgr(folder)
    edit(folder)
    with pytest.raises(DataError) as raised:
        load_source(folder, "labs")
    assert str(raised.value).split("\n")[0] == message


def test_bad_laboratory_input_exits_2_and_stores_nothing(tmp_path: Path, db_url: str, engine: Engine, run_cli
                                                         ) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    folder = fx.write_bundle(tmp_path / "source")
    good = run_cli("import", "labs", "--source", str(folder), db_url=db_url)
    assert good.exit_code == 0, good.stderr
    before = database_fingerprint(engine)
    edit_csv("labs.csv", 8, "unit", "g/dL")(folder)
    result = run_cli("import", "labs", "--source", str(folder), db_url=db_url)
    assert result.exit_code == 2
    assert re.search(r"^error: labs\.csv, row 8, column unit: unit 'g/dL' differs", result.stderr, re.MULTILINE)
    assert database_fingerprint(engine) == before
