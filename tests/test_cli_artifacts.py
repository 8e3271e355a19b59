"""`regsync artifacts`, `regsync verify`, `regsync validate tables`, and what an unexpected failure looks like."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def produced(run_cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The tiny trial imported, its tables and PRS XML written by their commands; its output folder."""
    assert run_cli("import", "tiny", "--source", str(FIXTURES / "tiny")).exit_code == 0
    assert run_cli("tables", "tiny").exit_code == 0
    assert run_cli("registry", "ctgov", "tiny").exit_code in (0, 1)
    return tmp_path / "out" / "tiny"


def test_tables_go_to_the_closed_folder_by_default(produced: Path) -> None:
    assert (produced / "closed" / "tables" / "ae_soc_pt.csv").is_file()
    assert (produced / "registry" / "ctgov-results.xml").is_file()
    assert (produced / "closed").stat().st_mode & 0o777 == 0o700


def test_artifacts_lists_each_file_with_its_hash_snapshot_and_options(produced: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    listed = run_cli("artifacts", "tiny")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    xml = produced / "registry" / "ctgov-results.xml"
    digest = hashlib.sha256(xml.read_bytes()).hexdigest()
    (line,) = [line for line in lines if "\tctgov\t" in line]
    fields = line.split("\t")
    assert fields[1:5] == ["ctgov", str(xml.resolve()), digest, "snapshot 1"]
    assert '"partial":false' in fields[5] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", fields[6])
    tables = [line for line in lines if "\ttables\t" in line]
    assert len(tables) == len(list((produced / "closed" / "tables").iterdir()))


def test_artifacts_of_an_unknown_trial_is_bad_input(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("artifacts", "nope")
    assert result.exit_code == 2 and "no trial 'nope' in the database" in result.stderr


def test_verify_passes_then_names_a_changed_and_a_missing_file(produced: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    clean = run_cli("verify")
    assert clean.exit_code == 0, clean.stdout
    assert re.search(r"^\d+ intact, 0 missing or changed, 0 superseded", clean.stdout, re.M)
    xml = produced / "registry" / "ctgov-results.xml"
    xml.write_bytes(xml.read_bytes().replace(b"<", b" <", 1))
    (produced / "closed" / "tables" / "baseline.csv").unlink()
    found = run_cli("verify", "tiny")
    assert found.exit_code == 1
    assert re.search(rf"^changed\tctgov\t{re.escape(str(xml.resolve()))}\tsnapshot 1\t", found.stdout, re.M)
    assert re.search(r"^missing\ttables\t\S+/baseline\.csv\t", found.stdout, re.M)
    assert "2 missing or changed" in found.stdout


def test_verify_checks_a_rewritten_path_against_its_latest_record(produced: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("registry", "ctgov", "tiny", "--partial", "baseline").exit_code in (0, 1)  # same path, new file
    result = run_cli("verify", "tiny")
    assert result.exit_code == 0 and "1 superseded" in result.stdout


def test_validate_tables_checks_the_folder_against_its_manifest(produced: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = produced / "closed" / "tables"
    assert run_cli("validate", "tables", str(folder)).exit_code == 0
    (folder / "exposure.csv").write_text("level,arm\n", encoding="utf-8")
    result = run_cli("validate", "tables", str(folder))
    assert result.exit_code == 1
    assert "exposure.csv: changed since it was written" in result.stdout
    assert "exposure.csv, row 1: columns ['level', 'arm'] differ from the manifest's" in result.stdout


def test_an_unexpected_failure_is_one_line_and_exit_3(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from service.cli.listing import trials_command

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("the_missing_key")

    monkeypatch.setattr(trials_command, "callback", broken)
    result = run_cli("trials")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "error: regsync trials failed unexpectedly: KeyError: 'the_missing_key' (run again with --debug for the "
        "traceback)"
    ]
    debugged = run_cli("--debug", "trials")
    assert debugged.exit_code == 3 and "Traceback (most recent call last)" in debugged.stderr
