"""The same laboratory and vital-sign data as ADaM, SDTM and a bundle give the same frame: ADaM's variables as
given, SDTM's and the bundle's derived as ADaM would (the values worked by hand in tests/labs/lab_fixture.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from service.importing import load_source
from service.labs.derive import derived_variables
from service.labs.frame import LAB_COLUMNS, conform
from tests.labs import lab_fixture as fx

SHARED = ("subject_id", "domain", "paramcd", "param", "parcat1", "unit", "visit", "visitnum", "tpt", "position",
          "adt", "aval", "anrlo", "anrhi")  # fmt: skip

WRITERS: dict[str, Callable[[Path], Path]] = {
    "bundle": fx.write_bundle,
    "sdtm-csv": lambda f: fx.write_sdtm(f, "csv"),
    "sdtm-xpt": lambda f: fx.write_sdtm(f, "xpt"),
    "adam-csv": lambda f: fx.write_adam(f, "csv"),
    "adam-xpt": lambda f: fx.write_adam(f, "xpt"),
}


def _frame(kind: str, folder: Path) -> pd.DataFrame:
    data = load_source(WRITERS[kind](folder / kind), "labs")
    assert data.labs is not None
    assert [str(t) for t in data.labs.dtypes] == list(LAB_COLUMNS.values())
    pd.testing.assert_frame_equal(conform(data.labs), data.labs)  # the frame is as the contract makes it
    return data.labs


def _expected(kind: str) -> pd.DataFrame:
    rows = []
    for r in fx.RECORDS:
        label, category, unit, low, high, domain = fx.PARAMETERS[r[1]]
        ablfl, base, chg, anrind, bnrind, ontrtfl, ady = r[8:]
        if kind.startswith("adam") and ontrtfl is None:
            ontrtfl = False  # ADaM's blank ONTRTFL is N, as given
        rows.append({"subject_id": r[0], "domain": domain, "paramcd": r[1], "param": f"{label} ({unit})",
                     "parcat1": category, "unit": unit, "visit": r[2], "visitnum": float(r[3]),
                     "tpt": r[5], "position": r[5], "adt": pd.Timestamp(r[4]) if r[4] else pd.NaT,
                     "aval": r[6], "anrlo": low, "anrhi": high, "ablfl": ablfl, "base": base, "chg": chg,
                     "anrind": anrind, "bnrind": bnrind, "ontrtfl": ontrtfl, "ady": ady})  # fmt: skip
    return pd.DataFrame(rows)


def _comparable(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    columns = (*SHARED, *fx.EXPECTED)
    frame = frame.sort_values(["subject_id", "paramcd", "visitnum", "position"], na_position="first")
    out = []
    for record in frame[list(columns)].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else (v.date() if isinstance(v, pd.Timestamp) else v) for v in record))
    return out


@pytest.mark.parametrize("kind", list(WRITERS))
def test_every_format_gives_the_values_worked_by_hand(kind: str, tmp_path: Path) -> None:
    assert _comparable(_frame(kind, tmp_path)) == _comparable(_expected(kind))


def test_sdtm_notes_what_it_derived_and_the_undated_record(tmp_path: Path) -> None:
    data = load_source(fx.write_sdtm(tmp_path / "sdtm"), "labs")
    derived = derived_variables(data.notes)
    assert derived["LB"] == ("ABLFL", "BASE", "CHG", "ANRIND", "BNRIND", "ONTRTFL", "ADY")
    assert "lb.csv: 1 record(s) have a visit but no date (LBDTC): kept, but they cannot be placed at an interim " \
           "cut-off" in data.notes  # fmt: skip


def test_adam_derives_only_what_the_dataset_lacks(tmp_path: Path) -> None:
    folder = fx.write_adam(tmp_path / "adam")
    adlb = pd.read_csv(folder / "adlb.csv").drop(columns=["ANRIND", "ONTRTFL"])
    adlb.to_csv(folder / "adlb.csv", index=False)
    data = load_source(folder, "labs")
    assert derived_variables(data.notes) == {"ADLB": ("ANRIND", "ONTRTFL")}
    assert _comparable(data.labs[data.labs["domain"] == "LB"]) == _comparable(
        _expected("sdtm")[lambda f: f["domain"] == "LB"])  # fmt: skip


def test_without_laboratory_files_the_frame_is_none(tmp_path: Path) -> None:
    folder = fx.write_bundle(tmp_path / "b")
    (folder / "labs.csv").unlink()
    (folder / "vitals.csv").unlink()
    assert load_source(folder, "labs").labs is None
