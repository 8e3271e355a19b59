"""Checking a PRS results document as PRS would: against RRSUploadSchema.xsd, then against the rules PRS
applies on upload. Each problem says where (section, group, row) and what to fix, for a data manager."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

from lxml import etree

from registry.ctgov.build import RRS
from registry.ctgov.merge import PRS
from registry.ctgov.picklists import PICKLISTS, RULES
from registry.ctgov.review import review
from registry.xmlsafe import parse_untrusted
from service.problems import Problem
from service.resources import schemas_dir

SPREAD = ("Standard Deviation", "Standard Error")
LIMITS = ("Inter-Quartile Range", "Full Range", "80% Confidence Interval", "90% Confidence Interval",
          "95% Confidence Interval", "97.5% Confidence Interval", "99% Confidence Interval",
          "Other Confidence Interval Level")  # fmt: skip
MAX_THRESHOLD = 5.0


@cache
def schema(name: str = "RRSUploadSchema.xsd") -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(schemas_dir("registry.ctgov") / name), parser))


def check_schema(root: etree._Element, name: str = "RRSUploadSchema.xsd") -> list[Problem]:
    xsd = schema(name)
    if xsd.validate(root):
        return []
    return [Problem(f"XSD {name}, line {e.line}", e.message) for e in xsd.error_log]  # type: ignore[attr-defined]


def validate_result(root: etree._Element) -> list[Problem]:
    """Every problem found: the schema's, then PRS's rules (those that can be checked on what is there)."""
    if root.tag != f"{{{RRS}}}result":
        return [Problem("document", f"the root element is {root.tag}, not rrs:result ({{{RRS}}}result)")]
    problems = check_schema(root)
    for check in (_flow, _baseline, _outcomes, _events, _required, review):
        problems += check(root)
    return problems


def explain(problem: Problem) -> str:
    """The data element definition a problem rests on (empty for a schema error)."""
    if problem.rule in PICKLISTS:
        return PICKLISTS[problem.rule].definition
    return RULES.get(problem.rule, "")


def _int(element: etree._Element, path: str) -> int | None:
    text = element.findtext(path)
    if text is None or text.strip() == "":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _groups(parent: etree._Element | None, tag: str) -> dict[str, str]:
    if parent is None:
        return {}
    return {g.get("id", ""): g.findtext("title") or g.get("id", "") for g in parent.iter(tag)}


def _label(group: str, titles: dict[str, str]) -> str:
    return f"group {group} ({titles[group]})" if group in titles else f"group {group}"


def _flow(root: etree._Element) -> list[Problem]:
    flow = root.find("participantFlow")
    if flow is None:
        return []
    titles = _groups(flow.find("participantFlowGroups"), "flowGroup")
    problems = _references(flow, "reportingGroupId", titles, "participantFlow")
    for number, period in enumerate(flow.iterfind("periods/period"), start=1):
        name = f"participantFlow, period {number} ({period.findtext('title') or 'untitled'})"
        started = _achieved(period.find("startedMilestone"))
        completed = _achieved(period.find("completedMilestone"))
        for group, n in completed.items():
            if group in started and n > started[group]:
                problems.append(
                    Problem(
                        f"{name}, COMPLETED, {_label(group, titles)}",
                        f"{n} completed but {started[group]} started; COMPLETED cannot exceed STARTED",
                    )
                )
        for milestone in period.iterfind("milestones/milestone"):
            title = milestone.findtext("titleOther") or "milestone"
            for group, n in _achieved(milestone).items():
                if group in started and n > started[group]:
                    problems.append(
                        Problem(
                            f"{name}, milestone '{title}', {_label(group, titles)}",
                            f"{n} exceeds the {started[group]} who STARTED",
                        )
                    )
        reasons: dict[str, int] = defaultdict(int)
        for detail in period.iterfind("dropWithdrawReasons/dropWithdrawReason/dropWithdrawReasonDetails/reasonDetail"):
            reasons[detail.findtext("reportingGroupId") or ""] += _int(detail, "subjectsAffected") or 0
        for group in started:
            missing = started[group] - completed.get(group, 0)
            if group in reasons and reasons[group] != missing:  # reasons are optional; given, they must add up
                problems.append(
                    Problem(
                        f"{name}, reasons not completed, {_label(group, titles)}",
                        f"the reasons sum to {reasons.get(group, 0)} but STARTED − COMPLETED is {missing}; add or "
                        "correct reasons so that every participant not completed has one",
                        rule="reasons",
                    )
                )
    return problems


def _achieved(milestone: etree._Element | None) -> dict[str, int]:
    if milestone is None:
        return {}
    return {
        a.findtext("reportingGroupId") or "": _int(a, "subjectsAchieve") or 0
        for a in milestone.iterfind("milestoneAchievements/milestoneAchievement")
    }


def _baseline(root: etree._Element) -> list[Problem]:
    baseline = root.find("baseline")
    if baseline is None:
        return []
    groups = baseline.find("baselineReportingGroups")
    titles = _groups(groups, "baselineReportingGroup")
    total = baseline.find("totalBaselineReportingGroup")
    total_id = total.get("id", "") if total is not None else ""
    all_titles = {**titles, **({total_id: "Total"} if total is not None else {})}
    problems = _references(baseline, "reportingGroupId", all_titles, "baseline")
    analysed = {g.get("id", ""): _int(g, "subjectsAnalyzed") for g in (groups if groups is not None else [])}
    if total is not None:
        arms_sum = sum(n or 0 for n in analysed.values())
        total_n = _int(total, "subjectsAnalyzed")
        if total_n != arms_sum:
            problems.append(
                Problem(
                    f"baseline, total group {total_id}",
                    f"analysed N is {total_n} but the arms' analysed N sum to {arms_sum}",
                )
            )
        analysed[total_id] = total_n
    for number, measure in enumerate(baseline.iterfind("baselineMeasures/baselineMeasure"), start=1):
        title = measure.findtext("otherTitle") or measure.findtext("title") or "untitled"
        name = f"baseline, measure {number} ({title})"
        problems += _dispersion(measure, name, all_titles)
        if measure.findtext("parameterType") != "Count of Participants":
            continue
        counts: dict[str, int] = defaultdict(int)
        own: dict[str, int] = {}  # a measure's own number analysed (e.g. sex where some were not recorded)
        for value in measure.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
            group = value.findtext("reportingGroupId") or ""
            if _int(value, "subjectsAnalyzed") is not None:
                own[group] = _int(value, "subjectsAnalyzed") or 0
            for entry in value.iterfind("reportedEntries/reportedEntry"):
                counts[group] += _int(entry, "parameterValue") or 0
        for group, n in counts.items():
            expected = own.get(group, analysed.get(group))
            if expected is not None and n != expected:
                problems.append(
                    Problem(
                        f"{name}, {_label(group, all_titles)}",
                        f"the categories sum to {n} but the group's analysed N is {expected}",
                    )
                )
        if total_id in counts:
            arms_sum = sum(n for g, n in counts.items() if g != total_id)
            if counts[total_id] != arms_sum:
                problems.append(
                    Problem(
                        f"{name}, total group {total_id}", f"Total is {counts[total_id]} but the arms sum to {arms_sum}"
                    )
                )
    return problems


def _outcomes(root: etree._Element) -> list[Problem]:
    problems = []
    for number, measure in enumerate(root.iterfind("outcomeMeasures/outcomeMeasure"), start=1):
        name = f"outcomeMeasures, measure {number} ({measure.findtext('title') or 'untitled'})"
        titles = _groups(measure.find("outcomeReportingGroups"), "outcomeReportingGroup")
        problems += _references(measure, "reportingGroupId", titles, name)
        problems += _references(measure, "outcomeReportingGroupId", titles, name)
        problems += _dispersion(measure, name, titles)
    return problems


def _dispersion(measure: etree._Element, name: str, titles: dict[str, str]) -> list[Problem]:
    kind = measure.findtext("dispersionType") or ""
    problems = []
    for value in measure.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
        group = value.findtext("reportingGroupId") or ""
        for entry in value.iterfind("reportedEntries/reportedEntry"):
            if entry.find("naComment") is not None:
                continue
            spread = entry.find("dispersionSpread") is not None
            limits = entry.find("dispersionLowerLimit") is not None and entry.find("dispersionUpperLimit") is not None
            where = f"{name}, {_label(group, titles)}"
            if kind in SPREAD and not spread:
                problems.append(Problem(where, f"dispersion type is {kind}: give dispersionSpread"))
            elif kind in LIMITS and not limits:
                problems.append(
                    Problem(where, f"dispersion type is {kind}: give dispersionLowerLimit and dispersionUpperLimit")
                )
            elif not kind and (spread or limits):
                problems.append(
                    Problem(
                        where, "dispersion values are given but no dispersionType; state the type or remove the values"
                    )
                )
    return problems


def _events(root: etree._Element) -> list[Problem]:
    events = root.find("reportedEvents")
    if events is None:
        return []
    groups = {g.get("id", ""): g for g in events.iterfind("interventionGroups/interventionGroup")}
    titles = {gid: g.findtext("title") or gid for gid, g in groups.items()}
    problems = _references(events, "reportingGroupId", titles, "reportedEvents")
    threshold_text = events.findtext("frequencyReportingThreshold")
    threshold: float | None = None
    try:
        threshold = float(threshold_text) if threshold_text is not None else None
    except ValueError:
        problems.append(Problem("reportedEvents, frequencyReportingThreshold", f"'{threshold_text}' is not a number"))
    if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
        problems.append(
            Problem(
                "reportedEvents, frequencyReportingThreshold",
                f"{threshold:g}% is outside 0 to 5; the other-AE threshold may not exceed 5% (0: every other AE)",
                rule="threshold",
            )
        )
    for table, tag, at_risk_field, affected_field in (
        ("seriousAdverseEvents", "seriousEvent", "partAtRiskSeriousEvents", "numSubjectsSeriousEvents"),
        ("frequentAdverseEvents", "frequentEvent", "partAtRiskFrequentEvents", "numSubjectsFrequentEvents"),
    ):
        largest: dict[str, int] = defaultdict(int)
        for row, event in enumerate(events.iterfind(f"{table}/{tag}"), start=1):
            term = f"reportedEvents, {table}, row {row} ({event.findtext('term') or 'no term'})"
            reaches = False
            for stat in event.iterfind("adverseEventStats/eventStats"):
                group = stat.findtext("reportingGroupId") or ""
                affected, at_risk = _int(stat, "numSubjectsAffected"), _int(stat, "numSubjects")
                where = f"{term}, {_label(group, titles)}"
                if affected is not None and at_risk is not None and affected > at_risk:
                    problems.append(
                        Problem(where, f"{affected} affected but {at_risk} at risk; affected cannot exceed at risk")
                    )
                total = _int(groups[group], at_risk_field) if group in groups else None
                if at_risk is not None and total is not None and at_risk > total:  # a term may restrict it
                    problems.append(
                        Problem(
                            where,
                            f"{at_risk} at risk here but the group's {at_risk_field} is {total}; a term's number at "
                            "risk can be smaller (a sex-specific event), never larger",
                            rule="events",
                        )
                    )
                largest[group] = max(largest[group], affected or 0)
                if threshold is not None and affected is not None and at_risk and 100 * affected >= threshold * at_risk:
                    reaches = True
            if tag == "frequentEvent" and threshold is not None and not reaches:
                problems.append(
                    Problem(
                        term,
                        f"no group reaches the {threshold:g}% threshold; leave the term out or lower the threshold",
                    )
                )
        for group, element in groups.items():
            affected = _int(element, affected_field)
            at_risk = _int(element, at_risk_field)
            where = f"reportedEvents, {table}, {_label(group, titles)}"
            if affected is not None and affected < largest.get(group, 0):
                problems.append(
                    Problem(where, f"{affected_field} is {affected} but one term alone affects {largest[group]}")
                )
            if affected is not None and at_risk is not None and affected > at_risk:
                problems.append(Problem(where, f"{affected_field} {affected} exceeds {at_risk_field} {at_risk}"))
    for group, element in groups.items():
        deaths, at_risk = _int(element, "numDeaths"), _int(element, "partAtRiskAllCauseMort")
        if deaths is not None and at_risk is not None and deaths > at_risk:
            problems.append(
                Problem(
                    f"reportedEvents, all-cause mortality, {_label(group, titles)}",
                    f"{deaths} deaths but {at_risk} at risk",
                )
            )
    return problems


def _required(root: etree._Element) -> list[Problem]:
    """Fields PRS requires that the schema leaves optional."""
    problems = []
    events = root.find("reportedEvents")
    if events is not None:
        for field in ("timeFrame", "sourceVocabulary", "assessmentType", "frequencyReportingThreshold"):
            if not (events.findtext(field) or "").strip():
                problems.append(Problem("reportedEvents", f"{field} is empty; PRS requires it"))
    for path, where in (
        ("participantFlow/participantFlowGroups/flowGroup", "participantFlow"),
        ("baseline/baselineReportingGroups/baselineReportingGroup", "baseline"),
        ("reportedEvents/interventionGroups/interventionGroup", "reportedEvents"),
        ("outcomeMeasures/outcomeMeasure/outcomeReportingGroups/outcomeReportingGroup", "outcomeMeasures"),
    ):
        for group in root.iterfind(path):
            if not (group.findtext("title") or "").strip():
                problems.append(Problem(f"{where}, group {group.get('id')}", "the group's title is empty"))
    return problems


def _references(section: etree._Element, tag: str, defined: dict[str, str], where: str) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for ref in section.iter(tag):
        group = (ref.text or "").strip()
        if group not in defined and group not in seen:
            seen.add(group)
            problems.append(
                Problem(
                    where,
                    f"{tag} '{group}' is not a group defined in this section; define the "
                    "group or correct the reference",
                )
            )
    return problems


def validate_ctgov_file(path: Path) -> list[Problem]:
    """A file as PRS would take it: an rrs:result upload, or a whole record (prs:study_collection) checked
    against ProtocolRecordSchema.xsd and each result in it against the results rules."""
    root = parse_untrusted(path).getroot()
    if root.tag == f"{{{PRS}}}study_collection":
        problems = check_schema(root, "ProtocolRecordSchema.xsd")
        for result in root.iter(f"{{{RRS}}}result"):
            problems += [p for p in validate_result(result) if not p.where.startswith("XSD")]
        return problems
    return validate_result(root)
