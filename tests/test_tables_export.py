"""`regsync tables`: the contract columns, hand-checked numbers through import, storage and export, ADaM flags,
and byte-identical output for the same snapshot."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from tests.conftest import PG_URL
from tests.importing.test_adam import write_adam

CONTRACT_COLUMNS = [
    "level",
    "soc",
    "pt",
    "arm",
    "n_subjects",
    "n_events",
    "n_at_risk",
    "percent",
    "p_value",
    "risk_diff",
    "risk_diff_low",
    "risk_diff_high",
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def exported(tiny: Path, run_cli, db_url: str, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny), db_url=db_url).exit_code == 0
    result = run_cli("tables", "tiny", "--out", str(tmp_path / "tables"), db_url=db_url)
    assert result.exit_code == 0, result.stderr
    assert "wrote 44 tables from snapshot 1" in result.stdout  # 25, 7 more of AEs, 12 of laboratory and vital signs
    return tmp_path / "tables"


def test_ae_tables_have_exactly_the_contract_columns(exported: Path) -> None:
    for name in ("ae_soc_pt.csv", "ae_soc_pt_serious.csv"):
        with (exported / name).open(encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == CONTRACT_COLUMNS


def test_tiny_trial_numbers_survive_import_storage_and_export(exported: Path) -> None:
    # Safety set: T-01, T-02 (Active), T-03 (Placebo); T-04 was never treated, T-05 a screen failure.
    # TEAEs: T-01 headache ×2 and nausea (partial date 2020-01, imputed to the first dose), T-02 hypersensitivity.
    rows = {(r["level"], r["pt"], r["arm"]): r for r in read_csv(exported / "ae_soc_pt.csv")}
    assert {
        k: (v["n_subjects"], v["n_events"], v["n_at_risk"], v["percent"]) for k, v in rows.items() if k[0] == "any"
    } == {
        ("any", "", "Active"): ("2", "4", "2", "100.0"),
        ("any", "", "Placebo"): ("0", "0", "1", "0.0"),
        ("any", "", "Total"): ("2", "4", "3", "66.7"),
    }
    headache = rows[("pt", "Headache", "Active")]
    assert (headache["n_subjects"], headache["n_events"], headache["percent"]) == ("1", "2", "50.0")
    # Active 1/2 against Placebo 0/1: P(0 in Active) = 1/3, P(1) = 2/3, so p = 1.
    assert headache["p_value"] == "1"
    assert rows[("any", "", "Placebo")]["p_value"] == ""
    serious = read_csv(exported / "ae_soc_pt_serious.csv")
    assert [(r["level"], r["pt"], r["arm"], r["n_subjects"]) for r in serious if r["arm"] == "Active"] == [
        ("any", "", "Active", "1"),
        ("soc", "", "Active", "1"),
        ("pt", "Hypersensitivity", "Active", "1"),
    ]


def test_manifest_carries_population_denominators_and_rules(exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    entry = next(t for t in manifest["tables"] if t["name"] == "ae_soc_pt")
    assert entry["denominators"] == {"Active": 2, "Placebo": 1, "Total": 3}
    assert entry["population"].startswith("Safety population")
    assert any("counted once" in note for note in entry["footnotes"])
    assert manifest["control"] == "Placebo" and len(manifest["content_hash"]) == 64


def test_json_format_and_byte_identical_reruns(tiny: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    for name in ("a", "b"):
        assert run_cli("tables", "tiny", "--format", "json", "--out", str(tmp_path / name)).exit_code == 0
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    document = json.loads((tmp_path / "a" / "ae_overview.json").read_text())
    assert document["columns"][:3] == ["category", "arm", "n_subjects"]


def test_tables_for_an_unknown_trial_exits_2(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("tables", "nowhere")
    assert result.exit_code == 2 and "no snapshots for trial 'nowhere'" in result.stderr


def test_adam_flags_decide_the_ae_tables(tmp_path: Path) -> None:
    # ADSL: A-1 Drug, A-2 Placebo (SAFFL=Y); A-3 Placebo dosed but SAFFL=N; A-4 screen failure.
    # ADAE: A-1 headache TRTEMFL=Y, A-1 nausea TRTEMFL blank (after dosing), A-2 rash TRTEMFL=Y (before dosing),
    # A-3 fatigue TRTEMFL=Y (but A-3 is not in the safety population).
    data = load_source(write_adam(tmp_path / "adam", "xpt"), "adam", control="Placebo")
    rows = build_analysis(data)["ae_soc_pt"].rows
    summary = {(r.level, r.pt, r.arm): (r.n_subjects, r.n_at_risk) for r in rows}
    assert summary[("any", "", "Drug")] == (1, 1)
    assert summary[("any", "", "Placebo")] == (1, 1)  # A-2 only; N = 1, A-3 excluded by SAFFL
    assert summary[("pt", "Rash", "Placebo")] == (1, 1)
    assert ("pt", "Nausea", "Drug") not in summary and ("pt", "Fatigue", "Placebo") not in summary


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_byte_identical_tables(tiny: Path, run_cli, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    if not PG_URL:
        pytest.skip("REGSYNC_TEST_DATABASE_URL is not set: no PostgreSQL server to test against (.ci/run sets it)")
    pg_url = request.getfixturevalue("postgres_url")
    outputs = {}
    for name, url in (("sqlite", f"sqlite:///{tmp_path / 'x.db'}"), ("postgresql", pg_url)):
        assert run_cli("import", "tiny", "--source", str(tiny), db_url=url).exit_code == 0
        assert run_cli("tables", "tiny", "--out", str(tmp_path / name), db_url=url).exit_code == 0
        outputs[name] = {p.name: p.read_bytes() for p in (tmp_path / name).iterdir()}
    assert outputs["sqlite"] == outputs["postgresql"]
