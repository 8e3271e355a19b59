"""Reading a ClinicalTrials.gov record back, in any of the three forms it comes in, into one RegistryView:

- the public API v2 JSON (`/api/v2/studies/NCT…`, ../shared/schemas/ctgov/ctg-oas-v2.yaml), one study or a page of
  studies holding one;
- the legacy public XML (`clinical_study`, public.xsd), retired with the classic site in 2024 but kept by many;
- a PRS record download (`prs:study_collection/clinical_study`, ProtocolRecordSchema.xsd), results included.

XML is parsed with entities and network off (registry.xmlsafe); JSON is size-limited before it is parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree

from registry.jsonsafe import load_untrusted_json
from registry.view import PostedResults, RegistryArm, RegistryOutcome, RegistryView, read_date, words
from registry.xmlsafe import MAX_BYTES, parse_untrusted_bytes
from service.errors import DataError

PRS = "{http://clinicaltrials.gov/prs}"
RRS = "{http://clinicaltrials.gov/rrs}"


def read_ctgov_bytes(content: bytes, source: str) -> RegistryView:
    """The record in `content`, whichever of the three forms it is."""
    if len(content) > MAX_BYTES:
        raise DataError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB", file=source)
    if content.lstrip()[:1] in (b"{", b"["):
        return _from_api(_json(content, source), source)
    root = parse_untrusted_bytes(content, source).getroot()
    if root.tag == "clinical_study":
        return _from_public_xml(root)
    if root.tag == f"{PRS}study_collection":
        studies = root.findall("clinical_study")
        if len(studies) != 1:
            raise DataError(
                f"holds {len(studies)} clinical_study records; give the download of one record", file=source
            )
        return _from_prs(studies[0])
    raise DataError(
        f"the root element is <{root.tag}>, not a ClinicalTrials.gov record",
        file=source,
        hint="Give the API v2 JSON (/api/v2/studies/NCT…), the public XML (clinical_study) or a PRS download.",
    )


def _json(content: bytes, source: str) -> dict[str, Any]:
    data = load_untrusted_json(content, source)
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        if len(data["studies"]) != 1:
            raise DataError(f"holds {len(data['studies'])} studies; give the record of one", file=source)
        data = data["studies"][0]
    if isinstance(data, dict) and "FullStudiesResponse" in data:
        raise DataError(
            "is a record of the retired API (v1, FullStudiesResponse)",
            file=source,
            hint="Fetch it from the API v2: /api/v2/studies/NCT…",
        )
    if not isinstance(data, dict) or not isinstance(data.get("protocolSection"), dict):
        raise DataError("has no protocolSection: not a ClinicalTrials.gov API v2 study", file=source)
    return data


# --- API v2 -------------------------------------------------------------------------------------------------------


def _from_api(study: dict[str, Any], source: str) -> RegistryView:
    protocol = study["protocolSection"]
    ident = protocol.get("identificationModule", {})
    status = protocol.get("statusModule", {})
    design = protocol.get("designModule", {})
    arms = protocol.get("armsInterventionsModule", {})
    outcomes = protocol.get("outcomesModule", {})
    eligibility = protocol.get("eligibilityModule", {})
    nct = ident.get("nctId")
    if not nct:
        raise DataError("has no identificationModule.nctId", file=source)
    enrollment = design.get("enrollmentInfo", {})

    def when(key: str) -> Any:
        struct = status.get(key, {})
        return read_date(struct.get("date"), words(struct.get("type", "")))

    return RegistryView(
        registry="ctgov",
        source_format="ClinicalTrials.gov API v2 JSON",
        primary_id=nct,
        ids=tuple(
            i
            for i in [
                ident.get("orgStudyIdInfo", {}).get("id"),
                *(s.get("id") for s in ident.get("secondaryIdInfos", [])),
            ]
            if i
        ),
        brief_title=ident.get("briefTitle", ""),
        official_title=ident.get("officialTitle", ""),
        acronym=ident.get("acronym", ""),
        status=words(status.get("overallStatus", "")),
        phase=phase_words(design.get("phases", [])),
        start=when("startDateStruct"),
        primary_completion=when("primaryCompletionDateStruct"),
        completion=when("completionDateStruct"),
        enrollment=_int(enrollment.get("count")),
        enrollment_type=words(enrollment.get("type", "")),
        arms=tuple(
            RegistryArm(a.get("label", ""), words(a.get("type", "")), a.get("description", ""))
            for a in arms.get("armGroups", [])
        ),
        interventions=tuple(i.get("name", "") for i in arms.get("interventions", [])),
        outcomes=tuple(
            RegistryOutcome(o.get("measure", ""), o.get("timeFrame", ""), kind)
            for kind, key in (
                ("primary", "primaryOutcomes"),
                ("secondary", "secondaryOutcomes"),
                ("other", "otherOutcomes"),
            )
            for o in outcomes.get(key, [])
        ),
        minimum_age=eligibility.get("minimumAge", ""),
        maximum_age=eligibility.get("maximumAge", ""),
        sex=words(eligibility.get("sex", "")),
        results=_api_results(study.get("resultsSection")) if study.get("hasResults") else None,
    )


def _api_results(section: dict[str, Any] | None) -> PostedResults | None:
    if not section:
        return None
    flow = section.get("participantFlowModule", {})
    titles = {g["id"]: g.get("title", "") for g in flow.get("groups", []) if "id" in g}
    started: dict[str, int] = {}
    completed: dict[str, int] = {}
    periods = flow.get("periods", [])
    if periods:
        for milestone in periods[0].get("milestones", []):
            target = {"STARTED": started, "COMPLETED": completed}.get(str(milestone.get("type", "")).upper())
            if target is None:
                continue
            for achievement in milestone.get("achievements", []):
                number = _int(achievement.get("numSubjects"))
                if number is not None and achievement.get("groupId") in titles:
                    target[titles[achievement["groupId"]]] = number
    baseline = section.get("baselineCharacteristicsModule", {})
    base_titles = {g["id"]: g.get("title", "") for g in baseline.get("groups", []) if "id" in g}
    baseline_n: dict[str, int] = {}
    denoms = baseline.get("denoms", [])
    if denoms:
        for count in denoms[0].get("counts", []):
            number = _int(count.get("value"))
            if number is not None and count.get("groupId") in base_titles:
                baseline_n[base_titles[count["groupId"]]] = number
    events = section.get("adverseEventsModule", {})
    serious, other, deaths = {}, {}, {}
    for group in events.get("eventGroups", []):
        title = group.get("title", "")
        serious[title] = (_int(group.get("seriousNumAffected")) or 0, _int(group.get("seriousNumAtRisk")) or 0)
        other[title] = (_int(group.get("otherNumAffected")) or 0, _int(group.get("otherNumAtRisk")) or 0)
        if group.get("deathsNumAffected") is not None:
            deaths[title] = (_int(group.get("deathsNumAffected")) or 0, _int(group.get("deathsNumAtRisk")) or 0)
    groups = tuple(dict.fromkeys([*titles.values(), *base_titles.values(), *serious]))
    return PostedResults(groups, started, completed, baseline_n, serious, other, deaths)


# --- the legacy public XML ----------------------------------------------------------------------------------------


def _from_public_xml(study: etree._Element) -> RegistryView:
    nct = _text(study, "id_info/nct_id")
    if not nct:
        raise DataError("has no id_info/nct_id: not a ClinicalTrials.gov public record", file="record")
    enrollment = study.find("enrollment")
    return RegistryView(
        registry="ctgov",
        source_format="ClinicalTrials.gov public XML",
        primary_id=nct,
        ids=tuple(_texts(study, ["id_info/org_study_id", "id_info/secondary_id"])),
        brief_title=_text(study, "brief_title"),
        official_title=_text(study, "official_title"),
        acronym=_text(study, "acronym"),
        status=_text(study, "overall_status"),
        phase=_text(study, "phase"),
        start=_xml_date(study, "start_date"),
        primary_completion=_xml_date(study, "primary_completion_date"),
        completion=_xml_date(study, "completion_date"),
        enrollment=_int(enrollment.text if enrollment is not None else None),
        enrollment_type=(enrollment.get("type", "") if enrollment is not None else ""),
        arms=tuple(
            RegistryArm(_text(a, "arm_group_label"), _text(a, "arm_group_type"), _text(a, "description"))
            for a in study.iterfind("arm_group")
        ),
        interventions=tuple(_text(i, "intervention_name") for i in study.iterfind("intervention")),
        outcomes=tuple(
            RegistryOutcome(_text(o, "measure"), _text(o, "time_frame"), kind)
            for kind in ("primary", "secondary", "other")
            for o in study.iterfind(f"{kind}_outcome")
        ),
        minimum_age=_text(study, "eligibility/minimum_age"),
        maximum_age=_text(study, "eligibility/maximum_age"),
        sex=_text(study, "eligibility/gender"),
        results=_public_results(study.find("clinical_results")),
    )


def _public_results(results: etree._Element | None) -> PostedResults | None:
    if results is None:
        return None
    flow = results.find("participant_flow")
    titles = _group_titles(flow)
    started: dict[str, int] = {}
    completed: dict[str, int] = {}
    first = flow.find("period_list/period") if flow is not None else None
    if first is not None:
        for milestone in first.iterfind("milestone_list/milestone"):
            target = {"STARTED": started, "COMPLETED": completed}.get(_text(milestone, "title").upper())
            if target is not None:
                for p in milestone.iterfind("participants_list/participants"):
                    number = _int(p.get("count"))
                    if number is not None and p.get("group_id") in titles:
                        target[titles[p.get("group_id", "")]] = number
    baseline = results.find("baseline")
    base_titles = _group_titles(baseline)
    baseline_n: dict[str, int] = {}
    if baseline is not None:
        for count in baseline.iterfind("analyzed_list/analyzed/count_list/count"):
            number = _int(count.get("value"))
            if number is not None and count.get("group_id") in base_titles:
                baseline_n.setdefault(base_titles[count.get("group_id", "")], number)
    events = results.find("reported_events")
    event_titles = _group_titles(events)
    serious = _event_totals(events, "serious_events", event_titles)
    other = _event_totals(events, "other_events", event_titles)
    groups = tuple(dict.fromkeys([*titles.values(), *base_titles.values(), *event_titles.values()]))
    return PostedResults(groups, started, completed, baseline_n, serious, other, {})


def _event_totals(events: etree._Element | None, kind: str, titles: dict[str, str]) -> dict[str, tuple[int, int]]:
    """The 'Total' row of serious or other events: participants affected and at risk, per group."""
    found: dict[str, tuple[int, int]] = {}
    if events is None:
        return found
    for category in events.iterfind(f"{kind}/category_list/category"):
        if _text(category, "title") != "Total":
            continue
        for counts in category.iterfind("event_list/event/counts"):
            group = counts.get("group_id", "")
            if group in titles:
                found[titles[group]] = (
                    _int(counts.get("subjects_affected")) or 0,
                    _int(counts.get("subjects_at_risk")) or 0,
                )
    return found


def _group_titles(element: etree._Element | None) -> dict[str, str]:
    if element is None:
        return {}
    return {g.get("group_id", ""): _text(g, "title") for g in element.iterfind("group_list/group")}


# --- a PRS record download ----------------------------------------------------------------------------------------


def _from_prs(study: etree._Element) -> RegistryView:
    design = study.find("study_design/interventional_design")
    if design is None:
        design = study.find("study_design/observational_design")
    result = study.find(f"{RRS}result")
    return RegistryView(
        registry="ctgov",
        source_format="PRS record download",
        primary_id=_text(study, "id_info/nct_id") or _text(study, "id_info/org_study_id"),
        ids=tuple(_texts(study, ["id_info/org_study_id", "id_info/secondary_id/id"])),
        brief_title=_text(study, "brief_title"),
        official_title=_text(study, "official_title"),
        acronym=_text(study, "acronym"),
        status=_text(study, "overall_status"),
        phase=_text(design, "phase") if design is not None else "",
        start=read_date(_text(study, "start_date"), _text(study, "start_date_type")),
        primary_completion=read_date(_text(study, "primary_compl_date"), _text(study, "primary_compl_date_type")),
        completion=read_date(_text(study, "last_follow_up_date"), _text(study, "last_follow_up_date_type")),
        enrollment=_int(_text(study, "enrollment")),
        enrollment_type=_text(study, "enrollment_type"),
        arms=tuple(
            RegistryArm(_text(a, "arm_group_label"), _text(a, "arm_type"), _text(a, "arm_group_description/textblock"))
            for a in study.iterfind("arm_group")
        ),
        interventions=tuple(_text(i, "intervention_name") for i in study.iterfind("intervention")),
        outcomes=tuple(
            RegistryOutcome(_text(o, "outcome_measure"), _text(o, "outcome_time_frame"), kind)
            for kind in ("primary", "secondary", "other")
            for o in study.iterfind(f"{kind}_outcome")
        ),
        minimum_age=_text(study, "eligibility/minimum_age"),
        maximum_age=_text(study, "eligibility/maximum_age"),
        sex=_text(study, "eligibility/gender"),
        results=_rrs_results(result) if result is not None else None,
    )


def _rrs_results(result: etree._Element) -> PostedResults | None:
    """The rrs:result of a PRS download (the RRS upload schema's names, unprefixed inside)."""
    flow = result.find("participantFlow")
    started: dict[str, int] = {}
    completed: dict[str, int] = {}
    groups: list[str] = []
    if flow is not None:
        titles = {
            g.get("id", ""): _text(g, "title") for g in flow.iterfind("participantFlowGroups/participantFlowGroup")
        }
        groups.extend(titles.values())
        period = flow.find("participantFlowPeriods/participantFlowPeriod")
        if period is not None:
            for milestone in period.iterfind("participantFlowMilestones/participantFlowMilestone"):
                target = {"STARTED": started, "COMPLETED": completed}.get(_text(milestone, "title").upper())
                if target is None:
                    continue
                for achievement in milestone.iterfind("participantFlowAchievements/participantFlowAchievement"):
                    number = _int(_text(achievement, "numSubjects") or achievement.get("numSubjects"))
                    group = achievement.get("participantFlowGroupId") or _text(achievement, "participantFlowGroupId")
                    if number is not None and group in titles:
                        target[titles[group]] = number
    events = result.find("reportedEvents")
    if events is not None:
        for group in events.iterfind("interventionGroups/interventionGroup"):
            title = _text(group, "title")
            groups.append(title)
    if not groups and not started:
        return None
    return PostedResults(tuple(dict.fromkeys(groups)), started, completed)


# --- helpers --------------------------------------------------------------------------------------------------------


def phase_words(phases: Iterable[str]) -> str:
    """API v2 phases as the classic record writes them: [PHASE1, PHASE2] → Phase 1/Phase 2."""
    named = {"EARLY_PHASE1": "Early Phase 1", "NA": "N/A"}
    return "/".join(named.get(p, p.replace("PHASE", "Phase ")) for p in phases)


def _xml_date(study: etree._Element, tag: str) -> Any:
    element = study.find(tag)
    if element is None:
        return None
    return read_date(element.text, element.get("type", ""))


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    return " ".join((element.findtext(path) or "").split())


def _texts(element: etree._Element, paths: list[str]) -> list[str]:
    return [
        " ".join((e.text or "").split()) for path in paths for e in element.iterfind(path) if (e.text or "").strip()
    ]


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None
