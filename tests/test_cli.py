"""The command line as a person uses it: `regsync demo`, `python -m service`, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_demo_imports_the_example_and_writes_its_folder(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("demo", "--out", str(tmp_path / "demo-out"))
    assert result.exit_code == 0, result.stderr
    assert "msc-t1d: new snapshot 1" in result.stdout
    manifest = json.loads((tmp_path / "demo-out" / "msc-t1d" / "closed" / "snapshot.json").read_text())
    assert manifest["counts"]["randomized"] == 21
    again = run_cli("demo", "--out", str(tmp_path / "demo-out"))
    assert "no change" in again.stdout


def test_python_dash_m_service_runs_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "--help"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0
    for command in ("import", "trials", "snapshots", "demo"):
        assert command in result.stdout


def test_console_script_reports_bad_input_with_exit_code_2(tmp_path: Path) -> None:
    regsync = Path(sys.executable).parent / "regsync"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n')
    result = subprocess.run(
        [str(regsync), "--config", str(config), "import", "t", "--source", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "the source folder does not exist" in result.stderr


def test_unknown_command_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("frobnicate").exit_code == 2


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[database]\nuri = 'x'\n")
    result = subprocess.run(
        [sys.executable, "-m", "service", "--config", str(config), "trials"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown key 'uri' in [database]" in result.stderr
