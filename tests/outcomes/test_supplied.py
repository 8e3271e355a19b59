"""Results a statistician supplies (ard.csv or an ARS ReportingEvent) flow into every output as they are, with
their provenance, and a file that is incomplete or inconsistent is refused at its row and column."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from registry.ctgov.build import build_result
from service.analysis import build_analysis
from service.errors import DataError
from service.importing import load_source
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "msc-t1d"
COLUMNS = ["analysis", "population", "group1", "group1_level", "group2", "group2_level", "group3", "group3_level",
           "variable", "variable_level", "comparator", "context", "stat_name", "stat_label", "stat"]  # fmt: skip
MSC, PBO = "Mesenchymal stem cells", "Placebo"


def _row(arm: str, stat_name: str, stat: str, comparator: str = "", label: str = "") -> dict[str, str]:
    return {"analysis": "SAP table 14.2.1", "population": "ITTFL", "group1": "TRT01P", "group1_level": arm,
            "group2": "PARAMCD", "group2_level": "CPEPS", "group3": "AVISIT", "group3_level": "Month 12",
            "variable": "AVAL", "variable_level": "", "comparator": comparator, "context": "ancova",
            "stat_name": stat_name, "stat_label": label or stat_name, "stat": stat}  # fmt: skip


# As a SAS PROC MIXED LSMEANS / DIFFS output would give them, to the statistician's own precision.
SUPPLIED = [
    _row(MSC, "N", "10"), _row(MSC, "estimate", "0.81234", label="LS mean"), _row(MSC, "std.error", "0.03456"),
    _row(MSC, "conf.low", "0.7391"), _row(MSC, "conf.high", "0.88558"),
    _row(PBO, "N", "8"), _row(PBO, "estimate", "0.51107", label="LS mean"), _row(PBO, "std.error", "0.03981"),
    _row(PBO, "conf.low", "0.42667"), _row(PBO, "conf.high", "0.59547"),
    _row(MSC, "estimate", "0.30127", PBO, "Difference in LS means"), _row(MSC, "std.error", "0.05302", PBO),
    _row(MSC, "conf.low", "0.18891", PBO), _row(MSC, "conf.high", "0.41363", PBO),
    _row(MSC, "p.value", "0.000042", PBO),
]  # fmt: skip


def _folder(tmp_path: Path, rows: list[dict[str, str]], name: str = "ard.csv", **spec: Any) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "trial.toml").read_text(encoding="utf-8")
    primary = 'method = "ancova"\nadjust = ["baseline"]\ndispersion = "se"\n'
    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in spec.items())
    (folder / "trial.toml").write_text(text.replace(primary, primary + 'results = "supplied"\n' + extra, 1),
                                       encoding="utf-8")  # fmt: skip
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_supplied_results_reach_the_clinicaltrials_gov_xml_unchanged(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SUPPLIED)
    data = load_source(folder, "msc-t1d")
    results = build_analysis(data)
    root = etree.fromstring(build_result(data, results).to_bytes())
    measure = next(m for m in root.iterfind(".//outcomeMeasure") if m.findtext("title").startswith("Stimulated"))
    assert measure.findtext("parameterType") == "Least Squares Mean"
    assert measure.findtext("dispersionType") == "Standard Error"
    path = "measureRows/measureRow/reportedValues/reportedValue/reportedEntries/*"
    entries = [(e.findtext("parameterValue"), e.findtext("dispersionSpread")) for e in measure.iterfind(path)]
    assert entries == [("0.81234", "0.03456"), ("0.51107", "0.03981")]
    analyses = measure.findall("outcomeMeasureAnalyses/measureAnalysis")
    assert len(analyses) == 1
    (analysis,) = analyses
    assert [analysis.findtext(t) for t in ("parameterValue", "ciLowerLimit", "ciUpperLimit", "pValue",
                                           "dispersionValue")] == ["0.30127", "0.18891", "0.41363", "0.000042",
                                                                   "0.05302"]  # fmt: skip
    assert analysis.findtext("statisticalMethod") == "ANCOVA"
    assert [g.findtext("subjectsAnalyzed") for g in measure.iterfind("outcomeReportingGroups/*")] == ["10", "8"]
    # The provenance travels with the numbers: file and sha256 in the tables and their footnotes.
    import hashlib

    digest = hashlib.sha256((folder / "ard.csv").read_bytes()).hexdigest()
    (row,) = [r for r in results["outcome_comparison"].rows if r.parameter == "CPEPS"]
    assert row.source == f"supplied: ard.csv (sha256 {digest})"
    assert any(digest in note for note in results["outcome_comparison"].footnotes)


@pytest.mark.parametrize(
    ("change", "row", "message"),
    [
        (lambda rows: rows[14].update(stat="1.3"), 16, "p.value is 1.3, outside"),
        (lambda rows: rows[1].update(stat="0.95"), 3, "does not contain the estimate"),
        (lambda rows: rows[0].update(stat="10.5"), 2, "not a count"),
        (lambda rows: rows[0].update(stat="30"), 2, "the data have 11 participants"),
        (lambda rows: rows[3].update(stat="low"), 5, "not a number"),
    ],
)
def test_an_inconsistent_supplied_file_is_refused_at_its_row(tmp_path: Path, change: Any, row: int,
                                                             message: str) -> None:  # fmt: skip
    rows = [dict(r) for r in SUPPLIED]
    change(rows)
    with pytest.raises(DataError, match=message) as raised:
        load_source(_folder(tmp_path, rows), "msc-t1d")
    assert (raised.value.file, raised.value.row) == ("ard.csv", row)


def test_a_supplied_file_without_an_arms_n_is_refused(tmp_path: Path) -> None:
    rows = [r for r in SUPPLIED if not (r["group1_level"] == PBO and r["stat_name"] == "N")]
    with pytest.raises(DataError, match="no N for Placebo"):
        load_source(_folder(tmp_path, rows), "msc-t1d")


def test_regsyncs_own_ars_reporting_event_reads_back_as_supplied_results(tmp_path: Path) -> None:
    from service.ard import build_ard
    from service.ars import render_ars

    computed = build_analysis(load_source(EXAMPLE, "msc-t1d"))
    folder = _folder(tmp_path, SUPPLIED, results_file="reporting_event.json")
    (folder / "reporting_event.json").write_bytes(render_ars(build_ard(computed), computed))
    supplied = build_analysis(load_source(folder, "msc-t1d"))
    wanted = [r for r in computed["outcome_comparison"].rows if r.parameter == "CPEPS"]
    got = [r for r in supplied["outcome_comparison"].rows if r.parameter == "CPEPS"]
    assert [(r.visit, r.arm, r.control) for r in got] == [(r.visit, r.arm, r.control) for r in wanted]
    for a, b in zip(got, wanted, strict=True):
        assert (a.estimate, a.ci_low, a.ci_high, a.p_value, a.std_error) == (b.estimate, b.ci_low, b.ci_high,
                                                                             b.p_value, b.std_error)  # fmt: skip
        assert a.source.startswith("supplied: reporting_event.json (sha256 ")
    estimates = {(r.visit, r.arm): r for r in supplied["outcome_estimates"].rows if r.parameter == "CPEPS"}
    for r in computed["outcome_estimates"].rows:
        if r.parameter == "CPEPS":
            assert estimates[(r.visit, r.arm)].estimate == r.estimate and estimates[(r.visit, r.arm)].n == r.n


def test_a_document_that_is_not_a_reporting_event_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SUPPLIED, results_file="results.json")
    (folder / "results.json").write_text('{"id": "x"}', encoding="utf-8")
    with pytest.raises(DataError, match="is not an ARS ReportingEvent"):
        load_source(folder, "msc-t1d")


def test_the_import_command_refuses_bad_supplied_results_with_exit_2_and_stores_nothing(tmp_path: Path) -> None:
    from service.cli import main

    rows = [dict(r) for r in SUPPLIED]
    rows[14]["stat"] = "-0.2"
    folder = _folder(tmp_path, rows)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/r.db"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as raised:
        main(["--config", str(config), "import", "msc-t1d", "--source", str(folder)])
    assert raised.value.code == 2
    with pytest.raises(SystemExit):
        main(["--config", str(config), "snapshots", "msc-t1d"])
    assert tomllib.loads((folder / "trial.toml").read_text(encoding="utf-8"))["outcomes"][0]["results"] == "supplied"
