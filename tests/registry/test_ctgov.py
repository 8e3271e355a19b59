"""The PRS results XML: valid for the example trial, every number read back equal to the analysis tables, each
PRS rule caught on a document made to break it, hostile XML refused, partial uploads, and the merge."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from registry.ctgov.build import RRS, build_result, ctgov_soc
from registry.ctgov.merge import PRS, merge_into_record
from registry.ctgov.validate import check_schema, validate_result
from service.analysis import build_analysis
from service.importing import load_source
from service.results import TOTAL
from tests.conftest import REPO
from tests.importing.test_sdtm import write_sdtm

EXAMPLE = REPO / "examples" / "msc-t1d"


@pytest.fixture(scope="module")
def example() -> tuple[etree._Element, object, list[str]]:
    data = load_source(EXAMPLE, "msc-t1d")
    results = build_analysis(data)
    built = build_result(data, results)
    return built.root, results, built.warnings


def fresh(example) -> etree._Element:  # type: ignore[no-untyped-def]
    return copy.deepcopy(example[0])


def test_the_example_validates_against_the_xsd_and_every_rule(example) -> None:  # type: ignore[no-untyped-def]
    root, _, warnings = example
    assert check_schema(root) == []
    assert validate_result(root) == []
    assert warnings == []  # the example's trial.toml states every field


def test_the_same_snapshot_gives_the_same_bytes() -> None:
    data = load_source(EXAMPLE, "msc-t1d")
    one = build_result(data, build_analysis(data)).to_bytes()
    two = build_result(load_source(EXAMPLE, "msc-t1d"), build_analysis(load_source(EXAMPLE, "msc-t1d"))).to_bytes()
    assert one == two


def test_every_number_reads_back_as_the_analysis_tables(example) -> None:  # type: ignore[no-untyped-def]
    root, results, _ = example
    arms = list(results.arms)
    # Participant flow
    flow = {(r.category.casefold(), r.arm): r.n for r in results["disposition"].rows}  # PRS capitalizes reasons
    groups = {
        g.get("id"): g.findtext("title") for g in root.iterfind("participantFlow/participantFlowGroups/flowGroup")
    }
    assert list(groups.values()) == arms
    period = root.find("participantFlow/periods/period")
    for tag, category in (("startedMilestone", "randomized"), ("completedMilestone", "completed")):
        for a in period.iterfind(f"{tag}/milestoneAchievements/milestoneAchievement"):
            assert int(a.findtext("subjectsAchieve")) == flow[(category, groups[a.findtext("reportingGroupId")])]
    reasons = {
        (r.findtext("otherReasonName") or r.findtext("reasonType"), groups[d.findtext("reportingGroupId")]): int(
            d.findtext("subjectsAffected")
        )
        for r in period.iterfind("dropWithdrawReasons/dropWithdrawReason")
        for d in r.iterfind("dropWithdrawReasonDetails/reasonDetail")
    }
    for (reason, arm), n in reasons.items():
        expected = flow[("ongoing", arm)] if reason == "Ongoing at the data cut-off" else flow[(reason.casefold(), arm)]
        assert n == expected, (reason, arm)
    # Baseline: analysed N, age mean and SD, and every category count
    base = {(r.characteristic, r.category, r.arm): r for r in results["baseline"].rows}
    bgroups = {g.get("id"): g.findtext("title") for g in root.iterfind("baseline/baselineReportingGroups/*")}
    bgroups[root.find("baseline/totalBaselineReportingGroup").get("id")] = TOTAL
    for measure in root.iterfind("baseline/baselineMeasures/baselineMeasure"):
        title = measure.findtext("title")
        characteristic = {"Age, Continuous": "Age", "Age, Categorical": "Age, categorical",
                          "Sex: Female, Male": "Sex", "Region of Enrollment": "Country", "Race (NIH/OMB)": "Race",
                          "Ethnicity (NIH/OMB)": "Ethnicity"}.get(title, measure.findtext("otherTitle"))  # fmt: skip
        for row in measure.iterfind("measureRows/measureRow"):
            for value in row.iterfind("reportedValues/reportedValue"):
                arm = bgroups[value.findtext("reportingGroupId")]
                for entry in value.iterfind("reportedEntries/reportedEntry"):
                    category = entry.findtext("catName") or row.findtext("title") or ""
                    if title.endswith("(NIH/OMB)"):  # every NIH category is listed; the data's are White, Not Hispanic
                        found = base.get((characteristic, category, arm))
                        assert int(entry.findtext("parameterValue")) == (found.n if found else 0), (category, arm)
                        continue
                    expected = base[(characteristic, category, arm)]
                    if measure.findtext("parameterType") == "Mean":
                        assert float(entry.findtext("parameterValue")) == pytest.approx(expected.mean, abs=1e-4)
                        assert float(entry.findtext("dispersionSpread")) == pytest.approx(expected.sd, abs=1e-4)
                    else:
                        assert int(entry.findtext("parameterValue")) == expected.n, (characteristic, category, arm)
    # Outcomes: per-arm value, analysed N, and the analysis
    estimates = results["outcome_estimates"].rows
    comparisons = results["outcome_comparison"].rows
    measures = root.findall("outcomeMeasures/outcomeMeasure")
    titles = list(dict.fromkeys(r.title for r in estimates))
    assert [m.findtext("title") for m in measures] == titles
    assert "Time to first severe hypoglycaemia" in titles and "HbA1c below 7% at 12 months" in titles
    spreads = {"Standard Deviation": "sd", "Standard Error": "std_error"}
    limits = {"Inter-Quartile Range": ("q1", "q3"), "Full Range": ("minimum", "maximum"),
              "95% Confidence Interval": ("ci_low", "ci_high")}  # fmt: skip
    for measure in measures:
        title = measure.findtext("title")
        own = [r for r in estimates if r.title == title]
        visits = list(dict.fromkeys(r.visit for r in own))
        ogroups = {g.get("id"): g for g in measure.iterfind("outcomeReportingGroups/outcomeReportingGroup")}
        kind = measure.findtext("dispersionType")
        for value in measure.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
            arm = ogroups[value.findtext("reportingGroupId")].findtext("title")
            assert int(ogroups[value.findtext("reportingGroupId")].findtext("subjectsAnalyzed")) == max(
                r.n for r in own if r.arm == arm
            )
            entries = value.findall("reportedEntries/reportedEntry")
            assert [e.findtext("catName") or visits[0] for e in entries] == visits
            for entry in entries:
                row = next(r for r in own if r.arm == arm and r.visit == (entry.findtext("catName") or visits[0]))
                if measure.findtext("parameterType") == "Count of Participants":
                    assert int(entry.findtext("parameterValue")) == row.n_events
                    continue
                if row.estimate is None:
                    assert entry.findtext("naComment")
                    continue
                assert float(entry.findtext("parameterValue")) == pytest.approx(row.estimate, abs=1e-4)
                if kind in spreads:
                    assert float(entry.findtext("dispersionSpread")) == pytest.approx(getattr(row, spreads[kind]),
                                                                                      abs=1e-4)  # fmt: skip
                elif kind in limits:
                    for tag, name in zip(("dispersionLowerLimit", "dispersionUpperLimit"), limits[kind], strict=True):
                        expected = getattr(row, name)
                        text = entry.findtext(tag)
                        assert text == "NA" if expected is None else float(text) == pytest.approx(expected, abs=1e-4)
        analyses = measure.findall("outcomeMeasureAnalyses/measureAnalysis")
        own_comparisons = [c for c in comparisons if c.title == title]
        assert len(analyses) == len(own_comparisons) > 0
        for analysis, comparison in zip(analyses, own_comparisons, strict=True):
            assert float(analysis.findtext("parameterValue")) == pytest.approx(comparison.estimate, abs=1e-4)
            assert float(analysis.findtext("ciLowerLimit")) == pytest.approx(comparison.ci_low, abs=1e-4)
            assert float(analysis.findtext("ciUpperLimit")) == pytest.approx(comparison.ci_high, abs=1e-4)
            assert analysis.findtext("ciPctValue") == "95" and analysis.findtext("ciNumSides") == "2-Sided"
            p = analysis.findtext("pValue")
            assert p == "<0.001" if comparison.p_value < 0.001 else float(p) == pytest.approx(comparison.p_value,
                                                                                              abs=5e-4)  # fmt: skip
            compared = [ogroups[i.text].findtext("title") for i in analysis.iterfind("outcomeReportingGroups/*")]
            assert compared == [comparison.arm, comparison.control]
    primary = measures[0]
    assert primary.findtext("parameterType") == "Least Squares Mean"
    assert primary.findtext("dispersionType") == "Standard Error"
    assert [a.findtext("statisticalMethod") for a in primary.iterfind("outcomeMeasureAnalyses/measureAnalysis")] == [
        "ANCOVA"
    ] * 4
    survival = next(m for m in measures if m.findtext("title") == "Time to first severe hypoglycaemia")
    assert survival.findtext("parameterType") == "Median"
    assert survival.findtext("outcomeMeasureAnalyses/measureAnalysis/parameterType") == "Hazard Ratio (HR)"
    assert survival.findtext("outcomeMeasureAnalyses/measureAnalysis/statisticalMethod") == "Log Rank"
    # Reported events: every term's stats, the group totals and mortality
    egroups = {g.get("id"): g for g in root.iterfind("reportedEvents/interventionGroups/interventionGroup")}
    titles = {i: g.findtext("title") for i, g in egroups.items()}
    for table, tag in (("ae_registry_serious", "seriousAdverseEvents/seriousEvent"),
                       ("ae_registry_other", "frequentAdverseEvents/frequentEvent")):  # fmt: skip
        expected = {(ctgov_soc(r.soc), r.pt, r.arm): r for r in results[table].rows}
        got = {
            (event.findtext("organSystemName"), event.findtext("term"), titles[s.findtext("reportingGroupId")]): s
            for event in root.iterfind(f"reportedEvents/{tag}")
            for s in event.iterfind("adverseEventStats/eventStats")
        }
        assert set(got) == set(expected) and got, table
        for key, stat in got.items():
            assert (int(stat.findtext("numSubjectsAffected")), int(stat.findtext("numSubjects")),
                    int(stat.findtext("numEvents"))) == (expected[key].n_affected, expected[key].n_at_risk,
                                                         expected[key].n_events)  # fmt: skip
    totals = {r.arm: r for r in results["ae_registry_groups"].rows}
    deaths = {r.arm: r for r in results["ae_registry_mortality"].rows}
    for group in egroups.values():
        arm = group.findtext("title")
        assert int(group.findtext("numSubjectsSeriousEvents")) == totals[arm].n_serious_affected
        assert int(group.findtext("numSubjectsFrequentEvents")) == totals[arm].n_other_affected
        assert int(group.findtext("partAtRiskSeriousEvents")) == totals[arm].n_at_risk
        assert int(group.findtext("numDeaths")) == deaths[arm].n_deaths
        assert int(group.findtext("partAtRiskAllCauseMort")) == deaths[arm].n_at_risk
    assert root.findtext("reportedEvents/sourceVocabulary") == "MedDRA 26.0"
    assert root.findtext("reportedEvents/frequencyReportingThreshold") == "5"


def _set(root: etree._Element, path: str, text: str) -> None:
    element = root.find(path)
    assert element is not None, path
    element.text = text


BREAKS: dict[str, tuple[Callable[[etree._Element], None], str]] = {
    "affected above at risk": (
        lambda r: _set(r, "reportedEvents/seriousAdverseEvents/seriousEvent/adverseEventStats/eventStats/"
                          "numSubjectsAffected", "99"),
        "99 affected but 11 at risk; affected cannot exceed at risk",
    ),
    "at risk differs from the group's": (
        lambda r: _set(r, "reportedEvents/frequentAdverseEvents/frequentEvent/adverseEventStats/eventStats/"
                          "numSubjects", "12"),
        "12 at risk here but the group's partAtRiskFrequentEvents is 11",
    ),
    "group total below a term": (
        lambda r: _set(r, "reportedEvents/interventionGroups/interventionGroup[2]/numSubjectsSeriousEvents", "0"),
        "numSubjectsSeriousEvents is 0 but one term alone affects 1",
    ),
    "other term below the threshold": (
        lambda r: [_set(s, "numSubjectsAffected", "0") for s in
                   r.find("reportedEvents/frequentAdverseEvents/frequentEvent").iterfind("adverseEventStats/eventStats")],
        "no group reaches the 5% threshold; leave the term out or lower the threshold",
    ),
    "threshold above 5%": (
        lambda r: _set(r, "reportedEvents/frequencyReportingThreshold", "7"),
        "7% is outside 0 to 5",
    ),
    "completed above started": (
        lambda r: _set(r, "participantFlow/periods/period/completedMilestone/milestoneAchievements/"
                          "milestoneAchievement/subjectsAchieve", "30"),
        "30 completed but 11 started; COMPLETED cannot exceed STARTED",
    ),
    "a milestone above started": (
        lambda r: _set(r, "participantFlow/periods/period/milestones/milestone/milestoneAchievements/"
                          "milestoneAchievement/subjectsAchieve", "12"),
        "milestone 'Received treatment', group FG000 (Mesenchymal stem cells): 12 exceeds the 11 who STARTED",
    ),
    "reasons do not sum": (
        lambda r: _set(r, "participantFlow/periods/period/dropWithdrawReasons/dropWithdrawReason/"
                          "dropWithdrawReasonDetails/reasonDetail[2]/subjectsAffected", "5"),
        "group FG001 (Placebo): the reasons sum to 6 but STARTED − COMPLETED is 2",
    ),
    "categories do not sum to N": (
        lambda r: _set(r, "baseline/baselineMeasures/baselineMeasure[3]/measureRows/measureRow/reportedValues/"
                          "reportedValue/reportedEntries/reportedEntry/parameterValue", "9"),
        "measure 3 (Sex: Female, Male), group BG000 (Mesenchymal stem cells): the categories sum to 14 but the "
        "group's analysed N is 11",
    ),
    "total not the sum of the arms": (
        lambda r: _set(r, "baseline/totalBaselineReportingGroup/subjectsAnalyzed", "22"),
        "analysed N is 22 but the arms' analysed N sum to 21",
    ),
    "dispersion missing for its type": (
        lambda r: r.find("outcomeMeasures/outcomeMeasure/measureRows/measureRow/reportedValues/reportedValue/"
                         "reportedEntries/reportedEntry").remove(
            r.find("outcomeMeasures/outcomeMeasure/measureRows/measureRow/reportedValues/reportedValue/"
                   "reportedEntries/reportedEntry/dispersionSpread")),
        "dispersion type is Standard Error: give dispersionSpread",
    ),
    "an undefined group": (
        lambda r: _set(r, "reportedEvents/seriousAdverseEvents/seriousEvent/adverseEventStats/eventStats/"
                          "reportingGroupId", "FG000"),
        "reportingGroupId 'FG000' is not a group defined in this section",
    ),
    "a required field empty": (
        lambda r: _set(r, "reportedEvents/timeFrame", ""),
        "reportedEvents: timeFrame is empty; PRS requires it",
    ),
    "an outcome without a time frame": (
        lambda r: _set(r, "outcomeMeasures/outcomeMeasure/timeFrame", " "),
        "timeFrame is empty; PRS requires it",
    ),
}  # fmt: skip


@pytest.mark.parametrize("rule", list(BREAKS))
def test_a_document_breaking_a_rule_gets_that_rules_message(example, rule: str) -> None:  # type: ignore[no-untyped-def]
    root = fresh(example)
    breaker, message = BREAKS[rule]
    breaker(root)
    messages = [str(p) for p in validate_result(root)]
    assert any(message in m for m in messages), messages


def test_the_xsd_layer_names_the_line(example, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = fresh(example)
    etree.SubElement(root.find("reportedEvents"), "surprise")
    path = tmp_path / "bad.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    result = run_cli("validate", "ctgov", str(path))
    assert result.exit_code == 1
    assert "XSD RRSUploadSchema.xsd, line" in result.stdout and "surprise" in result.stdout


def test_an_external_entity_is_refused_and_nothing_is_read_or_fetched(
    tmp_path: Path, run_cli, listening_server
) -> None:  # type: ignore[no-untyped-def]
    port, requests = listening_server
    for name, doctype in (
        ("file", '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
        ("net", f'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/x.dtd"> %p;]>'),
    ):
        path = tmp_path / f"{name}.xml"
        path.write_text(f'<?xml version="1.0"?>{doctype}<rrs:result xmlns:rrs="{RRS}"><x>&x;</x></rrs:result>')
        result = run_cli("validate", "ctgov", str(path))
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "declares XML entities" in result.stderr or "not well-formed" in result.stderr
        assert str(path) in result.stderr
        assert "root:" not in result.stdout + result.stderr
    assert requests == []


def test_an_entity_bomb_is_refused_without_expanding(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    path = tmp_path / "bomb.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rrs:result xmlns:rrs="{RRS}">&a9;</rrs:result>')
    result = run_cli("validate", "ctgov", str(path))
    assert result.exit_code == 2
    assert "declares XML entities" in result.stderr or "not well-formed" in result.stderr
    assert "lollol" not in result.stdout + result.stderr


def test_registry_ctgov_writes_validates_and_records(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    out = tmp_path / "r.xml"
    result = run_cli("registry", "ctgov", "msc-t1d", "--out", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "valid (schema and PRS rules)" in result.stdout
    assert etree.parse(str(out)).getroot().get("partialUpload") is None
    partial = tmp_path / "p.xml"
    result = run_cli("registry", "ctgov", "msc-t1d", "--out", str(partial), "--partial", "adverse-events,contact")
    assert result.exit_code == 0, result.stdout + result.stderr
    root = etree.parse(str(partial)).getroot()
    assert root.get("partialUpload") == "true"
    assert [child.tag for child in root] == ["outcomeMeasures", "pointOfContact", "reportedEvents"]
    assert len(root.find("outcomeMeasures")) == 0  # required by the schema; empty, so PRS keeps the outcomes
    assert run_cli("registry", "ctgov", "msc-t1d", "--partial", "everything").exit_code == 2


def test_without_a_definition_the_adverse_events_upload_states_its_defaults(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = write_sdtm(tmp_path / "sdtm", "csv")
    assert run_cli("import", "s", "--source", str(folder), "--control", "PBO").exit_code == 0
    out = tmp_path / "ae.xml"
    result = run_cli("registry", "ctgov", "s", "--out", str(out), "--partial", "adverse-events")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (
        "warning: reportedEvents: no [ctgov] ae_time_frame in trial.toml; stated: From the first dose" in result.stderr
    )
    assert "warning: reportedEvents: no [safety] meddra_version" in result.stderr
    root = etree.parse(str(out)).getroot()
    assert root.findtext("reportedEvents/timeFrame").startswith("From the first dose")
    assert validate_result(root) == []


PRS_RECORD = f"""<?xml version="1.0" encoding="UTF-8"?>
<prs:study_collection xmlns:prs="{PRS}" xmlns:rrs="{RRS}">
  <clinical_study>
    <id_info>
      <org_name>Royan</org_name>
      <org_study_id>MSC-T1D-DEMO</org_study_id>
      <secondary_id><id_type>Other</id_type><id>IRCT2016070428786N1</id><id_domain>IRCT</id_domain></secondary_id>
    </id_info>
    <brief_title>Mesenchymal stem cells in newly diagnosed type 1 diabetes</brief_title>
    <acronym>MSC-T1D</acronym>
    <official_title>Safety and Efficacy of Autologous Bone Marrow Mesenchymal Stem Cells</official_title>
    <sponsors><lead_sponsor><agency>Royan Institute</agency></lead_sponsor></sponsors>
    <brief_summary><textblock>A phase I/II randomized placebo-controlled trial.</textblock></brief_summary>
    <overall_status>Completed</overall_status>
  </clinical_study>
</prs:study_collection>
"""


def test_merge_into_a_prs_record_validates_and_keeps_the_protocol(example, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record = tmp_path / "record.xml"
    record.write_text(PRS_RECORD)
    before = etree.fromstring(PRS_RECORD.encode())
    assert check_schema(before, "ProtocolRecordSchema.xsd") == []  # the hand-made download is itself valid
    merged = merge_into_record(record, example[0], "MSC-T1D-DEMO")
    assert check_schema(merged, "ProtocolRecordSchema.xsd") == []
    study = merged.find("clinical_study")
    protocol = [etree.tostring(child) for child in study if child.tag != f"{{{RRS}}}result"]
    assert protocol == [etree.tostring(child) for child in before.find("clinical_study")]
    assert study[-1].tag == f"{{{RRS}}}result"
    # Merging again replaces the result rather than adding a second one.
    record.write_bytes(etree.tostring(merged))
    again = merge_into_record(record, example[0])
    assert len(again.find("clinical_study").findall(f"{{{RRS}}}result")) == 1


def test_merge_through_the_command(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record = tmp_path / "record.xml"
    record.write_text(PRS_RECORD)
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    out = tmp_path / "merged.xml"
    result = run_cli("registry", "ctgov", "msc-t1d", "--out", str(out), "--merge", str(record))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert run_cli("validate", "ctgov", str(out)).exit_code == 0
    wrong = tmp_path / "wrong.xml"
    wrong.write_text(f'<rrs:result xmlns:rrs="{RRS}"><outcomeMeasures/></rrs:result>')
    result = run_cli("registry", "ctgov", "msc-t1d", "--out", str(out), "--merge", str(wrong))
    assert result.exit_code == 2 and "not prs:study_collection" in result.stderr
