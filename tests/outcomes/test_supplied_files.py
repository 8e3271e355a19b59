"""Supplied results are untrusted input like the data beside them: only a regular file inside the source folder, of
at most 20 MiB, is read, and every number in it must be plausible for the statistic it is. Each bad case is refused
by `regsync import` with exit 2, the message's first line naming file, row and column, and nothing changed in the
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.errors import DataError
from service.outcomes.supplied_file import MAX_SUPPLIED_BYTES, _read_at_most
from tests.conftest import database_fingerprint
from tests.outcomes.test_supplied import MSC, PBO, SUPPLIED, _folder, _row

Edit = Callable[[Path], None]
PRIMARY = 'results = "supplied"\n'


def results_file(name: str) -> Edit:
    """trial.toml's primary outcome takes its results from `name`."""

    def edit(folder: Path) -> None:
        toml = folder / "trial.toml"
        text = toml.read_text(encoding="utf-8")
        assert PRIMARY in text
        # A TOML literal string: the name exactly as written, backslashes and all.
        toml.write_text(text.replace(PRIMARY, PRIMARY + f"results_file = '{name}'\n", 1), encoding="utf-8")

    return edit


def ard_linked_out(folder: Path) -> None:
    outside = folder.parent / "elsewhere.csv"
    outside.write_bytes((folder / "ard.csv").read_bytes())
    (folder / "ard.csv").unlink()
    (folder / "ard.csv").symlink_to(outside)


def ard_replaced(make: Callable[[Path], None]) -> Edit:
    def edit(folder: Path) -> None:
        (folder / "ard.csv").unlink()
        make(folder / "ard.csv")

    return edit


def ard_grown(folder: Path) -> None:
    """The valid file followed by rows without a statistic, until it is past the limit."""
    with (folder / "ard.csv").open("a", encoding="utf-8") as handle:
        line = ",".join(["x"] * 14) + ",\n"
        handle.write(line * (MAX_SUPPLIED_BYTES // len(line) + 10))


def stat(index: int, value: str) -> Edit:
    """Row `index` of SUPPLIED (file row index + 2) with its stat replaced."""
    return rows_of([{**r, "stat": value} if i == index else r for i, r in enumerate(SUPPLIED)])


def rows_of(rows: list[dict[str, str]]) -> Edit:
    import csv

    def edit(folder: Path) -> None:
        with (folder / "ard.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(folder: Path) -> None:
        for each in edits:
            each(folder)

    return edit


def copy_ard_to(name: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((folder / "ard.csv").read_bytes())

    return edit


WHERE = "trial.toml, column outcomes.results_file: outcome CPEPS: results_file"
# SUPPLIED's rows: index i is file row i + 2 (after the header). 0 MSC N, 1 MSC LS mean, 2 MSC SE, 3-4 MSC CI,
# 5 PBO N, 6 PBO LS mean, 7 PBO SE, 8-9 PBO CI, 10 difference, 11 its SE, 12-13 its CI, 14 its p-value.
# (case, edit, the message's first line, word for word from its start)
CASES: list[tuple[str, Edit, str]] = [
    # Where the file may be.
    ("an absolute path", results_file("/etc/passwd"), f"{WHERE} '/etc/passwd' is an absolute path"),
    ("a Windows absolute path", results_file("C:\\results\\ard.csv"),
     f"{WHERE} 'C:\\results\\ard.csv' is an absolute path"),
    ("a path up and out", results_file("../elsewhere.csv"),
     f"{WHERE} '../elsewhere.csv' leads out of the source folder (..)"),
    ("a path out and back in", results_file("sub/../../source/ard.csv"),
     f"{WHERE} 'sub/../../source/ard.csv' leads out of the source folder (..)"),
    ("a symbolic link out of the folder", ard_linked_out, "ard.csv: is a symbolic link to a file outside the source"),
    ("a FIFO", ard_replaced(lambda p: os.mkfifo(p)), "ard.csv: is not a regular file (a FIFO, socket or device)"),
    ("a folder", ard_replaced(lambda p: p.mkdir()), "ard.csv: is a folder, not a file"),
    ("a device, linked", both(results_file("null.csv"), lambda f: (f / "null.csv").symlink_to("/dev/null")),
     "null.csv: is a symbolic link to a file outside the source folder"),
    ("a missing file", results_file("gone.csv"), "gone.csv: the supplied results file is missing"),
    ("over the size limit", ard_grown, "ard.csv: is larger than 20 MiB, the limit for a supplied results file"),
    # Numbers no analysis gives.
    ("an estimate of 1e300", stat(1, "1e300"),
     "ard.csv, row 3, column stat: estimate is 1e300, not a plausible value (its magnitude is above 10^15)"),
    ("a difference of -2e15", stat(10, "-2e15"),
     "ard.csv, row 12, column stat: estimate is -2e15, not a plausible value (its magnitude is above 10^15)"),
    ("an infinite bound", stat(13, "inf"), "ard.csv, row 15, column stat: conf.high is inf, not a finite number"),
    ("a NaN estimate", stat(6, "NaN"), "ard.csv, row 8, column stat: estimate is NaN, not a finite number"),
    ("a negative standard error", stat(2, "-0.03456"),
     "ard.csv, row 4, column stat: std.error is -0.03456, not a standard error (it must be greater than 0)"),
    ("a zero standard error", stat(11, "0"),
     "ard.csv, row 13, column stat: std.error is 0, not a standard error (it must be greater than 0)"),
    ("a negative SD", rows_of([*SUPPLIED, _row(MSC, "sd", "-1")]),
     "ard.csv, row 17, column stat: sd is -1, not a standard deviation (it must be 0 or more)"),
    ("a p-value above 1", stat(14, "1.3"), "ard.csv, row 16, column stat: p.value is 1.3, outside [0, 1]"),
    ("a negative p-value", stat(14, "-0.2"), "ard.csv, row 16, column stat: p.value is -0.2, outside [0, 1]"),
    ("a confidence level of 95", rows_of([*SUPPLIED, _row(MSC, "conf.level", "95")]),
     "ard.csv, row 17, column stat: conf.level is 95, outside (0, 1)"),
    ("a fractional N", stat(0, "10.5"), "ard.csv, row 2, column stat: N is 10.5, not a count"),
    ("a negative N", stat(5, "-8"), "ard.csv, row 7, column stat: N is -8, not a count"),
    ("N as text", stat(5, "eight"), "ard.csv, row 7, column stat: N is 'eight', not a number"),
    # Rows that contradict each other.
    ("a second, different N for one arm and visit", rows_of([*SUPPLIED, _row(PBO, "N", "7")]),
     "ard.csv, row 17, column stat: a second N for Placebo at Month 12: 7, where row 7 gives 8"),
    ("an interval upside down", stat(12, "0.5"),
     "ard.csv, row 14, column stat: the interval's lower bound 0.5 is above its upper bound 0.41363"),
    ("an interval beside its estimate", stat(4, "0.8"),
     "ard.csv, row 3, column stat: the interval 0.7391 to 0.8 does not contain the estimate 0.81234"),
    ("more participants than the arm has", stat(0, "30"),
     "ard.csv, row 2, column stat: N = 30 for Mesenchymal stem cells at Month 12, but the data have 11"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_supplied_results_are_refused_with_exit_2_and_change_nothing(
    case: str, edit: Edit, message: str, tmp_path: Path, db_url: str, engine: Engine, run_cli  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    folder = _folder(tmp_path, SUPPLIED)
    good = run_cli("import", "msc-t1d", "--source", str(folder), db_url=db_url)
    assert good.exit_code == 0, good.stderr
    before = database_fingerprint(engine)

    edit(folder)
    result = run_cli("import", "msc-t1d", "--source", str(folder), db_url=db_url)

    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert re.search(r"^error: " + re.escape(message), result.stderr, re.MULTILINE), result.stderr
    assert "Traceback" not in result.stderr
    assert database_fingerprint(engine) == before


@pytest.mark.parametrize(
    ("case", "edit"),
    [
        ("a file in a subfolder", both(copy_ard_to("results/ard-final.csv"), results_file("results/ard-final.csv"))),
        (
            "a link within the folder",
            both(
                copy_ard_to("results/ard.csv"),
                results_file("linked.csv"),
                lambda f: (f / "linked.csv").symlink_to(f / "results" / "ard.csv"),
            ),
        ),
        ("one N given twice alike", rows_of([*SUPPLIED, _row(PBO, "N", "8")])),
        ("an interval without its estimate", rows_of([r for i, r in enumerate(SUPPLIED) if i != 1])),
    ],
)
def test_acceptable_supplied_results_are_imported(case: str, edit: Edit, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path, SUPPLIED)
    edit(folder)
    result = run_cli("import", "msc-t1d", "--source", str(folder))
    assert result.exit_code == 0, result.stderr


def test_the_size_limit_is_enforced_while_reading_a_stream_that_never_ends() -> None:
    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            buffer[:] = b"1" * len(buffer)
            self.read_so_far += len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(DataError, match="is larger than 20 MiB"):
        _read_at_most(io.BufferedReader(endless), "ard.csv")
    assert endless.read_so_far <= MAX_SUPPLIED_BYTES + 2 * 1024**2


def test_the_snapshot_keeps_only_the_supplied_outcomes_rows(tmp_path: Path) -> None:
    from service.importing import load_source
    from service.outcomes.supplied import SUPPLIED_KEY

    other = [{**r, "group2_level": "HBA1C"} for r in SUPPLIED]
    folder = _folder(tmp_path, [*SUPPLIED, *other])
    held = load_source(folder, "msc-t1d").definition.raw[SUPPLIED_KEY]["ard.csv"]
    assert [row["row"] for row in held["rows"]] == list(range(2, 2 + len(SUPPLIED)))
