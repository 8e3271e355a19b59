"""PRS's review, rule by rule: hand-made documents, each from the example's upload with one change, and the
verdict PRS would give — reject (refused on upload), comment (accepted, sent back at review) or accept."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from lxml import etree

from registry.ctgov.build import build_result
from registry.ctgov.validate import explain, validate_result
from service.analysis import build_analysis
from service.importing import load_source
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "msc-t1d"
Change = Callable[[etree._Element], None]


@pytest.fixture(scope="module")
def document() -> etree._Element:
    data = load_source(EXAMPLE, "msc-t1d")
    return build_result(data, build_analysis(data)).root


def _set(path: str, text: str, index: int = 0) -> Change:
    def change(root: etree._Element) -> None:
        root.findall(path)[index].text = text

    return change


def _remove(path: str, every: bool = False) -> Change:
    def change(root: etree._Element) -> None:
        for element in root.findall(path)[: None if every else 1]:
            element.getparent().remove(element)

    return change


def _both(*changes: Change) -> Change:
    def change(root: etree._Element) -> None:
        for each in changes:
            each(root)

    return change


def _add(path: str, tag: str, text: str, position: int | None = None) -> Change:
    def change(root: etree._Element) -> None:
        parent = root.find(path)
        element = etree.Element(tag)
        element.text = text
        if position is None:
            parent.append(element)
        else:
            parent.insert(position, element)

    return change


OM = "outcomeMeasures/outcomeMeasure"
ANALYSIS = f"{OM}/outcomeMeasureAnalyses/measureAnalysis"
PERIOD = "participantFlow/periods/period"
BASELINE = "baseline/baselineMeasures/baselineMeasure"
SERIOUS = "reportedEvents/seriousAdverseEvents/seriousEvent"
OTHER = "reportedEvents/frequentAdverseEvents/frequentEvent"
GROUP = "reportedEvents/interventionGroups/interventionGroup"


def _sex_with_unknown(root: etree._Element) -> None:
    sex = next(m for m in root.iterfind(BASELINE) if m.findtext("title") == "Sex: Female, Male")
    entries = sex.find("measureRows/measureRow/reportedValues/reportedValue/reportedEntries")
    female = entries[0]
    female.find("parameterValue").text = str(int(female.findtext("parameterValue")) - 1)
    unknown = etree.SubElement(entries, "reportedEntry")
    etree.SubElement(unknown, "catName").text = "Unknown"
    etree.SubElement(unknown, "parameterValue").text = "1"


def _sex_with_its_own_number_analysed(root: etree._Element) -> None:
    """One participant of the first arm whose sex was not recorded: left out of the measure, with its own N."""
    sex = next(m for m in root.iterfind(BASELINE) if m.findtext("title") == "Sex: Female, Male")
    values = sex.findall("measureRows/measureRow/reportedValues/reportedValue")
    for value in (values[0], values[-1]):  # the arm and the total
        entry = value.find("reportedEntries/reportedEntry")
        entry.find("parameterValue").text = str(int(entry.findtext("parameterValue")) - 1)
        analysed = sum(int(e.findtext("parameterValue")) for e in value.iterfind("reportedEntries/reportedEntry"))
        etree.SubElement(value, "subjectsAnalyzed").text = str(analysed)


def _drop_every_reason(root: etree._Element) -> None:
    reasons = root.find(f"{PERIOD}/dropWithdrawReasons")
    for child in list(reasons):
        reasons.remove(child)


def _started_one_more_with_a_reason(root: etree._Element) -> None:
    started = root.find(f"{PERIOD}/startedMilestone/milestoneAchievements/milestoneAchievement/subjectsAchieve")
    started.text = str(int(started.text) + 1)
    detail = root.find(f"{PERIOD}/dropWithdrawReasons/dropWithdrawReason/dropWithdrawReasonDetails/reasonDetail/"
                       "subjectsAffected")  # fmt: skip
    detail.text = str(int(detail.text) + 1)
    _remove("baseline/populationAnalysisDescription")(root)


def _term_with_fewer_at_risk(root: etree._Element) -> None:
    stat = root.find(f"{SERIOUS}/adverseEventStats/eventStats/numSubjects")
    stat.text = str(int(stat.text) - 1)


def _term_with_more_at_risk(root: etree._Element) -> None:
    stat = root.find(f"{SERIOUS}/adverseEventStats/eventStats/numSubjects")
    stat.text = str(int(stat.text) + 1)


def _responders_above_analysed(root: etree._Element) -> None:
    measure = next(m for m in root.iterfind(OM) if m.findtext("parameterType") == "Count of Participants")
    measure.find("measureRows/measureRow/reportedValues/reportedValue/reportedEntries/reportedEntry/"
                 "parameterValue").text = "99"  # fmt: skip


def _events_below_affected(root: etree._Element) -> None:
    stat = root.find(f"{SERIOUS}/adverseEventStats/eventStats")
    stat.find("numEvents").text = "0"
    stat.find("numSubjectsAffected").text = "1"


def _measure_n_above_group(root: etree._Element) -> None:
    value = root.find(f"{OM}/measureRows/measureRow/reportedValues/reportedValue")
    etree.SubElement(value, "subjectsAnalyzed").text = "50"


def _one_sided_interval(root: etree._Element) -> None:
    analysis = root.find(ANALYSIS)
    analysis.find("ciNumSides").text = "1-Sided"
    upper = analysis.find("ciUpperLimit")
    index = list(analysis).index(upper)
    analysis.remove(upper)
    comment = etree.Element("ciUpperLimitNaComment")
    comment.text = "One-sided interval: no upper limit"
    analysis.insert(index, comment)


def _third_group_in_a_t_test(root: etree._Element) -> None:
    measure = next(m for m in root.iterfind(OM) if m.findtext("parameterType") == "Mean")
    analysis = measure.find("outcomeMeasureAnalyses/measureAnalysis")
    groups = analysis.find("outcomeReportingGroups")
    etree.SubElement(groups, "outcomeReportingGroupId").text = groups[0].text


def _mean_measure(path_tail: str, text: str) -> Change:
    def change(root: etree._Element) -> None:
        measure = next(m for m in root.iterfind(OM) if m.findtext("parameterType") == "Mean")
        measure.find(path_tail).text = text

    return change


def _ancova_on_a_count(root: etree._Element) -> None:
    measure = next(m for m in root.iterfind(OM) if m.findtext("parameterType") == "Count of Participants")
    measure.find("outcomeMeasureAnalyses/measureAnalysis/statisticalMethod").text = "ANCOVA"


def _na_without_comment(root: etree._Element) -> None:
    root.find(f"{OM}/measureRows/measureRow/reportedValues/reportedValue/reportedEntries/reportedEntry/"
              "parameterValue").text = "NA"  # fmt: skip


def _entry_interval_reversed(root: etree._Element) -> None:
    survival = next(m for m in root.iterfind(OM) if m.findtext("title") == "Time to first severe hypoglycaemia")
    survival.find("dispersionType").text = "95% Confidence Interval"
    entry = etree.SubElement(survival.find("measureRows/measureRow/reportedValues/reportedValue/reportedEntries"),
                             "reportedEntry")  # fmt: skip
    survival.find("measureRows/measureRow/reportedValues/reportedValue/reportedEntries").remove(entry)
    first = survival.find("measureRows/measureRow/reportedValues/reportedValue/reportedEntries/reportedEntry")
    for child in list(first):
        first.remove(child)
    for tag, text in (("dispersionLowerLimit", "300"), ("dispersionUpperLimit", "200"), ("parameterValue", "250")):
        etree.SubElement(first, tag).text = text


CASES: dict[str, tuple[Change, str, str]] = {
    # Rejected on upload
    "no all-cause mortality": (_remove(f"{GROUP}/numDeaths"), "reject", "no all-cause mortality"),
    "no Age measure": (_both(_remove(f"{BASELINE}[title='Age, Continuous']"),
                             _remove(f"{BASELINE}[title='Age, Categorical']")), "reject", "no Age measure"),
    "no Sex measure": (_remove(f"{BASELINE}[title='Sex: Female, Male']"), "reject", "no Sex measure"),
    "an arm without STARTED": (_remove(f"{PERIOD}/startedMilestone/milestoneAchievements/milestoneAchievement"),
                               "reject", "no STARTED count"),
    "an arm without COMPLETED": (_remove(f"{PERIOD}/completedMilestone/milestoneAchievements/milestoneAchievement"),
                                 "reject", "no COMPLETED count"),
    "measure type Average": (_set(f"{OM}/parameterType", "Average"), "reject", "Measure Type 'Average'"),
    "dispersion Std Dev": (_set(f"{OM}/dispersionType", "Std Dev"), "reject", "'Std Dev' is not one of"),
    "outcome type Key Secondary": (_set(f"{OM}/measureType", "Key Secondary"), "reject", "'Key Secondary'"),
    "reason Got bored": (_set(f"{PERIOD}/dropWithdrawReasons/dropWithdrawReason/reasonType", "Got bored"),
                         "reject", "Reason Not Completed 'Got bored'"),
    "assessment Sometimes": (_set("reportedEvents/assessmentType", "Sometimes"), "reject", "'Sometimes'"),
    "a term's assessment Sometimes": (_add(SERIOUS, "assessmentType", "Sometimes", 1), "reject", "'Sometimes'"),
    "CI lower above upper": (_both(_set(f"{ANALYSIS}/ciLowerLimit", "0.9"), _set(f"{ANALYSIS}/ciUpperLimit", "0.1")),
                             "reject", "lower limit 0.9 is above"),
    "estimate outside its CI": (_set(f"{ANALYSIS}/parameterValue", "5"), "reject", "outside its CI"),
    "events fewer than affected": (_events_below_affected, "reject", "0 events but 1 participants affected"),
    "count above the number analysed": (_responders_above_analysed, "reject", "a count of 99 participants"),
    "eleven for a number": (_set(f"{OM}/outcomeReportingGroups/outcomeReportingGroup/subjectsAnalyzed", "eleven"),
                            "reject", "'eleven' is not a count"),
    "no outcome title": (_set(f"{OM}/title", ""), "reject", "title is empty"),
    "no outcome time frame": (_set(f"{OM}/timeFrame", ""), "reject", "timeFrame is empty"),
    "no unit of measure": (_set(f"{OM}/unitOfMeasure", ""), "reject", "unitOfMeasure is empty"),
    "Sex with Unknown": (_sex_with_unknown, "reject", "has the categories Female, Male only, not 'Unknown'"),
    "no group descriptions": (_remove(".//description", every=True), "reject", "the group has no description"),
    "a group title of 2 letters": (_set("participantFlow/participantFlowGroups/flowGroup/title", "MS"), "reject",
                                   "the title has 2 characters"),
    "SE in the baseline": (_set(f"{BASELINE}/dispersionType", "Standard Error"), "reject",
                           "Measure of Dispersion 'Standard Error'"),
    "method Student t": (_set(f"{ANALYSIS}/statisticalMethod", "Student t"), "reject", "Statistical Method"),
    "estimate Difference": (_set(f"{ANALYSIS}/parameterType", "Difference"), "reject", "Estimation Parameter"),
    "CI sides two": (_set(f"{ANALYSIS}/ciNumSides", "two"), "reject", "Number of Sides 'two'"),
    "test type Superior": (_set(f"{ANALYSIS}/statisticalTestType", "Superior"), "reject", "'Superior'"),
    "SOC Nervous system": (_set(f"{SERIOUS}/organSystemName", "Nervous system"), "reject", "Organ System"),
    "p-value with a star": (_set(f"{ANALYSIS}/pValue", "0.04*"), "reject", "not a p-value"),
    "p-value above 1": (_set(f"{ANALYSIS}/pValue", "1.5"), "reject", "outside 0 to 1"),
    "a value abc": (_set(f"{OM}/measureRows/measureRow/reportedValues/reportedValue/reportedEntries/reportedEntry/"
                         "parameterValue", "abc"), "reject", "'abc' is not a number"),
    "NA without its comment": (_na_without_comment, "reject", "NA needs its explanation"),
    "threshold 7%": (_set("reportedEvents/frequencyReportingThreshold", "7"), "reject", "outside 0 to 5"),
    "a term at risk above its group's": (_term_with_more_at_risk, "reject", "never larger"),
    "a measure's N above its group's": (_measure_n_above_group, "reject", "50 analysed for this measure"),
    "a CI dispersion reversed": (_entry_interval_reversed, "reject", "lower limit 300 is above"),
    # Accepted, with a reviewer's comment
    "an outcome without description": (_set(f"{OM}/measureDescription", ""), "comment", "no description"),
    "a count of participants in mg": (_set(f"{OM}[parameterType='Count of Participants']/unitOfMeasure", "mg"),
                                      "comment", "its unit is Participants"),
    "a mean without dispersion": (_mean_measure("dispersionType", "Not Applicable"), "comment",
                                  "without a measure of dispersion"),
    "an analysis of one group": (_remove(f"{ANALYSIS}/outcomeReportingGroups/outcomeReportingGroupId"), "comment",
                                 "fewer than two groups"),
    "a t-test of three groups": (_third_group_in_a_t_test, "comment", "compares two groups, not 3"),
    "ANCOVA on a count of participants": (_ancova_on_a_count, "comment", "does not fit a count of participants"),
    "STARTED unlike the baseline, unexplained": (_started_one_more_with_a_reason, "comment", "in the baseline but"),
    # Accepted (regsync refused these before)
    "the example as written": (lambda root: None, "accept", ""),
    "threshold 0": (_set("reportedEvents/frequencyReportingThreshold", "0"), "accept", ""),
    "a measure with its own number analysed": (_sex_with_its_own_number_analysed, "accept", ""),
    "NOT COMPLETED without reasons": (_drop_every_reason, "accept", ""),
    "no AE description": (_remove("reportedEvents/notes"), "accept", ""),
    "a term with its own number at risk": (_term_with_fewer_at_risk, "accept", ""),
    "a p-value below 0.001": (_set(f"{ANALYSIS}/pValue", "<0.001"), "accept", ""),
    "a one-sided interval": (_one_sided_interval, "accept", ""),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_prs_review(document: etree._Element, name: str) -> None:
    change, verdict, message = CASES[name]
    root = copy.deepcopy(document)
    change(root)
    problems = validate_result(root)
    rejects = [p for p in problems if p.rejects]
    comments = [p for p in problems if not p.rejects]
    if verdict == "reject":
        assert any(message in p.message for p in rejects), [str(p) for p in problems]
    elif verdict == "comment":
        assert not rejects, [str(p) for p in rejects]
        assert any(message in p.message for p in comments), [str(p) for p in comments]
    else:
        assert not problems, [str(p) for p in problems]


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert {verdict for _, verdict, _ in CASES.values()} == {"reject", "comment", "accept"}


def test_every_review_problem_explains_the_rule_it_rests_on(document: etree._Element) -> None:
    root = copy.deepcopy(document)
    for name in ("measure type Average", "no all-cause mortality", "a count of participants in mg", "threshold 7%"):
        CASES[name][0](root)
    problems = [p for p in validate_result(root) if not p.where.startswith("XSD")]
    assert problems and all(explain(p) for p in problems), [str(p) for p in problems if not explain(p)]
    assert any("Measure Type:" in explain(p) for p in problems)


def test_validate_ctgov_explain_prints_each_problems_rule(document: etree._Element, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from service.cli import main

    root = copy.deepcopy(document)
    CASES["measure type Average"][0](root)
    CASES["an outcome without description"][0](root)
    path = tmp_path / "upload.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    with pytest.raises(SystemExit) as raised:
        main(["validate", "ctgov", str(path), "--explain"])
    assert raised.value.code == 1
    out = capsys.readouterr().out
    assert "1 comment(s) a reviewer would send back" in out and "1 problem(s) to fix before upload" in out
    assert "rule: Measure Type: the type of data" in out and "rule: Outcome Measure Title *" in out
