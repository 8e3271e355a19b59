"""The data-cut property through the importers: a generated trial of 3 or 5 arms, as a bundle and as ADaM, read from
its files and cut at C, gives the same tables as the same trial exported on C (written by hand by tests/trialgen.py's
`as_exported`), at several cut-offs; and `regsync tables --cutoff` writes exactly the tables of a report at C."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.importing import load_source
from service.reports.datacut import derive_data_cut
from service.tables_export import render_ard_csv, render_csv
from tests.trialgen import DATA_CUTOFF, generate_trial

CASES = [(3, "bundle"), (3, "adam"), (5, "bundle"), (5, "adam")]


def tables(folder: Path, cutoff: date, cut: bool) -> dict[str, bytes]:
    data = load_source(folder, "gen")
    if cut:
        data = derive_data_cut(data, cutoff, DATA_CUTOFF)
    results = build_analysis(data, data_cutoff=cutoff)
    found = {name: render_csv(table) for name, table in results.tables.items()}
    found["ard.csv"] = render_ard_csv(build_ard(results))
    return found


@pytest.mark.parametrize(("arms", "form"), CASES, ids=[f"{k}-arms-{form}" for k, form in CASES])
def test_every_table_at_a_cutoff_equals_the_tables_of_the_data_exported_then(arms: int, form: str, tmp_path: Path):
    full = generate_trial(tmp_path / "full", arms=arms, form=form)
    for number, cutoff in enumerate(full.interim_cutoffs):
        exported = generate_trial(tmp_path / f"at-{number}", arms=arms, form=form, as_of=cutoff)
        assert len(exported.people) < len(full.people) or number > 0  # the first cut leaves people out
        cut, then = tables(full.folder, cutoff, cut=True), tables(exported.folder, cutoff, cut=False)
        assert cut.keys() == then.keys()
        for name in cut:
            assert cut[name] == then[name], f"{name} at {cutoff}"


def test_tables_with_a_cutoff_write_the_tables_of_the_cut(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    trial = generate_trial(tmp_path / "source", arms=3, form="adam")
    cutoff = trial.interim_cutoffs[1]
    exported = generate_trial(tmp_path / "exported", arms=3, form="adam", as_of=cutoff)
    assert run_cli("import", "gen", "--source", str(trial.folder)).exit_code == 0
    result = run_cli("tables", "gen", "--cutoff", cutoff.isoformat(), "--out", str(tmp_path / "tables"))
    assert result.exit_code == 0, result.stderr
    expected = tables(exported.folder, cutoff, cut=False)
    for name in ("disposition", "ae_soc_pt", "ae_overview", "exposure", "outcome_estimates"):
        written = (tmp_path / "tables" / f"{name}.csv").read_bytes()
        assert written == expected[name], name
