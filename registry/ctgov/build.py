"""The ClinicalTrials.gov PRS results upload (`rrs:result`, RRSUploadSchema.xsd) from one analysis.

Every number comes from the analysis tables (service.analysis); nothing is recounted here. Elements follow the
schema's sequences (alphabetical within each type); child elements are unqualified (elementFormDefault).
Group IDs are stable — FG000… (flow), BG000… (baseline, the total last), OM1G000… (outcome measure 1), EG000…
(adverse events), arms in the trial's order — so the same snapshot gives byte-identical XML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from lxml import etree

from registry.built import Built
from registry.ctgov.elements import num as _num
from registry.ctgov.elements import sub as _sub
from registry.ctgov.elements import text as _text
from registry.ctgov.outcomes import write_outcomes
from service.analysis import DEFAULT_OTHER_THRESHOLD
from service.importing.definition import baseline_entries
from service.importing.records import ImportedTrial
from service.outcomes.definition import parse_outcomes
from service.results import TOTAL, AnalysisResults

RRS = "http://clinicaltrials.gov/rrs"
SECTIONS = ("flow", "baseline", "outcomes", "adverse-events", "contact", "limitations", "agreement")

# ClinicalTrials.gov's wording of the MedDRA SOCs where it differs from MedDRA's.
CTGOV_SOC = {
    "general disorders and administration site conditions": "General disorders",
    "product issues": "Product Issues",
}
REASON_TYPES = {
    "adverse event": "Adverse Event",
    "death": "Death",
    "lack of efficacy": "Lack of Efficacy",
    "lost to follow-up": "Lost to Follow-up",
    "physician decision": "Physician Decision",
    "pregnancy": "Pregnancy",
    "protocol violation": "Protocol Violation",
    "withdrawal by subject": "Withdrawal by Subject",
}
# (element, trial.toml key), in the schema's order.
AGREEMENT_FIELDS = (
    ("otherDetails", "other_details"),
    ("piSponsorEmployee", "pi_sponsor_employee"),
    ("restrictionType", "restriction_type"),
    ("restrictiveAgreement", "restrictive_agreement"),
)
CONTACT_FIELDS = (
    ("email", "email"),
    ("organizationName", "organization"),
    ("phoneExtension", "phone_extension"),
    ("phoneNumber", "phone"),
    ("title", "title"),
)
DEFAULT_AE_TIME_FRAME = "From the first dose of study treatment to the end of follow-up or the data cut-off"
DEFAULT_AE_DESCRIPTION = (
    "Treatment-emergent adverse events in the safety population (participants who received at least one dose), "
    "counted in the arm of the treatment actually received."
)


def build_result(
    data: ImportedTrial, results: AnalysisResults, sections: Sequence[str] = SECTIONS, partial: bool = False
) -> Built:
    """A partial upload (partialUpload="true"; implied when `sections` is not all of SECTIONS) replaces only the
    sections sent, so PRS keeps the others."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    built = Built(etree.Element(f"{{{RRS}}}result", nsmap={"rrs": RRS}))
    if partial or set(sections) != set(SECTIONS):
        built.root.set("partialUpload", "true")
    ctgov = data.definition.raw.get("ctgov", {})
    arms = list(results.arms)
    if "baseline" in sections:
        _baseline(built, results, arms, {e.title: e.dispersion for e in baseline_entries(data.definition.raw)})
    if "agreement" in sections:
        _copied(built, "certainAgreement", "[ctgov.certain_agreement]", ctgov.get("certain_agreement", {}),
                AGREEMENT_FIELDS)  # fmt: skip
    if "limitations" in sections:
        _limitations(built, ctgov)
    # outcomeMeasures is required by the schema, even when empty.
    measures = _sub(built.root, "outcomeMeasures")
    if "outcomes" in sections:
        write_outcomes(measures, results, parse_outcomes(data.definition.raw), arms)
    if "flow" in sections:
        _flow(built, results, arms, ctgov)
    if "contact" in sections:
        _copied(built, "pointOfContact", "[ctgov.point_of_contact]", ctgov.get("point_of_contact", {}),
                CONTACT_FIELDS)  # fmt: skip
    if "adverse-events" in sections:
        _events(built, results, arms, ctgov, data)
    descriptions = {}
    for arm in data.arms:
        descriptions[arm.label] = arm.description or f"Participants randomized to {arm.label}."
        if not arm.description:
            built.warnings.append(f"groups: no [[arms]] description for '{arm.label}' in trial.toml; stated: "
                                  f"{descriptions[arm.label]}")  # fmt: skip
    _describe_groups(built.root, descriptions)
    return built


BASELINE_SPREADS = {"sd": "Standard Deviation", "iqr": "Inter-Quartile Range", "full-range": "Full Range"}
GROUP_TAGS = ("flowGroup", "baselineReportingGroup", "interventionGroup", "outcomeReportingGroup")


def _describe_groups(root: etree._Element, descriptions: dict[str, str]) -> None:
    """Each arm's group, in every module, with the arm's description (PRS requires one): the schema's first child."""
    for tag in GROUP_TAGS:
        for group in root.iter(tag):
            description = descriptions.get(group.findtext("title") or "")
            if description:
                element = etree.Element("description")
                element.text = description
                group.insert(0, element)


def _baseline(built: Built, results: AnalysisResults, arms: list[str], dispersions: dict[str, str]) -> None:
    """`dispersions`: the [[baseline]] entries' choice, by title — mean (SD), or median with IQR or full range."""
    table = results["baseline"]
    baseline = _sub(built.root, "baseline")
    measures = _sub(baseline, "baselineMeasures")
    ids = {arm: f"BG{i:03d}" for i, arm in enumerate([*arms, TOTAL])}
    by_characteristic: dict[str, list[Any]] = {}
    for row in table.rows:
        by_characteristic.setdefault(row.characteristic, []).append(row)
    for characteristic, rows in by_characteristic.items():
        rows = nih_rows(characteristic, rows)
        characteristic = rows[0].characteristic
        continuous = rows[0].category == ""
        measure = _sub(measures, "baselineMeasure")
        title, other = _baseline_title(characteristic, continuous)
        spread = dispersions.get(characteristic, "sd") if continuous else ""
        if continuous:
            _text(measure, "dispersionType", BASELINE_SPREADS[spread])
        measure_rows = _sub(measure, "measureRows")
        left_out = 0
        if characteristic == "Sex" and {r.category for r in rows} - {"Female", "Male"}:
            # PRS's Sex: Female, Male has those two categories only: the others get the measure's own N.
            left_out = sum(r.n for r in rows if r.arm == TOTAL and r.category not in ("Female", "Male"))
            rows = [r for r in rows if r.category in ("Female", "Male")]
            _baseline_row(measure_rows, rows, ids, None, True, analysed=True)
        elif characteristic == "Country":
            for country in dict.fromkeys(r.category for r in rows):
                _baseline_row(measure_rows, [r for r in rows if r.category == country], ids, country, False)
        else:
            _baseline_row(measure_rows, rows, ids, None, not continuous, spread=spread)
        _text(measure, "parameterType", ("Median" if spread in ("iqr", "full-range") else "Mean") if continuous
              else "Count of Participants")  # fmt: skip
        if left_out:
            _text(measure, "populationAnalysisDescription", f"Participants whose sex was recorded as female or male; "
                  f"{left_out} recorded otherwise (unknown, undifferentiated) are not in this measure.")  # fmt: skip
        _text(measure, "title", title)
        _text(measure, "unitOfMeasure", rows[0].unit if continuous and rows[0].unit else "Participants")
        if other:
            _text(measure, "otherTitle", other)
    groups = _sub(baseline, "baselineReportingGroups")
    for arm in arms:
        group = _sub(groups, "baselineReportingGroup", id=ids[arm])
        _text(group, "subjectsAnalyzed", str(table.denominators.get(arm, 0)))
        _text(group, "title", arm)
    _text(baseline, "populationAnalysisDescription", table.population)
    total = _sub(baseline, "totalBaselineReportingGroup", id=ids[TOTAL])
    _text(total, "subjectsAnalyzed", str(table.denominators.get(TOTAL, 0)))
    _text(total, "title", "Total")


# CDISC's RACE and ETHNIC terms as the NIH/OMB categories PRS predefines (case aside).
NIH_RACE = {"american indian or alaska native": "American Indian or Alaska Native", "asian": "Asian",
            "native hawaiian or other pacific islander": "Native Hawaiian or Other Pacific Islander",
            "black or african american": "Black or African American", "white": "White",
            "multiple": "More than one race", "more than one race": "More than one race",
            **dict.fromkeys(("unknown", "not reported", "not collected", "unknown or not reported"),
                            "Unknown or Not Reported")}  # fmt: skip
NIH_ETHNICITY = {"hispanic or latino": "Hispanic or Latino", "not hispanic or latino": "Not Hispanic or Latino",
                 **dict.fromkeys(("unknown", "not reported", "not collected", "unknown or not reported"),
                                 "Unknown or Not Reported")}  # fmt: skip
NIH = {"Race": ("Race (NIH/OMB)", NIH_RACE), "Ethnicity": ("Ethnicity (NIH/OMB)", NIH_ETHNICITY)}


def nih_rows(characteristic: str, rows: list[Any]) -> list[Any]:
    """Race or ethnicity in PRS's NIH/OMB categories, every one listed (0 where none), when every value the data
    give is one of CDISC's terms for them; otherwise the rows as they are (a Customized measure)."""
    if characteristic not in NIH:
        return rows
    title, terms = NIH[characteristic]
    if any(r.category.casefold() not in terms for r in rows):
        return rows
    categories = list(dict.fromkeys(terms.values()))
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (terms[r.category.casefold()], r.arm)
        counts[key] = counts.get(key, 0) + r.n
    arms = list(dict.fromkeys(r.arm for r in rows))
    return [replace(rows[0], characteristic=title, category=c, arm=arm, n=counts.get((c, arm), 0))
            for c in categories for arm in arms]  # fmt: skip


def _baseline_title(characteristic: str, continuous: bool) -> tuple[str, str | None]:
    fixed = {
        "Age": "Age, Continuous",
        "Age, categorical": "Age, Categorical",
        "Sex": "Sex: Female, Male",
        "Race (NIH/OMB)": "Race (NIH/OMB)",
        "Ethnicity (NIH/OMB)": "Ethnicity (NIH/OMB)",
    }
    if characteristic in fixed:
        return fixed[characteristic], None
    if characteristic in ("Age, Customized", "Sex/Gender, Customized"):
        return characteristic, None  # a [[baseline]] entry titled so: PRS's customized measure, own categories
    if characteristic in ("Race", "Ethnicity"):
        return "Race/Ethnicity, Customized", characteristic
    if characteristic == "Country":
        return "Region of Enrollment", None
    return ("Continuous" if continuous else "Categorical") + ": Study-Specific Measure", characteristic


def _baseline_row(parent: etree._Element, rows: list[Any], ids: dict[str, str], title: str | None,
                  categorical: bool, analysed: bool = False, spread: str = "sd") -> None:  # fmt: skip
    """`analysed`: each group's own number analysed for this measure, the sum of its categories."""
    measure_row = _sub(parent, "measureRow")
    values = _sub(measure_row, "reportedValues")
    for arm, group in ids.items():
        arm_rows = [r for r in rows if r.arm == arm]
        value = _sub(values, "reportedValue")
        _text(value, "reportingGroupId", group)
        entries = _sub(value, "reportedEntries")
        for r in arm_rows:
            entry = _sub(entries, "reportedEntry")
            if categorical:
                _text(entry, "catName", r.category)
                _text(entry, "parameterValue", str(r.n))
            elif title is not None:  # a country: a count in a titled row
                _text(entry, "parameterValue", str(r.n))
            elif r.n == 0 or r.mean is None:
                _text(entry, "naComment", "No participants with a value")
            elif spread in ("iqr", "full-range"):
                low, high = (r.q1, r.q3) if spread == "iqr" else (r.minimum, r.maximum)
                _text(entry, "dispersionLowerLimit", _num(low))
                _text(entry, "dispersionUpperLimit", _num(high))
                _text(entry, "parameterValue", _num(r.median))
            else:
                _text(entry, "dispersionSpread", _num(r.sd) if r.sd is not None else "NA")
                _text(entry, "parameterValue", _num(r.mean))
        if analysed:
            _text(value, "subjectsAnalyzed", str(sum(r.n for r in arm_rows)))
    if title is not None:
        _text(measure_row, "title", title)


def _limitations(built: Built, ctgov: dict[str, Any]) -> None:
    element = _sub(built.root, "limitationsAndCaveats")
    _text(element, "description", ctgov.get("limitations_and_caveats"))


def _flow(built: Built, results: AnalysisResults, arms: list[str], ctgov: dict[str, Any]) -> None:
    """Every period of the participant flow table (service.flow), as the definition's [[flow.periods]] set them."""
    rows = results["participant_flow"].rows
    flow = _sub(built.root, "participantFlow")
    groups = _sub(flow, "participantFlowGroups")
    ids = {arm: f"FG{i:03d}" for i, arm in enumerate(arms)}
    for arm in arms:
        _text(_sub(groups, "flowGroup", id=ids[arm]), "title", arm)
    periods = _sub(flow, "periods")
    for number in dict.fromkeys(r.period for r in rows):
        own = [r for r in rows if r.period == number]
        count = _flow_counts(own)
        period = _sub(periods, "period")
        _milestone(period, "completedMilestone", ids, count("completed", "COMPLETED"))
        drops = _sub(period, "dropWithdrawReasons")
        for reason in dict.fromkeys(r.category for r in own if r.kind == "reason"):
            drop = _sub(drops, "dropWithdrawReason")
            details = _sub(drop, "dropWithdrawReasonDetails")
            for arm in arms:
                detail = _sub(details, "reasonDetail")
                _text(detail, "reportingGroupId", ids[arm])
                _text(detail, "subjectsAffected", str(count("reason", reason)(arm)))
            kind = REASON_TYPES.get(reason.casefold())
            if kind is None:
                _text(drop, "otherReasonName", reason)
            _text(drop, "reasonType", kind or "Other")
        misc = _sub(period, "milestones")
        for title in dict.fromkeys(r.category for r in own if r.kind == "milestone"):
            milestone = _sub(misc, "milestone")
            _achievements(milestone, ids, count("milestone", title))
            _text(milestone, "titleOther", title)
        _milestone(period, "startedMilestone", ids, count("started", "STARTED"))
        _text(period, "title", own[0].period_title)
    _text(flow, "preAssignmentDescription", ctgov.get("pre_assignment_details"))
    _text(flow, "recruitmentDetails", ctgov.get("recruitment_details"))


def _flow_counts(rows: Sequence[Any]) -> Callable[[str, str], Callable[[str], int]]:
    """count(kind, category)(arm): one period's numbers, by arm."""
    found = {(r.kind, r.category, r.arm): r.n for r in rows}
    return lambda kind, category: lambda arm: found.get((kind, category, arm), 0)


def _milestone(period: etree._Element, tag: str, ids: dict[str, str], count: Callable[[str], int]) -> None:
    _achievements(_sub(period, tag), ids, count)


def _achievements(milestone: etree._Element, ids: dict[str, str], count: Callable[[str], int]) -> None:
    achievements = _sub(milestone, "milestoneAchievements")
    for arm, group in ids.items():
        achievement = _sub(achievements, "milestoneAchievement")
        _text(achievement, "reportingGroupId", group)
        _text(achievement, "subjectsAchieve", str(count(arm)))


def _copied(built: Built, tag: str, source: str, values: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> None:
    """A section copied field by field from a table of trial.toml (an empty one, with a warning, when absent)."""
    element = _sub(built.root, tag)
    if not values:
        built.warnings.append(f"{tag}: {source} is not in trial.toml; the section is empty")
    for child, key in fields:
        _text(element, child, values.get(key))


def _events(
    built: Built, results: AnalysisResults, arms: list[str], ctgov: dict[str, Any], data: ImportedTrial
) -> None:
    safety = data.definition.raw.get("safety", {})
    events = _sub(built.root, "reportedEvents")
    _text(events, "assessmentType", ctgov.get("ae_assessment_type", "Systematic Assessment"))
    threshold = float(safety.get("other_ae_threshold_percent", DEFAULT_OTHER_THRESHOLD))
    _text(events, "frequencyReportingThreshold", f"{threshold:g}")
    ids = {arm: f"EG{i:03d}" for i, arm in enumerate(arms)}
    _terms(_sub(events, "frequentAdverseEvents"), "frequentEvent", results["ae_registry_other"].rows, ids, ctgov)
    groups = _sub(events, "interventionGroups")
    for row in results["ae_registry_groups"].rows:
        group = _sub(groups, "interventionGroup", id=ids[row.arm])
        _text(group, "numDeaths", str(row.n_deaths))
        _text(group, "numSubjectsFrequentEvents", str(row.n_other_affected))
        _text(group, "numSubjectsSeriousEvents", str(row.n_serious_affected))
        _text(group, "partAtRiskAllCauseMort", str(row.n_at_risk))
        _text(group, "partAtRiskFrequentEvents", str(row.n_at_risk))
        _text(group, "partAtRiskSeriousEvents", str(row.n_at_risk))
        _text(group, "title", row.arm)
    description = ctgov.get("ae_description")
    if not description:
        built.warnings.append(
            f"reportedEvents: no [ctgov] ae_description in trial.toml; stated: {DEFAULT_AE_DESCRIPTION}"
        )
    _text(events, "notes", description or DEFAULT_AE_DESCRIPTION)
    _terms(_sub(events, "seriousAdverseEvents"), "seriousEvent", results["ae_registry_serious"].rows, ids, ctgov)
    version = safety.get("meddra_version")
    if not version:
        built.warnings.append("reportedEvents: no [safety] meddra_version in trial.toml; stated: MedDRA")
    _text(events, "sourceVocabulary", f"MedDRA {version}" if version else "MedDRA")
    time_frame = ctgov.get("ae_time_frame")
    if not time_frame:
        built.warnings.append(
            f"reportedEvents: no [ctgov] ae_time_frame in trial.toml; stated: {DEFAULT_AE_TIME_FRAME}"
        )
    _text(events, "timeFrame", time_frame or DEFAULT_AE_TIME_FRAME)


def _terms(parent: etree._Element, tag: str, rows: Iterable[Any], ids: dict[str, str],
           ctgov: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Each term; its own assessment type and vocabulary where [ctgov] term_assessment_types / term_vocabularies
    (by preferred term) say they differ from the module's."""
    assessments = {str(k).casefold(): str(v) for k, v in ((ctgov or {}).get("term_assessment_types") or {}).items()}
    vocabularies = {str(k).casefold(): str(v) for k, v in ((ctgov or {}).get("term_vocabularies") or {}).items()}
    terms: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        terms.setdefault((row.soc, row.pt), []).append(row)
    for (soc, pt), per_arm in terms.items():
        event = _sub(parent, tag)
        stats = _sub(event, "adverseEventStats")
        for row in per_arm:
            stat = _sub(stats, "eventStats")
            _text(stat, "reportingGroupId", ids[row.arm])
            _text(stat, "numEvents", str(row.n_events))
            _text(stat, "numSubjectsAffected", str(row.n_affected))
            _text(stat, "numSubjects", str(row.n_at_risk))
        _text(event, "assessmentType", assessments.get(pt.casefold()))
        _text(event, "organSystemName", ctgov_soc(soc))
        _text(event, "sourceVocabulary", vocabularies.get(pt.casefold()))
        _text(event, "term", pt)


def ctgov_soc(soc: str) -> str:
    return CTGOV_SOC.get(soc.casefold(), soc)


def _p(value: float | None) -> str:
    if value is None:
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"
