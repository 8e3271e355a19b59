"""`regsync tables TRIAL --cutoff DATE`: the tables behind a report at that cut-off, refused as the report is."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest


def _disposition(folder: Path) -> dict[str, str]:
    with (folder / "disposition.csv").open(encoding="utf-8") as handle:
        return {row["category"]: row["n"] for row in csv.DictReader(handle) if row["arm"] == "Total"}


def test_tables_at_a_cutoff_hold_only_what_had_happened_by_then(run_cli, tiny: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    result = run_cli("tables", "tiny", "--out", str(tmp_path / "cut"), "--cutoff", "2020-01-31")
    assert result.exit_code == 0, result.stderr
    assert "cut at 2020-01-31" in result.stdout
    # tests/fixtures/tiny: T-04 was randomized on 2020-02-01, after the cut; T-01 (completed 2020-06-12) and T-02
    # (discontinued 2020-02-05) were still on study on 2020-01-31, as T-03 was.
    counts = _disposition(tmp_path / "cut")
    assert (counts["Randomized"], counts["Completed"], counts["Discontinued"], counts["Ongoing"]) == ("3", "0", "0",
                                                                                                      "3")  # fmt: skip
    assert json.loads((tmp_path / "cut" / "manifest.json").read_text(encoding="utf-8"))["data_cutoff"] == "2020-01-31"
    assert run_cli("tables", "tiny", "--out", str(tmp_path / "all")).exit_code == 0
    full = _disposition(tmp_path / "all")
    assert (full["Randomized"], full["Completed"], full["Discontinued"]) == ("4", "2", "2")


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [("2030-01-01", "is after snapshot 1's data"), ("2016-01-01", "is before the first randomization (2020-01-10)")],
)
def test_a_cutoff_the_report_refuses_is_refused_for_the_tables(  # type: ignore[no-untyped-def]
    run_cli, tiny: Path, tmp_path: Path, cutoff: str, message: str
) -> None:
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    result = run_cli("tables", "tiny", "--out", str(tmp_path / "t"), "--cutoff", cutoff)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "t").exists()
