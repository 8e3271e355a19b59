"""`regsync registry drift`: the example trial against the registry records, ranked differences, another trial's
record, no differences, unreadable records, posted results, fetching from a local API stand-in, and the note a
scheduled run makes of new drift."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from registry.fetch import FetchPolicy, fetch_bytes
from service.errors import RegistryError
from tests.conftest import FIXTURES, REPO
from tests.registry_server import Script, registry_server

EXAMPLE = REPO / "examples" / "msc-t1d"
RECORD = json.loads((EXAMPLE / "registry" / "ctgov-record.json").read_text())


def matching_record() -> dict[str, Any]:
    """The example's record as it should read: every field agreeing with the trial's data and definition."""
    record = copy.deepcopy(RECORD)
    protocol = record["protocolSection"]
    protocol["identificationModule"]["officialTitle"] = (
        "Safety and Efficacy of Autologous Bone Marrow Mesenchymal Stem Cells in Newly Diagnosed Type 1 Diabetes: "
        "a Phase I/II Randomized Placebo-Controlled Trial (synthetic demonstration data)"
    )
    protocol["statusModule"].update(overallStatus="COMPLETED",
                                    primaryCompletionDateStruct={"date": "2019-02-05", "type": "ACTUAL"},
                                    completionDateStruct={"date": "2019-02-05", "type": "ACTUAL"})  # fmt: skip
    protocol["designModule"]["phases"] = ["PHASE1", "PHASE2"]
    protocol["designModule"]["enrollmentInfo"] = {"count": 21, "type": "ACTUAL"}
    protocol["armsInterventionsModule"]["armGroups"][0]["label"] = "Mesenchymal stem cells"
    protocol["eligibilityModule"]["maximumAge"] = "35 Years"
    return record


@pytest.fixture
def imported(run_cli) -> Any:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    return run_cli


def test_the_example_against_its_record_names_enrollment_first(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = imported("registry", "drift", "msc-t1d")
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("msc-t1d against NCT04078308 (ClinicalTrials.gov API v2 JSON")
    assert lines[1] == "enrollment: registry says 20 (Actual); the trial data say 21 randomized"
    assert lines[2] == "status: registry says Recruiting; the trial data say Completed"
    rest = "\n".join(lines[3:])
    for expected in (
        "phase: registry says Phase 2; the trial data say Phase 1/Phase 2",
        "arm title: registry says 'MSC group'; the trial data say no arm of that name",
        "primary completion date: registry says 2019-06 (Estimated); the trial data say 2019-02-05",
    ):
        assert expected in rest, expected
    written = json.loads((tmp_path / "out" / "msc-t1d" / "registry" / "drift.json").read_text())
    report, _ = written["reports"]
    assert report["drifted"] and report["differences"][0] == {
        "rank": 1,
        "field": "enrollment",
        "registry": "20 (Actual)",
        "trial": "21 randomized",
        "note": "",
    }
    assert (tmp_path / "out" / "msc-t1d" / "registry" / "drift.txt").read_text().splitlines()[1] == lines[1]
    # The shipped IRCT record too, whose free-text interventions are compared only by their number.
    irct = lines[lines.index(next(line for line in lines if "against IRCT2016070428786N1" in line)) :]
    assert irct[1:3] == [
        "enrollment: registry says 20 (Anticipated); the trial data say 21 randomized, recruitment over (an "
        "anticipated enrollment should become the actual one)",
        "status: registry says Recruiting; the trial data say Completed",
    ]
    assert "start date type: registry says Anticipated (2017-01-15); the trial data say actual: first " \
        "randomization 2017-01-24" in irct and not [line for line in irct if "arm" in line]  # fmt: skip


def test_a_record_that_agrees_exits_0(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record = tmp_path / "record.json"
    record.write_text(json.dumps(matching_record()))
    result = imported("registry", "drift", "msc-t1d", "--ctgov", str(record))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[1] == "no differences"


def test_a_record_of_another_trial_says_so_instead_of_a_list(imported) -> None:  # type: ignore[no-untyped-def]
    result = imported("registry", "drift", "msc-t1d", "--ctgov", str(FIXTURES / "registry" / "NCT00183339.xml"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "identity: the record is of NCT00183339, another trial; nothing else was compared"
    ]
    irct = imported("registry", "drift", "msc-t1d", "--irct",
                    str(FIXTURES / "ictrp" / "irct_IRCT138708271460N1_ictrp_2009.xml"))  # fmt: skip
    assert irct.exit_code == 1 and "the record is of IRCT138708271460N1, another trial" in irct.stdout


@pytest.mark.parametrize(("content", "message"), [
    (b"<clinical_study>", "not well-formed XML"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study>&a;</clinical_study>', "declares XML entities"),
])  # fmt: skip
def test_an_unreadable_record_exits_2_and_writes_nothing(imported, tmp_path: Path, content: bytes,  # type: ignore[no-untyped-def]
                                                         message: str) -> None:  # fmt: skip
    record = tmp_path / "bad.xml"
    record.write_bytes(content)
    result = imported("registry", "drift", "msc-t1d", "--ctgov", str(record))
    assert result.exit_code == 2 and message in result.stderr and "bad.xml" in result.stderr
    assert not (tmp_path / "out" / "msc-t1d" / "registry" / "drift.json").exists()


def test_posted_results_are_compared_with_the_current_analysis(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The analysis: STARTED 11 (stem cells) and 10 (placebo); serious TEAEs 0 of 11 and 3 of 10 (the example's
    # participant_flow and ae_registry_groups tables), baseline N 21. The record posts 11/10 started, a baseline
    # total of 20 and 2 of 10 serious.
    record = matching_record()
    record["hasResults"] = True
    record["resultsSection"] = {
        "participantFlowModule": {
            "groups": [{"id": "FG000", "title": "Mesenchymal stem cells"}, {"id": "FG001", "title": "Placebo"}],
            "periods": [{"title": "Overall Study", "milestones": [
                {"type": "STARTED", "achievements": [{"groupId": "FG000", "numSubjects": "11"},
                                                     {"groupId": "FG001", "numSubjects": "10"}]}]}]},
        "baselineCharacteristicsModule": {
            "groups": [{"id": "BG000", "title": "Mesenchymal stem cells"}, {"id": "BG001", "title": "Placebo"},
                       {"id": "BG002", "title": "Total"}],
            "denoms": [{"units": "Participants", "counts": [{"groupId": "BG000", "value": "11"},
                                                           {"groupId": "BG001", "value": "10"},
                                                           {"groupId": "BG002", "value": "20"}]}]},
        "adverseEventsModule": {"eventGroups": [
            {"id": "EG000", "title": "Mesenchymal stem cells", "seriousNumAffected": 0, "seriousNumAtRisk": 11,
             "deathsNumAffected": 0, "deathsNumAtRisk": 11},
            {"id": "EG001", "title": "Placebo", "seriousNumAffected": 2, "seriousNumAtRisk": 10,
             "deathsNumAffected": 0, "deathsNumAtRisk": 10}]},
    }  # fmt: skip
    path = tmp_path / "with-results.json"
    path.write_text(json.dumps(record))
    result = imported("registry", "drift", "msc-t1d", "--ctgov", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "results: baseline participants analysed (Total): registry says 20; the trial data say 21",
        "results: serious adverse events (Placebo): registry says 2 of 10; the trial data say 3 of 10",
    ]


def test_the_record_is_fetched_from_the_configured_api_with_retries(imported) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(RECORD).encode()
    script = Script([(503, b"busy", 0), (200, body, 0)])
    with registry_server(script) as base:
        extra = f'[registries]\nctgov_api = "{base}/api/v2"\nretries = 2\ntimeout_seconds = 5\n'
        result = imported("registry", "drift", "msc-t1d", "--ctgov", "NCT04078308", config_extra=extra)
    assert result.exit_code == 1, result.stderr
    assert script.requests == ["/api/v2/studies/NCT04078308"] * 2
    assert f"against NCT04078308 (ClinicalTrials.gov API v2 JSON, {base}/api/v2/studies/NCT04078308)" in result.stdout


def test_fetching_gives_up_on_404_at_once_and_on_silence_after_its_retries() -> None:
    script = Script([(404, b"{}", 0)])
    with registry_server(script) as base, pytest.raises(RegistryError, match="no such record") as missing:
        fetch_bytes(f"{base}/api/v2/studies/NCT00000000", FetchPolicy(timeout_seconds=5, retries=3),
                    sleep=lambda _: None)  # fmt: skip
    assert missing.value.permanent and len(script.requests) == 1
    slow = Script([(200, b"{}", 2.0)])
    with registry_server(slow) as base, pytest.raises(RegistryError, match="no answer after 2 attempts") as silent:
        fetch_bytes(f"{base}/x", FetchPolicy(timeout_seconds=0.3, retries=1), sleep=lambda _: None)
    assert not silent.value.permanent


def test_a_record_over_the_size_limit_is_refused() -> None:
    script = Script([(200, b"{" + b" " * 5000 + b"}", 0)])
    with registry_server(script) as base, pytest.raises(RegistryError, match="over the 1000-byte limit"):
        fetch_bytes(f"{base}/big", FetchPolicy(timeout_seconds=5, retries=0, max_bytes=1000))


def test_a_scheduled_run_notes_new_drift_once(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from service.config import Config
    from service.db import open_database
    from service.importing import load_source
    from service.outputs import OUTPUTS
    from service.outputs.base import Production
    from service.snapshots import store_snapshot

    engine = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    snapshot = store_snapshot(engine, load_source(EXAMPLE, "msc-t1d"), now=datetime.now(UTC)).snapshot
    config = Config(path=None, database_url="", output_dir=tmp_path / "out")
    drift = OUTPUTS["drift"]
    first = drift.produce_from(Production(engine, config, snapshot, tmp_path / "out" / "one"))
    written = json.loads((tmp_path / "out" / "one" / "registry" / "drift.json").read_text())
    count = sum(len(report["differences"]) for report in written["reports"])
    assert count >= 9 and first.note() == f"drift: {count} difference(s) with the registries, {count} new"
    again = drift.produce_from(Production(engine, config, snapshot, tmp_path / "out" / "two"))
    assert again.note() is None  # nothing new since the last report


def test_a_prs_download_without_an_nct_number_is_the_trial_by_its_protocol_id(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.registry.test_ctgov import PRS_RECORD

    record = tmp_path / "prs.xml"
    record.write_text(PRS_RECORD)
    result = imported("registry", "drift", "msc-t1d", "--ctgov", str(record))
    assert "another trial" not in result.stdout
    assert "official title: registry says 'Safety and Efficacy of Autologous Bone Marrow Mesenchymal Stem Cells'" \
        in result.stdout  # fmt: skip


def test_a_fetched_record_over_the_limit_and_a_malformed_irct_record_exit_2(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    script = Script([(200, json.dumps(RECORD).encode(), 0)])
    with registry_server(script) as base:
        extra = f'[registries]\nctgov_api = "{base}/api/v2"\nmax_bytes = 1000\nretries = 0\n'
        result = imported("registry", "drift", "msc-t1d", "--ctgov", "NCT04078308", config_extra=extra)
    assert result.exit_code == 2 and "over the 1000-byte limit" in result.stderr
    broken = tmp_path / "irct.xml"
    broken.write_text("<trials><trial><main><trial_id>IRCT2016070428786N1</trial_id></main>")
    result = imported("registry", "drift", "msc-t1d", "--irct", str(broken))
    assert result.exit_code == 2 and "irct.xml" in result.stderr and "not well-formed XML" in result.stderr
