"""Outputs as plug-ins of one shape, written by audience: the open folder holds nothing by arm or comparative, the
closed folder is the owner's alone, and a new output is one module and one dictionary entry."""

from __future__ import annotations

import csv
import io
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.config import load_config
from service.db import open_database
from service.outputs import OUTPUTS
from service.outputs.base import AUDIENCES, CLOSED, audience_folder
from service.scheduling.runner import JobRunner
from tests.scheduling.helpers import write_config

ARM_LABELS = ("Mesenchymal stem cells", "Placebo")
# Columns that only a comparison between arms fills.
COMPARATIVE_COLUMNS = ("p_value", "risk_diff", "risk_diff_low", "risk_diff_high", "observed_z", "boundary_z",
                       "estimate", "ci_low", "ci_high", "control", "crossed")  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`regsync demo` run once, as the console script runs it; its trial folder."""
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{folder / "r.db"}"\n\n[output]\ndir = "{folder / "out"}"\n')
    regsync = Path(sys.executable).parent / "regsync"
    done = subprocess.run([str(regsync), "--config", str(config), "demo"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return folder / "out" / "msc-t1d"


def test_demo_writes_every_output_into_its_audience_folder(demo: Path) -> None:
    found = {p.relative_to(demo).as_posix() for p in demo.glob("*/*")}
    expected = {f"{output.audience}/{output.file_name}" for output in OUTPUTS.values()}
    assert expected <= found
    assert {p.name for p in demo.iterdir()} == set(AUDIENCES)
    assert {p.name for p in (demo / "open").iterdir()} == {"dsmb-open.pdf"}


def test_the_closed_folder_is_the_owners_alone(demo: Path) -> None:
    assert stat.S_IMODE((demo / "closed").stat().st_mode) == 0o700
    assert stat.S_IMODE((demo / "open").stat().st_mode) != 0o700


def test_a_closed_folder_made_by_someone_else_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "closed").mkdir(mode=0o755)
    audience_folder(tmp_path, CLOSED)
    assert stat.S_IMODE((tmp_path / "closed").stat().st_mode) == 0o700


def test_the_open_pdf_prints_no_arm_and_nothing_comparative(demo: Path) -> None:
    text = subprocess.run(["pdftotext", str(demo / "open" / "dsmb-open.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert "Mesenchymal stem cells" not in flat
    assert not re.search(r"\bPlacebo\b(?!-Controlled)", flat)
    for comparative in ("Arm A", "Arm B", " vs ", "Observed z", "Boundary", "Crossed", "α spent", "Estimate (95% CI)",
                        "RD (95% CI)", "Group-sequential monitoring of the", "Monitoring boundaries"):  # fmt: skip
        assert comparative not in flat, comparative
    # The monitoring is named only among the analyses left to the closed session.
    assert flat.count("monitoring") == 1 and "the group-sequential monitoring of CPEPS (boundaries" in flat


def test_the_open_pdf_attaches_no_arm_and_nothing_comparative(demo: Path, tmp_path: Path) -> None:
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(demo / "open" / "dsmb-open.pdf")], check=True)
    attached = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.iterdir()}
    assert "ae_soc_pt.csv" in attached and "baseline.csv" in attached  # the pooled tables are there
    assert "monitoring.csv" not in attached and "outcome_comparison.csv" not in attached
    for name, content in attached.items():
        assert not any(label in content for label in ARM_LABELS), name
        rows = list(csv.DictReader(io.StringIO(content)))
        for column in COMPARATIVE_COLUMNS:
            filled = [row[column] for row in rows if row.get(column)]
            assert filled == [], (name, column, filled[:3])
        arms = {row["arm"] for row in rows if "arm" in row}
        assert arms <= {"All participants", "Total"}, (name, arms)


def test_the_closed_pdf_still_attaches_the_comparisons(demo: Path, tmp_path: Path) -> None:
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(demo / "closed" / "dsmb-closed.pdf")], check=True)
    assert {"monitoring.csv", "outcome_comparison.csv"} <= {path.name for path in tmp_path.iterdir()}


TOY_MODULE = '''
from datetime import UTC, datetime

import click

from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.outputs.base import OPEN, CommandSpot, Output, Produced

OUTPUT = Output(
    kind="toy",
    file_name="toy.txt",
    audience=OPEN,
    title="a toy output: the number of participants",
    produce="toy_output:produce",
    commands=(CommandSpot(None, "toy", "toy_output:toy_command", "Say what the toy output is."),),
)


def produce(output, production):
    data, _ = production.analysed()
    target = production.target(output)
    digest = write_atomic(target, f"{len(data.participants)} participants\\n".encode())
    record_artifacts(production.engine, production.snapshot, output.kind, {target: digest}, {}, now=datetime.now(UTC))
    return Produced(output.kind, {target: digest})


@click.command("toy")
def toy_command():
    """Say what the toy output is."""
    click.echo(OUTPUT.title)
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new output: one module, one entry in the dictionary; nothing else changed."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "toy_output.py").write_text(TOY_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    import toy_output  # type: ignore[import-not-found]

    monkeypatch.setitem(OUTPUTS, "toy", toy_output.OUTPUT)
    yield
    sys.modules.pop("toy_output", None)


def test_a_new_output_appears_in_the_command_line(toy: None, run_cli) -> None:  # type: ignore[no-untyped-def]
    listed = run_cli("--help")
    assert re.search(r"^\s+toy\s+Say what the toy output is\.$", listed.stdout, re.M), listed.stdout
    ran = run_cli("toy")
    assert (ran.exit_code, ran.stdout) == (0, "a toy output: the number of participants\n")


def test_a_new_output_is_written_by_demo(toy: None, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("demo")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "msc-t1d" / "open" / "toy.txt").read_text() == "24 participants\n"
    listed = run_cli("artifacts", "msc-t1d")
    assert re.search(r"^\d+\ttoy\t\S+/open/toy\.txt\t[0-9a-f]{64}\tsnapshot 1\t", listed.stdout, re.M)


def test_a_new_output_can_be_a_jobs_output_and_is_produced_by_it(toy: None, tiny: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    config = load_config(write_config(tmp_path / "job", url, tiny, outputs=("tables", "toy")), required=True)
    assert config.jobs["nightly"].outputs == ("tables", "toy")
    engine = open_database(url)
    run = JobRunner(engine, config).fire("nightly", datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert run is not None and run.status == "produced", run
    assert run.summary is not None and run.summary.startswith("produced tables, toy from snapshot 1")
    toy_file = tmp_path / "job" / "out" / "tiny" / "snapshot-1" / "open" / "toy.txt"
    assert toy_file.read_text().endswith(" participants\n")


def test_a_job_naming_an_unknown_output_is_refused(tiny: Path, tmp_path: Path) -> None:
    from service.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"unknown output 'toy'\n  Known: tables, ctgov, irct, drift, dsmb-open, dsmb-closed"
    ):
        load_config(write_config(tmp_path, "sqlite:///x.db", tiny, outputs=("toy",)), required=True)


@pytest.mark.parametrize("output", list(OUTPUTS.values()), ids=list(OUTPUTS))
def test_every_output_names_what_it_needs_and_each_name_resolves(output) -> None:  # type: ignore[no-untyped-def]
    from service.outputs.base import load_object

    assert output.audience in AUDIENCES and output.file_name and output.title
    assert callable(load_object(output.produce))
    if output.validate:
        assert callable(load_object(output.validate)) and output.validated_against
    for spot in output.commands:
        assert spot.group in (None, "report", "registry", "validate") and spot.help.endswith(".")
        assert load_object(spot.command).name == spot.name
