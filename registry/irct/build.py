"""The WHO ICTRP data-provider record (`<trials><trial>`, 2017 DTD) of a trial, as IRCT publishes it, with the
2017 results items written as concise plain text from the analysis tables. Dates are yyyy-mm-dd, as IRCT
writes them. Registration details come from the `[irct]` section of trial.toml."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lxml import etree

from registry.built import Built
from service.importing.records import ImportedTrial
from service.outcomes.definition import OutcomeSpec, parse_outcomes
from service.outcomes.tables import rows_of
from service.results import NOT_COLLECTED, OVERALL, TOTAL, AnalysisResults, ArmEstimateRow, ComparisonRow

REGISTRY = "IRCT"
SUMMARY_LIMIT = 512  # the XSD's limit on results_summary


def build_record(data: ImportedTrial, results: AnalysisResults) -> Built:
    raw = data.definition.raw
    trial_section: dict[str, Any] = raw.get("trial", {})
    irct: dict[str, Any] = raw.get("irct", {})
    built = Built(etree.Element("trials"))
    trial = etree.SubElement(built.root, "trial")
    main = etree.SubElement(trial, "main")
    texts = results_texts(data, results)

    def put(parent: etree._Element, tag: str, value: Any, required: bool = True) -> None:
        text = _text(value)
        if text or required:
            etree.SubElement(parent, tag).text = text
        if required and not text:
            built.warnings.append(f"main/{tag}: no value in trial.toml ([irct] or [trial]); written empty")

    definition = data.definition
    put(main, "trial_id", definition.irct_id or data.trial_id)
    put(main, "utrn", irct.get("utrn"), required=False)
    put(main, "reg_name", REGISTRY)
    put(main, "date_registration", irct.get("date_registration"))
    put(main, "primary_sponsor", trial_section.get("sponsor"))
    put(main, "public_title", definition.public_title)
    put(main, "acronym", definition.acronym, required=False)
    put(main, "scientific_title", definition.title)
    put(main, "scientific_acronym", irct.get("scientific_acronym"), required=False)
    put(main, "date_enrolment", irct.get("date_enrolment") or trial_section.get("enrollment_start"))
    put(main, "type_enrolment", irct.get("type_enrolment", "actual"))
    put(main, "target_size", definition.target_enrollment)
    put(main, "recruitment_status", irct.get("recruitment_status"))
    put(main, "url", irct.get("url"), required=False)
    put(main, "study_type", irct.get("study_type", "interventional"))
    put(main, "study_design", study_design(irct.get("design", {})))
    put(main, "phase", _phase(definition.phase))
    put(main, "hc_freetext", irct.get("hc_freetext") or trial_section.get("condition"), required=False)
    put(main, "i_freetext", irct.get("i_freetext"), required=False)
    put(main, "results_actual_enrolment", texts["actual_enrolment"])
    put(main, "results_date_completed", irct.get("date_completed"))
    put(main, "results_url_link", irct.get("results_url_link"))
    put(main, "results_summary", irct.get("results_summary") or texts["summary"])
    put(main, "results_date_posted", irct.get("results_date_posted"))
    put(main, "results_date_first_publication", irct.get("results_date_first_publication"))
    put(main, "results_baseline_char", texts["baseline"])
    put(main, "results_participant_flow", texts["flow"])
    put(main, "results_adverse_events", texts["adverse_events"])
    put(main, "results_outcome_measures", texts["outcomes"])
    put(main, "results_url_protocol", irct.get("results_url_protocol"))
    put(main, "results_IPD_plan", irct.get("ipd_plan"))
    put(main, "results_IPD_description", irct.get("ipd_description"))
    contacts = etree.SubElement(trial, "contacts")
    for entry in irct.get("contacts", []) or [{}]:
        contact = etree.SubElement(contacts, "contact")
        for tag, key in (("type", "type"), ("firstname", "firstname"), ("middlename", "middlename"),
                         ("lastname", "lastname"), ("address", "address"), ("city", "city"), ("country1", "country"),
                         ("zip", "zip"), ("telephone", "telephone"), ("email", "email"),
                         ("affiliation", "affiliation")):  # fmt: skip
            etree.SubElement(contact, tag).text = _text(entry.get(key))
    _list(trial, "countries", "country2", irct.get("countries"))
    criteria = etree.SubElement(trial, "criteria")
    for tag in ("inclusion_criteria", "agemin", "agemax", "gender", "exclusion_criteria"):
        etree.SubElement(criteria, tag).text = _text(irct.get(tag))
    _list(trial, "health_condition_code", "hc_code", irct.get("hc_codes"))
    _list(trial, "health_condition_keyword", "hc_keyword", irct.get("hc_keywords"))
    _list(trial, "intervention_code", "i_code", irct.get("i_codes"))
    _list(trial, "intervention_keyword", "i_keyword", irct.get("i_keywords"))
    specs = parse_outcomes(raw)
    _list(trial, "primary_outcome", "prim_outcome",
          [_outcome_line(s) for s in specs if s.outcome_type == "primary"])  # fmt: skip
    _list(trial, "secondary_outcome", "sec_outcome",
          [_outcome_line(s) for s in specs if s.outcome_type != "primary"])  # fmt: skip
    _list(trial, "secondary_sponsor", "sponsor_name", irct.get("secondary_sponsors"))
    secondary = etree.SubElement(trial, "secondary_ids")
    ids = [{"id": definition.nct_id, "authority": "ClinicalTrials.gov"}] if definition.nct_id else []
    for entry in [*ids, *irct.get("secondary_ids", [])] or [{}]:
        element = etree.SubElement(secondary, "secondary_id")
        etree.SubElement(element, "sec_id").text = _text(entry.get("id"))
        etree.SubElement(element, "issuing_authority").text = _text(entry.get("authority"))
    _list(trial, "source_support", "source_name", irct.get("source_support"))
    reviews = etree.SubElement(trial, "ethics_reviews")
    for entry in irct.get("ethics_reviews", []) or [{}]:
        review = etree.SubElement(reviews, "ethics_review")
        etree.SubElement(review, "status").text = _text(entry.get("status"))
        etree.SubElement(review, "approval_date").text = _text(entry.get("approval_date"))
        committee = _text(entry.get("committee"))
        reference = _text(entry.get("reference"))
        # The DTD has no element for the approval code; IRCT shows it with the committee.
        name = f"{committee} (approval code {reference})" if committee and reference else committee or reference
        etree.SubElement(review, "contact_name").text = name
        etree.SubElement(review, "contact_address").text = _text(entry.get("address"))
        etree.SubElement(review, "contact_phone").text = _text(entry.get("phone"))
        etree.SubElement(review, "contact_email").text = _text(entry.get("email"))
    return built


def study_design(design: dict[str, Any]) -> str:
    """The design as IRCT writes it: "Randomization: …, Blinding: …, Placebo: …, Assignment: …, Purpose: …"."""
    parts = [(label, design.get(key)) for label, key in (
        ("Randomization", "randomization"), ("Blinding", "blinding"), ("Placebo", "placebo"),
        ("Assignment", "assignment"), ("Purpose", "purpose"))]  # fmt: skip
    return ", ".join(f"{label}: {value}" for label, value in parts if value)


def _screening(flow: dict[tuple[str, str], Any]) -> str:
    """Screened and not randomized, or, where the data hold no screen failures, that they are not in them (never
    a 0 that would say nobody failed screening)."""
    screened, excluded = flow.get(("Screened", TOTAL), 0), flow.get(("Not randomized", TOTAL), 0)
    if screened is NOT_COLLECTED:
        return "Screening: not in these data; "
    return f"Screened {screened}; not randomized {excluded}; "


def results_texts(data: ImportedTrial, results: AnalysisResults) -> dict[str, str]:
    """The results items, each a few plain sentences read off the analysis tables."""
    arms = list(results.arms)
    flow = {(r.category, r.arm): r.n for r in results["disposition"].rows}
    reasons = [(r.category, r.arm, r.n) for r in results["disposition"].rows if r.kind == "reason" and r.n and
               r.arm != TOTAL]  # fmt: skip
    randomized = flow.get(("Randomized", TOTAL), 0)
    flow_text = (
        _screening(flow) + f"randomized {randomized} ({_by_arm(flow, 'Randomized', arms)}); treated "
        f"{flow.get(('Treated', TOTAL), 0)} ({_by_arm(flow, 'Treated', arms)}); completed "
        f"{flow.get(('Completed', TOTAL), 0)} ({_by_arm(flow, 'Completed', arms)}); discontinued "
        f"{flow.get(('Discontinued', TOTAL), 0)}"
        + (" (" + "; ".join(f"{reason.lower()}: {n} {arm}" for reason, arm, n in reasons) + ")" if reasons else "")
        + f"; ongoing {flow.get(('Ongoing', TOTAL), 0)}."
    )
    base = {(r.characteristic, r.category, r.arm): r for r in results["baseline"].rows}
    baseline_parts = []
    for arm in [*arms, TOTAL]:
        n = results["baseline"].denominators.get(arm, 0)
        age = base.get(("Age", "", arm))
        female = base.get(("Sex", "Female", arm))
        text = f"{arm} (n={n})"
        if age is not None and age.mean is not None:
            text += f": age mean {age.mean:.1f} (SD {age.sd or 0:.1f}) years"
        if female is not None:
            text += f", female {female.n} ({female.percent or 0:.1f}%)"
        baseline_parts.append(text)
    overview = {(r.category, r.arm): r for r in results["ae_overview"].rows}
    ae_parts = []
    for category, label in (("Any TEAE", "any treatment-emergent AE"), ("Any serious TEAE", "serious AE"),
                            ("Deaths (any cause)", "deaths")):  # fmt: skip
        cells = ", ".join(
            f"{arm} {overview[(category, arm)].n_subjects}/{overview[(category, arm)].n_at_risk}"
            f" ({overview[(category, arm)].percent or 0:.1f}%)"
            for arm in arms
            if (category, arm) in overview
        )
        ae_parts.append(f"{'Deaths' if label == 'deaths' else 'Participants with ' + label}: {cells}.")
    serious_terms = sorted({r.pt for r in results["ae_registry_serious"].rows if r.n_affected})
    if serious_terms:
        ae_parts.append("Serious AEs: " + ", ".join(serious_terms) + ".")
    outcome_parts = [outcome_text(spec, results) for spec in parse_outcomes(data.definition.raw)]
    outcome_parts = [part for part in outcome_parts if part]
    safety_n = results["ae_overview"].denominators.get(TOTAL, 0)
    summary = (
        f"{randomized} participants were randomized ({_by_arm(flow, 'Randomized', arms)}) and "
        f"{flow.get(('Treated', TOTAL), 0)} treated. {ae_parts[0]} " + (outcome_parts[0] if outcome_parts else "")
    ).strip()
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - 1] + "…"
    return {
        "actual_enrolment": str(randomized),
        "flow": flow_text,
        "baseline": "Randomized participants. " + "; ".join(baseline_parts) + ".",
        "adverse_events": f"Safety population {safety_n} (treatment-emergent AEs, MedDRA). " + " ".join(ae_parts),
        "outcomes": " ".join(outcome_parts),
        "summary": summary,
    }


def outcome_text(spec: OutcomeSpec, results: AnalysisResults) -> str:
    """One outcome's results in words: each arm's estimate at each timepoint, then each comparison."""
    estimates = rows_of(results["outcome_estimates"].rows, spec) if "outcome_estimates" in results.tables else []
    comparisons = rows_of(results["outcome_comparison"].rows, spec)
    visits = list(dict.fromkeys(r.visit for r in (*estimates, *comparisons)))
    if not visits:
        return ""
    parts = []
    for visit in visits:
        arms = "; ".join(_arm_estimate(r) for r in estimates if r.visit == visit)
        compared = "; ".join(_comparison(c) for c in comparisons if c.visit == visit and c.estimate is not None)
        when = "" if visit == OVERALL else f"{visit}: "
        parts.append(when + ". ".join(x for x in (arms, compared) if x))
    method = next((r.method for r in (*comparisons, *estimates)), "")
    return f"{spec.outcome_type.capitalize()}: {spec.title}. " + ". ".join(parts) + (f" ({method})." if method else ".")


def _arm_estimate(r: ArmEstimateRow) -> str:
    if r.estimate_type == "Responders":
        return f"{r.arm} {r.n_events}/{r.n} ({r.estimate or 0:.1f}%)"
    if r.estimate is None:
        return f"{r.arm} {r.estimate_type.lower()} not reached (n {r.n}" + (
            f", {r.n_events} events)" if r.n_events is not None else ")"
        )
    text = f"{r.arm} {r.estimate_type} {r.estimate:.2f}"
    if r.estimate_type == "Count":
        text = f"{r.arm} {r.n_events} in {r.n} participants"
    elif r.std_error is not None and r.estimate_type == "LS mean":
        text += f" (SE {r.std_error:.2f})"
    elif r.sd is not None and r.estimate_type == "Mean":
        text += f" (SD {r.sd:.2f})"
    elif r.ci_low is not None and r.ci_high is not None:
        text += f" ({100 * r.ci_level:g}% CI {r.ci_low:.2f} to {r.ci_high:.2f})"
    return text + ("" if r.estimate_type == "Count" else f", n {r.n}")


def _comparison(c: ComparisonRow) -> str:
    interval = ""
    if c.ci_low is not None and c.ci_high is not None:
        interval = f" ({100 * c.ci_level:g}% CI {c.ci_low:.2f} to {c.ci_high:.2f})"
    versus = "trend over doses" if c.arm == TOTAL else f"{c.arm} vs {c.control}"
    estimate = f"{c.estimate:.2f}" if c.estimate is not None else "not estimated"
    return f"{c.estimate_type}, {versus}: {estimate}{interval}, p {_p(c.p_value)}"


def _by_arm(flow: dict[tuple[str, str], int], category: str, arms: Sequence[str]) -> str:
    return ", ".join(f"{arm} {flow.get((category, arm), 0)}" for arm in arms)


def _outcome_line(spec: Any) -> str:
    line = spec.title
    if spec.time_frame:
        line += f". Timepoint: {spec.time_frame}"
    return line + "."


def _list(trial: etree._Element, container: str, item: str, values: Sequence[Any] | None) -> None:
    """A repeating container, sent with one empty child when there is nothing (WHO's note of 16-10-2008)."""
    parent = etree.SubElement(trial, container)
    for value in list(values or []) or [""]:
        etree.SubElement(parent, item).text = _text(value)


def _phase(phase: str | None) -> str:
    return phase or "N/A"


def _p(value: float | None) -> str:
    if value is None:
        return "not computed"
    return "<0.001" if value < 0.001 else f"= {value:.3f}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
