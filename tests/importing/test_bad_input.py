"""Bad input stops the import with exit code 2, a message naming file, row and column, and no change to
the database. Each case edits one thing in a copy of the tiny trial."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import database_fingerprint


def replace_in(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture no longer contains {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def append_to(name: str, line: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    return edit


def delete(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def write_bytes_at(name: str, old: str, new: bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_bytes().replace(old.encode(), new, 1))

    return edit


BAD_INPUT = [
    # (case, edit, the message, word for word)
    ("missing file", delete("adverse_events.csv"), "adverse_events.csv: the file is missing"),
    (
        "missing column",
        replace_in("adverse_events.csv", ",pt,soc,", ",preferred,soc,"),
        "adverse_events.csv, column pt: required column is missing",
    ),
    (
        "wrong type",
        replace_in("participants.csv", "T-02,A,41", "T-02,A,forty-one"),
        "participants.csv, row 3, column age: 'forty-one' is not a number",
    ),
    (
        "unknown arm",
        replace_in("participants.csv", "T-03,B,25,F,PBO", "T-03,B,25,F,Saline"),
        "participants.csv, row 4, column arm: unknown arm 'Saline'",
    ),
    (
        "duplicate subject",
        append_to("participants.csv", "T-02,A,41,M,ACT,2020-01-15,2020-01-16,,completed,,"),
        "participants.csv, row 7, column subject_id: subject 'T-02' appears twice (first in row 3)",
    ),
    (
        "unparseable date",
        replace_in("adverse_events.csv", "2020-01-30", "2020-01-32"),
        "adverse_events.csv, row 5, column start_date: '2020-01-32' is not a date",
    ),
    (
        "unparseable full date",
        replace_in("participants.csv", "2020-01-20,2020-01-21", "20/01/2020,2020-01-21"),
        "participants.csv, row 4, column randomization_date: '20/01/2020' is not a date",
    ),
    (
        "non-UTF-8 text",
        write_bytes_at("adverse_events.csv", "allergic reaction", "r\xe9action allergique".encode("latin-1")),
        "adverse_events.csv, row 5, column verbatim_term: is not UTF-8 text (byte 0xE9)",
    ),
    (
        "AE for an unknown subject",
        replace_in("adverse_events.csv", "5,T-03,rash", "5,T-99,rash"),
        "adverse_events.csv, row 6, column subject_id: subject 'T-99' is not in participants.csv",
    ),
    (
        "measurement for an unknown subject",
        replace_in("measurements.csv", "T-03,HBA1C,HbA1c,Baseline", "T-9,HBA1C,HbA1c,Baseline"),
        "measurements.csv, row 4, column subject_id: subject 'T-9' is not in participants.csv",
    ),
    (
        "grade out of range",
        replace_in("adverse_events.csv", "SEVERE,3,Y", "SEVERE,7,Y"),
        "adverse_events.csv, row 5, column ctcae_grade: 7 is outside 1–5",
    ),
    (
        "serious not Y/N",
        replace_in("adverse_events.csv", "SEVERE,3,Y", "SEVERE,3,maybe"),
        "adverse_events.csv, row 5, column serious: 'maybe' is not Y or N",
    ),
    (
        "unknown severity",
        replace_in("adverse_events.csv", "SEVERE,3,Y", "LIFE-THREATENING,3,Y"),
        "adverse_events.csv, row 5, column severity: 'LIFE-THREATENING' is not allowed here",
    ),
    (
        "empty required cell",
        replace_in("adverse_events.csv", "allergic reaction,Hypersensitivity", "allergic reaction,"),
        "adverse_events.csv, row 5, column pt: is empty",
    ),
    (
        "non-numeric measurement",
        replace_in("measurements.csv", "7.4", "n/a"),
        "measurements.csv, row 3, column value: 'n/a' is not a number",
    ),
    (
        "a cell too many",
        replace_in("measurements.csv", "7.4", "7,4"),
        "measurements.csv, row 3, column #10 (after date): the row has 10 cells but the header names 9 columns",
    ),
    (
        "a cell too few",
        replace_in(
            "participants.csv",
            "T-03,B,25,F,PBO,2020-01-20,2020-01-21,2020-03-21,completed,,2020-06-21",
            "T-03,B,25,F,PBO",
        ),
        "participants.csv, row 4, column randomization_date: the row has 5 cells but the header names 11 columns",
    ),
    (
        "negative age",
        replace_in("participants.csv", "T-02,A,41", "T-02,A,-41"),
        "participants.csv, row 3, column age: -41 is below the smallest allowed value, 0",
    ),
    (
        "screen failure with an arm",
        replace_in("participants.csv", "T-05,A,38,F,,", "T-05,A,38,F,ACT,"),
        "participants.csv, row 6, column disposition: subject 'T-05' is a screen failure but has arm 'ACT'",
    ),
    (
        "unknown disposition",
        replace_in("participants.csv", "completed,,2020-06-12", "finished,,2020-06-12"),
        "participants.csv, row 2, column disposition: 'finished' is not allowed here",
    ),
    (
        "definition without arms",
        replace_in("trial.toml", '[[arms]]\ncode = "ACT"\n', "[[arms]]\n"),
        "trial.toml: arms (entry 1): needs both 'code' and 'label'",
    ),
    ("definition not TOML", replace_in("trial.toml", "[trial]", "[trial"), "trial.toml: is not valid TOML"),
    ("missing definition", delete("trial.toml"), "trial.toml: the trial definition file is missing"),
]


@pytest.mark.parametrize(("case", "edit", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_exits_2_naming_the_place_and_changes_nothing(
    case: str, edit: Callable[[Path], None], message: str, tiny: Path, db_url: str, engine: Engine, run_cli
) -> None:  # type: ignore[no-untyped-def]
    good = run_cli("import", "tiny", "--source", str(tiny), db_url=db_url)
    assert good.exit_code == 0, good.stderr
    before = database_fingerprint(engine)

    edit(tiny)
    result = run_cli("import", "tiny", "--source", str(tiny), db_url=db_url)

    assert result.exit_code == 2
    assert re.search(r"^error: " + re.escape(message), result.stderr, re.MULTILINE), result.stderr
    assert database_fingerprint(engine) == before


def test_unknown_control_arm_exits_2(tiny: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "tiny", "--source", str(tiny), "--control", "Saline")
    assert result.exit_code == 2
    assert "trial.toml: --control names unknown arm 'Saline'" in result.stderr
    assert "Known arms: ACT (Active), PBO (Placebo)." in result.stderr


def test_missing_source_folder_exits_2(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "tiny", "--source", str(tmp_path / "nowhere"))
    assert (result.exit_code, "the source folder does not exist" in result.stderr) == (2, True)


def test_unrecognized_folder_exits_2(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "tiny", "--source", str(tmp_path))
    assert result.exit_code == 2
    assert "cannot tell the source format" in result.stderr


def test_undeclared_trial_without_source_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "nowhere")
    assert result.exit_code == 2
    assert "pass --source PATH" in result.stderr
