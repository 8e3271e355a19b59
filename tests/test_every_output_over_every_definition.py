"""A definition the import accepts can always be analysed: every output of service.outputs.OUTPUTS is produced
(exit 0, or 1 where its validation found problems; never 2, bad input, or 3, failed) from every trial definition the
tests use: the tiny trial, the example trial, generated 2-, 3- and 5-arm trials (bundle and ADaM, with monitoring
plans of one comparison, a list with alpha_split, and the trend), and the SDTM and ADaM trials of the participant-level
tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from service.outputs import OUTPUTS
from tests.conftest import FIXTURES, REPO
from tests.test_cdisc_participant_level import write_adam, write_sdtm
from tests.trialgen import generate_trial

CTGOV_RECORD = FIXTURES / "registry" / "NCT04207047.json"
IRCT_RECORD = FIXTURES / "ictrp" / "synthetic_full_trial.xml"
PLAN = 'outcome = "SCORE"\nmaximum_information = 24\nplanned_fractions = [0.5, 1.0]\n'


def copied(source: Path) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        shutil.copytree(source, folder)
        return folder

    return build


def generated(arms: int, form: str, monitoring: str | None) -> Callable[[Path], Path]:
    return lambda folder: generate_trial(folder, arms=arms, form=form, monitoring=monitoring).folder


def written(write: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        folder.mkdir()
        return write(folder)

    return build


# (name, how its folder is made, --control)
DEFINITIONS = [
    ("tiny", copied(FIXTURES / "tiny"), None),
    ("msc-t1d", copied(REPO / "examples" / "msc-t1d"), None),
    ("2-arm bundle, one comparison monitored", generated(2, "bundle", PLAN), None),
    ("3-arm bundle, two comparisons monitored", generated(3, "bundle", PLAN + 'comparison = ["Z10 vs PBO", '
                                                          '"Z20 vs PBO"]\nalpha_split = "holm"\n'), None),
    ("3-arm ADaM, the trend monitored", generated(3, "adam", PLAN + 'comparison = "trend"\n'), None),
    ("5-arm ADaM, no monitoring", generated(5, "adam", None), None),
    ("3-arm SDTM without a definition", written(write_sdtm), "PBO"),
    ("3-arm ADaM with baseline variables", written(write_adam), "Placebo"),
]  # fmt: skip


def output_commands(trial: str, out: Path) -> dict[str, list[str]]:
    """The command that produces each output, by its kind."""
    return {
        "tables": ["tables", trial, "--out", str(out / "tables")],
        "ctgov": ["registry", "ctgov", trial, "--out", str(out / "ctgov.xml")],
        "irct": ["registry", "irct", trial, "--out", str(out / "irct.xml")],
        "drift": ["registry", "drift", trial, "--ctgov", str(CTGOV_RECORD), "--irct", str(IRCT_RECORD)],
        "dsmb-open": ["report", "dsmb", trial, "--session", "open", "--out", str(out / "open.pdf")],
        "dsmb-closed": ["report", "dsmb", trial, "--session", "closed", "--out", str(out / "closed.pdf")],
    }


def test_every_output_has_its_command_here(tmp_path: Path) -> None:
    assert set(output_commands("t", tmp_path)) == set(OUTPUTS)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "build", "control"), DEFINITIONS, ids=[d[0] for d in DEFINITIONS])
def test_every_output_is_produced_from_every_accepted_definition(
    name: str, build: Callable[[Path], Path], control: str | None, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    source = build(tmp_path / "source")
    imported = run_cli("import", "t", "--source", str(source), *(["--control", control] if control else []))
    assert imported.exit_code == 0, imported.stderr
    failed = {}
    for kind, command in output_commands("t", tmp_path / "out").items():
        result = run_cli(*command)
        if result.exit_code not in (0, 1):
            failed[kind] = (result.exit_code, result.stderr.strip().splitlines()[:2])
    assert failed == {}
