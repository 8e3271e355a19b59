"""The analysis results data of the example trial: every number of every CSV table is an ard.csv row, and
ars.json is a valid CDISC ARS ReportingEvent."""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jsonschema
import pytest

from service.outputs.tables.validate import validate_ars, validate_tables_folder
from tests.conftest import REPO

# The package's copy of CDISC's ARS schema (its README gives the commit it was copied from).
ARS_SCHEMA = REPO / "service" / "outputs" / "tables" / "schemas" / "ars_ldm.schema.json"
ARD_HEADER = ("analysis,population,group1,group1_level,group2,group2_level,group3,group3_level,group4,group4_level,"
              "variable,"
              "variable_level,comparator,context,stat_name,stat_label,stat")  # fmt: skip
# A CSV column → the cards statistic names (DESIGN.md) it may be; written here, independently of service.ard.
COLUMN_STATS: dict[str, set[str]] = {
    "n_subjects": {"n"}, "n_events": {"n_events"}, "n_at_risk": {"N"}, "percent": {"p"}, "p_value": {"p.value"},
    "risk_diff": {"estimate"}, "risk_diff_low": {"conf.low"}, "risk_diff_high": {"conf.high"},
    "n_affected": {"n"}, "n_deaths": {"n"}, "n_serious_affected": {"n"}, "n_other_affected": {"n"},
    "person_years": {"tot_person_time"}, "rate_per_100py": {"estimate"}, "rate_low": {"conf.low"},
    "rate_high": {"conf.high"}, "n": {"n", "N"}, "n_analysed": {"N", "N_obs"}, "n_arm": {"N"}, "mean": {"mean"},
    "sd": {"sd"}, "median": {"median"}, "q1": {"p25"}, "q3": {"p75"}, "minimum": {"min"}, "maximum": {"max"},
    "n_treated": {"n"}, "n_administrations": {"sum"}, "administrations_mean": {"mean"},
    "administrations_min": {"min"}, "administrations_max": {"max"}, "duration_days_median": {"median"},
    "duration_days_min": {"min"}, "duration_days_max": {"max"}, "follow_up_years": {"tot_person_time"},
    "n_randomized": {"n", "N"}, "cumulative": {"n_cum"}, "target_cumulative": {"n_target_cum"},
    "n_screened": {"n"}, "estimate": {"estimate"}, "ci_low": {"conf.low"}, "ci_high": {"conf.high"},
    "n_control": {"N"}, "information_fraction": {"information"}, "boundary_z": {"boundary"},
    "nominal_p": {"p.boundary"}, "alpha_spent": {"alpha_spent"}, "futility_z": {"futility"},
    "observed_z": {"statistic"}, "alpha_level": {"alpha"},
    "std_error": {"std.error"}, "ci_level": {"conf.level"}, "n_censored": {"n_censored"},
    "conditional_power_trend": {"cp_trend"}, "conditional_power_design": {"cp_design"}, "rci_low": {"rci.low"},
    "rci_high": {"rci.high"}, "wald_z": {"wald_z"}, "adjusted_p": {"p_stagewise"},
    "median_unbiased": {"median_unbiased"}, "adjusted_ci_low": {"stagewise_low"},
    "adjusted_ci_high": {"stagewise_high"}, "survival": {"estimate"},
    "n_expected": {"N"}, "n_missing": {"n"}, "n_evaluable": {"N"}, "n_baseline": {"N"}, "statistic": {"statistic"},
    "df": {"df"}, "survival_low": {"conf.low"}, "survival_high": {"conf.high"},
}  # fmt: skip
COLUMN_STATS["n_at_risk"] = {"N", "n.risk"}  # a Kaplan–Meier step's number at risk (cardx's n.risk)
NOT_STATISTICS = {
    "visit_number",
    "look",
    "sides",
    "margin",
    "period",
    "time",  # a Kaplan–Meier step's day: the row's variable_level
    "multiple",  # a liver test's threshold (× ULN): its criterion, the variable_level
    "day",
}  # labels of a row or of its test, not numbers it reports
OTHER_LEVELS = {
    "Y",
    "",
    "Other (non-serious) terms listed",
    "DOSENUM",
    "TRTDURD",
    "FUPYRS",
    "DRUG WITHDRAWN",
    "worst low",
    "worst high",
    "not collected",  # missing laboratory data by visit: participants whose value was not collected
}


def _regsync(*args: str) -> int:
    from service.cli import main

    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ard")
    config = root / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{root}/r.db"\n\n[output]\ndir = "{root}/out"\n', encoding="utf-8")
    example = REPO / "examples" / "msc-t1d"
    assert _regsync("--config", str(config), "import", "msc-t1d", "--source", str(example)) == 0
    assert _regsync("--config", str(config), "tables", "msc-t1d", "--out", str(root / "tables")) == 0
    return root / "tables"


def _ard(folder: Path) -> list[dict[str, str]]:
    with (folder / "ard.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _printed(column: str, stat: str) -> str:
    """How the CSV tables print an ARD value: a percentage of p to one decimal (halves up), else six digits."""
    if column == "percent":
        return str((Decimal(stat) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    number = float(stat)
    return str(int(number)) if number.is_integer() and "." not in stat and "e" not in stat else f"{number:.6g}"


def test_ard_has_the_contract_columns(tables: Path) -> None:
    assert (tables / "ard.csv").read_text(encoding="utf-8").splitlines()[0] == ARD_HEADER
    document = json.loads((tables / "ard.json").read_text(encoding="utf-8"))
    assert document["columns"] == ARD_HEADER.split(",")
    assert len(document["rows"]) == len(_ard(tables))


def test_every_number_of_every_csv_table_is_an_ard_row(tables: Path) -> None:
    ard = _ard(tables)
    by_analysis: dict[str, list[dict[str, str]]] = {}
    for row in ard:
        by_analysis.setdefault(row["analysis"], []).append(row)
    manifest = json.loads((tables / "manifest.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in manifest["tables"]:
        if entry["name"].startswith("listing_"):
            continue  # listings are records, not statistics
        with (tables / entry["file"]).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        candidates = by_analysis.get(entry["name"], [])
        for row in rows:
            texts = set(row.values()) | OTHER_LEVELS
            for column, cell in row.items():
                if column in NOT_STATISTICS or not cell or not _is_number(cell) or column not in COLUMN_STATS:
                    if column not in NOT_STATISTICS and cell and _is_number(cell):
                        assert column in COLUMN_STATS, f"{entry['name']}.{column} has no known ARD statistic"
                    continue
                arm = row.get("control") if column == "n_control" else row.get("arm", "")
                found = [
                    a for a in candidates
                    if a["stat_name"] in COLUMN_STATS[column]
                    and (a["group1_level"] == arm or (column == "p_value" and a["group1_level"] == ""))
                    and {a["group2_level"], a["group3_level"], a["variable_level"]} <= texts
                    and a["stat"] and _printed(column, a["stat"]) == cell
                ]  # fmt: skip
                assert found, f"{entry['file']}: {column} = {cell} for {row} has no ard.csv row"
                checked += 1
    assert checked > 1000


def test_not_collected_is_an_empty_stat_never_zero(tables: Path) -> None:
    ard = _ard(tables)
    empty = [a for a in ard if a["stat"] == ""]
    assert all("not collected" in a["stat_label"] for a in empty)


def test_ars_json_validates_against_cdiscs_schema(tables: Path) -> None:
    schema = json.loads(ARS_SCHEMA.read_text(encoding="utf-8"))
    document = json.loads((tables / "ars.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(document)
    assert validate_tables_folder(tables) == []
    results = [r for a in document["analyses"] for r in a["results"]]
    assert len(results) == sum(1 for row in _ard(tables))  # every ARD statistic is an ARS result


def test_an_invalid_ars_document_is_reported_with_its_path(tmp_path: Path, tables: Path) -> None:
    document = json.loads((tables / "ars.json").read_text(encoding="utf-8"))
    document["analyses"][0]["reason"] = {"controlledTerm": "BECAUSE"}
    del document["mainListOfContents"]
    broken = tmp_path / "ars.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    problems = validate_ars(broken)
    assert any("mainListOfContents" in p.message for p in problems)
    assert any("analyses/0/reason" in p.where for p in problems)


def test_ars_formats_a_proportion_as_the_tables_print_its_percentage() -> None:
    from service.ard import ArdRow
    from service.ars import _formatted
    from service.stats import percent

    # 9/80 = 11.25%: the tables round the half up (11.3); binary rounding of 100 × p would give 11.2.
    row = ArdRow("t", "SAFFL", "ARM", "A", "", "", "", "", "TRTEMFL", "Y", "", "tabulate", "p", "%", 9 / 80)
    assert _formatted(row) == f"{percent(9, 80):.1f}" == "11.3"
