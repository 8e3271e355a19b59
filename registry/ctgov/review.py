"""The PRS review rules a program can check, beyond the schema: pick-lists, numbers, required elements, internal
consistency (each a rejection), and the review's "major comments" (each a comment: accepted, but sent back)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from registry.ctgov.picklists import AGE_TITLES, CONTINUOUS_TYPES, FIXED_CATEGORIES, PICKLISTS, SEX_TITLES
from service.problems import COMMENT, REJECT, Problem

NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
P_VALUE = re.compile(r"^(<|<=|>|>=)?\s*(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
COUNT_TAGS = ("subjectsAnalyzed", "subjectsAchieve", "subjectsAffected", "numSubjectsAffected", "numSubjects",
              "numEvents", "numDeaths", "partAtRiskAllCauseMort", "partAtRiskFrequentEvents",
              "partAtRiskSeriousEvents", "numSubjectsFrequentEvents", "numSubjectsSeriousEvents")  # fmt: skip
VALUE_TAGS = ("parameterValue", "dispersionSpread", "dispersionLowerLimit", "dispersionUpperLimit",
              "ciLowerLimit", "ciUpperLimit", "dispersionValue", "ciPctValue")  # fmt: skip
GROUP_SECTIONS = (("participantFlow/participantFlowGroups/flowGroup", "participantFlow"),
                  ("baseline/baselineReportingGroups/baselineReportingGroup", "baseline"),
                  ("reportedEvents/interventionGroups/interventionGroup", "reportedEvents"),
                  ("outcomeMeasures/outcomeMeasure/outcomeReportingGroups/outcomeReportingGroup",
                   "outcomeMeasures"))  # fmt: skip
TWO_GROUP_METHODS = ("t-Test, 2 Sided", "t-Test, 1 Sided", "t-Test, 2-Sided", "t-Test, 1-Sided",
                     "Wilcoxon (Mann-Whitney)", "Fisher Exact", "McNemar")  # fmt: skip


def review(root: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_picklists, _numbers, _descriptions, _age_and_sex, _categories, _mortality, _outcome_fields,
                  _started, _analysed, _events, _intervals, _comments):  # fmt: skip
        problems += check(root)
    return problems


def _problem(where: str, message: str, rule: str, severity: str = REJECT) -> Problem:
    return Problem(where, message, severity, rule)


def _picklists(root: etree._Element) -> Iterator[Problem]:
    checks = (
        ("outcomeMeasures/outcomeMeasure/parameterType", "outcome parameterType"),
        ("baseline/baselineMeasures/baselineMeasure/parameterType", "baseline parameterType"),
        ("outcomeMeasures/outcomeMeasure/dispersionType", "outcome dispersionType"),
        ("baseline/baselineMeasures/baselineMeasure/dispersionType", "baseline dispersionType"),
        ("outcomeMeasures/outcomeMeasure/measureType", "measureType"),
        (".//dropWithdrawReason/reasonType", "reasonType"),
        (".//measureAnalysis/statisticalTestType", "statisticalTestType"),
        (".//measureAnalysis/statisticalMethod", "statisticalMethod"),
        (".//measureAnalysis/parameterType", "analysis parameterType"),
        (".//measureAnalysis/dispersionType", "analysis dispersionType"),
        (".//measureAnalysis/ciNumSides", "ciNumSides"),
        ("reportedEvents/assessmentType", "assessmentType"),
        (".//seriousEvent/assessmentType", "assessmentType"),
        (".//frequentEvent/assessmentType", "assessmentType"),
        (".//organSystemName", "organSystemName"),
        ("baseline/baselineMeasures/baselineMeasure/title", "baseline title"),
    )
    for path, key in checks:
        picklist = PICKLISTS[key]
        for element in root.iterfind(path):
            value = (element.text or "").strip()
            if value and value not in picklist.values:
                yield _problem(_where(element), f"{picklist.element} '{value}' is not one of PRS's values: "
                               f"{', '.join(picklist.values)}", key)  # fmt: skip


def _where(element: etree._Element) -> str:
    """A section and row for a person: the path of titled ancestors."""
    parts = []
    node: etree._Element | None = element
    while node is not None and node.getparent() is not None:
        title = node.findtext("title") or node.findtext("term")
        tag = etree.QName(node).localname
        if tag in ("outcomeMeasure", "baselineMeasure", "period", "seriousEvent", "frequentEvent",
                   "measureAnalysis", "dropWithdrawReason"):  # fmt: skip
            index = [c for c in node.getparent() if c.tag == node.tag].index(node) + 1
            parts.append(f"{tag} {index}" + (f" ({title})" if title else ""))
        elif tag in ("participantFlow", "baseline", "outcomeMeasures", "reportedEvents"):
            parts.append(tag)
        node = node.getparent()
    leaf = etree.QName(element).localname
    return ", ".join([*reversed(parts), leaf])


def _numbers(root: etree._Element) -> Iterator[Problem]:
    for tag in COUNT_TAGS:
        for element in root.iter(tag):
            text = (element.text or "").strip()
            if text and not text.isdigit():
                yield _problem(_where(element), f"'{text}' is not a count (a whole number, 0 or more)", "number")
    for tag in VALUE_TAGS:
        for element in root.iter(tag):
            text = (element.text or "").strip()
            if text and text != "NA" and not NUMBER.match(text):
                yield _problem(_where(element), f"'{text}' is not a number", "number")
            if text == "NA" and tag == "parameterValue" and element.getparent().find("naComment") is None:
                yield _problem(_where(element), "NA needs its explanation (naComment)", "number")
    for element in root.iter("pValue"):
        text = (element.text or "").strip()
        if text and not P_VALUE.match(text):
            yield _problem(_where(element), f"'{text}' is not a p-value (a number, or < / <= / > with one)", "number")
        elif text:
            value = float(re.sub(r"^[<>=\s]+", "", text))
            if not 0 <= value <= 1:
                yield _problem(_where(element), f"p-value {value:g} is outside 0 to 1", "number")


def _descriptions(root: etree._Element) -> Iterator[Problem]:
    for path, section in GROUP_SECTIONS:
        for group in root.iterfind(path):
            where = f"{section}, group {group.get('id')} ({group.findtext('title') or 'untitled'})"
            title = (group.findtext("title") or "").strip()
            if title and not 4 <= len(title) <= 62:
                yield _problem(where, f"the title has {len(title)} characters; PRS takes 4 to 62", "group title")
            if not (group.findtext("description") or "").strip():
                yield _problem(where, "the group has no description; give each arm/group a description "
                               "([[arms]] description in trial.toml)", "group description")  # fmt: skip


def _age_and_sex(root: etree._Element) -> Iterator[Problem]:
    baseline = root.find("baseline")
    if baseline is None:
        return
    titles = {m.findtext("title") for m in baseline.iterfind("baselineMeasures/baselineMeasure")}
    if not titles & set(AGE_TITLES):
        yield _problem("baseline", "no Age measure (Age, Continuous / Categorical / Customized); PRS requires one",
                       "age sex")  # fmt: skip
    if not titles & set(SEX_TITLES):
        yield _problem("baseline", "no Sex measure (Sex: Female, Male or Sex/Gender, Customized); PRS requires one",
                       "age sex")  # fmt: skip


def _categories(root: etree._Element) -> Iterator[Problem]:
    for measure in root.iterfind("baseline/baselineMeasures/baselineMeasure"):
        title = measure.findtext("title") or ""
        allowed = FIXED_CATEGORIES.get(title)
        if allowed is None:
            continue
        for entry in measure.iterfind(".//reportedEntry"):
            name = entry.findtext("catName")
            if name is not None and name not in allowed:
                yield _problem(_where(entry), f"'{title}' has the categories {', '.join(allowed)} only, not '{name}';"
                               " report the others with a measure-level number analysed, or use the Customized "
                               "measure", "baseline title")  # fmt: skip


def _mortality(root: etree._Element) -> Iterator[Problem]:
    for group in root.iterfind("reportedEvents/interventionGroups/interventionGroup"):
        if group.find("numDeaths") is None or group.find("partAtRiskAllCauseMort") is None:
            yield _problem(f"reportedEvents, group {group.get('id')} ({group.findtext('title') or 'untitled'})",
                           "no all-cause mortality (numDeaths and partAtRiskAllCauseMort); PRS requires it for "
                           "trials completing on or after 2017-01-18", "mortality")  # fmt: skip


def _outcome_fields(root: etree._Element) -> Iterator[Problem]:
    for number, measure in enumerate(root.iterfind("outcomeMeasures/outcomeMeasure"), start=1):
        where = f"outcomeMeasures, measure {number} ({measure.findtext('title') or 'untitled'})"
        for field in ("title", "timeFrame", "unitOfMeasure", "parameterType", "measureType"):
            if not (measure.findtext(field) or "").strip():
                yield _problem(where, f"{field} is empty; PRS requires it", "outcome required")
        if not (measure.findtext("measureDescription") or "").strip():
            yield _problem(where, "no description; PRS reviewers ask for one", "outcome required", COMMENT)


def _started(root: etree._Element) -> Iterator[Problem]:
    flow = root.find("participantFlow")
    if flow is None:
        return
    groups = {g.get("id", ""): g.findtext("title") or "" for g in flow.iterfind("participantFlowGroups/flowGroup")}
    for number, period in enumerate(flow.iterfind("periods/period"), start=1):
        for tag, name in (("startedMilestone", "STARTED"), ("completedMilestone", "COMPLETED")):
            given = {a.findtext("reportingGroupId") for a in period.iterfind(f"{tag}/milestoneAchievements/*")}
            for group, title in groups.items():
                if group not in given:
                    where = f"participantFlow, period {number} ({period.findtext('title') or 'untitled'})"
                    yield _problem(f"{where}, group {group} ({title})", f"no {name} count; every group needs one",
                                   "started")  # fmt: skip


def _int(element: etree._Element | None, tag: str) -> int | None:
    text = (element.findtext(tag) or "").strip() if element is not None else ""
    return int(text) if text.isdigit() else None


def _analysed(root: etree._Element) -> Iterator[Problem]:
    for section, measures, groups_path in (
        ("outcomeMeasures", "outcomeMeasures/outcomeMeasure", "outcomeReportingGroups/outcomeReportingGroup"),
        ("baseline", "baseline/baselineMeasures/baselineMeasure", None),
    ):
        for measure in root.iterfind(measures):
            if groups_path is not None:
                group_n = {g.get("id", ""): _int(g, "subjectsAnalyzed") for g in measure.iterfind(groups_path)}
            else:
                group_n = {g.get("id", ""): _int(g, "subjectsAnalyzed") for g in root.iterfind(
                    "baseline/baselineReportingGroups/baselineReportingGroup")}  # fmt: skip
                total = root.find("baseline/totalBaselineReportingGroup")
                if total is not None:
                    group_n[total.get("id", "")] = _int(total, "subjectsAnalyzed")
            counts = measure.findtext("parameterType") == "Count of Participants"
            for value in measure.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
                group = value.findtext("reportingGroupId") or ""
                own = _int(value, "subjectsAnalyzed")
                limit = group_n.get(group)
                if own is not None and limit is not None and own > limit:
                    yield _problem(_where(value), f"{own} analysed for this measure, more than the group's {limit}",
                                   "analysed")  # fmt: skip
                analysed = own if own is not None else limit
                if counts and analysed is not None:
                    for entry in value.iterfind("reportedEntries/reportedEntry"):
                        n = _int(entry, "parameterValue")
                        if n is not None and n > analysed:
                            yield _problem(_where(entry), f"a count of {n} participants, more than the {analysed} "
                                           f"analysed in {section}", "analysed")  # fmt: skip


def _events(root: etree._Element) -> Iterator[Problem]:
    for stat in root.iterfind("reportedEvents/*/*/adverseEventStats/eventStats"):
        affected, events = _int(stat, "numSubjectsAffected"), _int(stat, "numEvents")
        if affected is not None and events is not None and events < affected:
            yield _problem(_where(stat), f"{events} events but {affected} participants affected; each affected "
                           "participant has at least one event", "events")  # fmt: skip


def _float(text: str | None) -> float | None:
    return float(text) if text is not None and NUMBER.match(text.strip()) else None


def _intervals(root: etree._Element) -> Iterator[Problem]:
    for analysis in root.iter("measureAnalysis"):
        low, value, high = (_float(analysis.findtext(t)) for t in ("ciLowerLimit", "parameterValue", "ciUpperLimit"))
        if low is not None and high is not None and low > high:
            yield _problem(_where(analysis), f"the CI's lower limit {low:g} is above its upper limit {high:g}",
                           "interval")  # fmt: skip
        elif value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            yield _problem(_where(analysis), f"the estimate {value:g} is outside its CI", "interval")
    for entry in root.iter("reportedEntry"):
        measure = next(entry.iterancestors("outcomeMeasure", "baselineMeasure"), None)
        kind = measure.findtext("dispersionType") or "" if measure is not None else ""
        if "Confidence Interval" not in kind:
            continue
        low, value, high = (_float(entry.findtext(t)) for t in ("dispersionLowerLimit", "parameterValue",
                                                                 "dispersionUpperLimit"))  # fmt: skip
        if low is not None and high is not None and low > high:
            yield _problem(_where(entry), f"the CI's lower limit {low:g} is above its upper limit {high:g}",
                           "interval")  # fmt: skip
        elif value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            yield _problem(_where(entry), f"the value {value:g} is outside its CI", "interval")


def _comments(root: etree._Element) -> Iterator[Problem]:
    """PRS's major comments a program can see: accepted on upload, sent back at review."""
    for measure in root.iterfind("outcomeMeasures/outcomeMeasure"):
        kind, unit = measure.findtext("parameterType") or "", (measure.findtext("unitOfMeasure") or "").strip()
        where = _where(measure.find("title") if measure.find("title") is not None else measure)
        if kind == "Count of Participants" and unit.casefold() not in ("participants", "participant"):
            yield _problem(where, f"a Count of Participants in '{unit}'; its unit is Participants", "unit", COMMENT)
        if kind in CONTINUOUS_TYPES and unit.casefold() in ("participants", "percentage of participants"):
            yield _problem(where, f"a {kind} in '{unit}': the unit should be the data's own", "unit", COMMENT)
        if kind in CONTINUOUS_TYPES and (measure.findtext("dispersionType") or "Not Applicable") == "Not Applicable":
            yield _problem(where, f"continuous data ({kind}) without a measure of dispersion", "dispersion", COMMENT)
        groups = len(measure.findall("outcomeReportingGroups/outcomeReportingGroup"))
        for analysis in measure.iterfind("outcomeMeasureAnalyses/measureAnalysis"):
            compared = len(analysis.findall("outcomeReportingGroups/outcomeReportingGroupId"))
            method = analysis.findtext("statisticalMethod") or ""
            if compared < 2 and groups >= 2:
                yield _problem(_where(analysis), "an analysis compares fewer than two groups", "analysis groups",
                               COMMENT)  # fmt: skip
            elif method in TWO_GROUP_METHODS and compared != 2:
                yield _problem(_where(analysis), f"{method} compares two groups, not {compared}", "analysis groups",
                               COMMENT)  # fmt: skip
            if kind == "Count of Participants" and method in ("ANCOVA", "t-Test, 2 Sided", "t-Test, 2-Sided"):
                yield _problem(_where(analysis), f"{method} does not fit a count of participants", "analysis groups",
                               COMMENT)  # fmt: skip
    yield from _across_modules(root)


def _across_modules(root: etree._Element) -> Iterator[Problem]:
    """STARTED, the baseline N and the AE number at risk, per group (matched by title), agree or are explained."""
    started: dict[str, int] = {}
    period = root.find("participantFlow/periods/period")
    if period is not None:
        titles = {g.get("id"): g.findtext("title") for g in root.iterfind(
            "participantFlow/participantFlowGroups/flowGroup")}  # fmt: skip
        for a in period.iterfind("startedMilestone/milestoneAchievements/milestoneAchievement"):
            n = _int(a, "subjectsAchieve")
            if n is not None:
                started[titles.get(a.findtext("reportingGroupId"), "") or ""] = n
    baseline = {g.findtext("title") or "": _int(g, "subjectsAnalyzed") for g in root.iterfind(
        "baseline/baselineReportingGroups/baselineReportingGroup")}  # fmt: skip
    at_risk = {g.findtext("title") or "": _int(g, "partAtRiskSeriousEvents") for g in root.iterfind(
        "reportedEvents/interventionGroups/interventionGroup")}  # fmt: skip
    explained_baseline = bool((root.findtext("baseline/populationAnalysisDescription") or "").strip())
    explained_events = bool((root.findtext("reportedEvents/notes") or "").strip())
    for title, n in started.items():
        if title in baseline and baseline[title] is not None and baseline[title] != n and not explained_baseline:
            yield _problem(f"baseline, group {title}", f"{baseline[title]} in the baseline but {n} STARTED, and no "
                           "baseline population description explains it", "across modules", COMMENT)  # fmt: skip
        if title in at_risk and at_risk[title] is not None and at_risk[title] != n and not explained_events:
            yield _problem(f"reportedEvents, group {title}", f"{at_risk[title]} at risk but {n} STARTED, and no "
                           "adverse event description explains it", "across modules", COMMENT)  # fmt: skip
