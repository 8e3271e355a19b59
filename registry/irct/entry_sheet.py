"""The IRCT entry sheet: what to type into IRCT's web form, field by field in the form's order, in English and,
where the definition gives it, Persian (rendered right to left with the shipped DejaVu Sans, which has the
Persian letters)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from service.importing.records import ImportedTrial

Row = tuple[str, str, str]


def entry_sheet_context(
    record: etree._Element, data: ImportedTrial, snapshot_id: int | None, data_cutoff: str
) -> dict[str, Any]:
    irct: dict[str, Any] = data.definition.raw.get("irct", {})
    trial = record.find("trial")
    assert trial is not None

    def main(tag: str) -> str:
        return trial.findtext(f"main/{tag}") or ""

    def items(path: str) -> str:
        return "; ".join(t for t in (e.text or "" for e in trial.iterfind(path)) if t)

    def fa(key: str) -> str:
        return str(irct.get(key, ""))

    contacts: list[Row] = []
    for contact in trial.iterfind("contacts/contact"):
        name = _joined(contact, ("firstname", "middlename", "lastname"), " ")
        details = _joined(contact, ("affiliation", "address", "city", "country1", "zip", "telephone", "email"))
        contacts.append((f"{contact.findtext('type') or 'Contact'} contact", f"{name}; {details}", ""))
    ethics: list[Row] = []
    for review in trial.iterfind("ethics_reviews/ethics_review"):
        ethics += [
            ("Ethics committee", review.findtext("contact_name") or "", ""),
            (
                "Approval status and date",
                f"{review.findtext('status') or ''}, {review.findtext('approval_date') or ''}",
                "",
            ),
            ("Committee contact", _joined(review, ("contact_address", "contact_phone", "contact_email")), ""),
        ]
    sections: list[tuple[str, list[Row]]] = [
        ("Titles", [
            ("Public title", main("public_title"), fa("public_title_fa")),
            ("Scientific title", main("scientific_title"), fa("scientific_title_fa")),
            ("Acronym", main("acronym"), ""),
        ]),
        ("Registration", [
            ("IRCT registration number", main("trial_id"), ""),
            ("Registration date", main("date_registration"), ""),
            ("Secondary IDs", "; ".join(f"{s.findtext('sec_id')} ({s.findtext('issuing_authority')})"
                                        for s in trial.iterfind("secondary_ids/secondary_id")), ""),
        ]),
        ("Study design", [
            ("Study type", main("study_type"), ""),
            ("Design", main("study_design"), ""),
            ("Phase", main("phase"), ""),
        ]),
        ("Recruitment", [
            ("Recruitment status", main("recruitment_status"), ""),
            ("Enrolment start", main("date_enrolment"), ""),
            ("Target sample size", main("target_size"), ""),
            ("Countries", items("countries/country2"), ""),
        ]),
        ("Participants", [
            ("Inclusion criteria", trial.findtext("criteria/inclusion_criteria") or "", ""),
            ("Exclusion criteria", trial.findtext("criteria/exclusion_criteria") or "", ""),
            ("Age", f"{trial.findtext('criteria/agemin') or ''} to {trial.findtext('criteria/agemax') or ''}", ""),
            ("Gender", trial.findtext("criteria/gender") or "", ""),
        ]),
        ("Conditions and interventions", [
            ("Condition", main("hc_freetext"), ""),
            ("Condition codes", items("health_condition_code/hc_code"), ""),
            ("Condition keywords", items("health_condition_keyword/hc_keyword"), ""),
            ("Interventions", main("i_freetext"), ""),
            ("Intervention codes", items("intervention_code/i_code"), ""),
        ]),
        ("Outcomes", [("Primary outcome", e.text or "", "") for e in trial.iterfind("primary_outcome/prim_outcome")]
         + [("Secondary outcome", e.text or "", "") for e in trial.iterfind("secondary_outcome/sec_outcome")]),
        ("Sponsors and support", [
            ("Primary sponsor", main("primary_sponsor"), ""),
            ("Secondary sponsors", items("secondary_sponsor/sponsor_name"), ""),
            ("Source of support", items("source_support/source_name"), ""),
        ]),
        ("Ethics", ethics),
        ("Contacts", contacts),
        ("Results", [
            ("Actual enrolment", main("results_actual_enrolment"), ""),
            ("Date completed", main("results_date_completed"), ""),
            ("Results summary", main("results_summary"), fa("results_summary_fa")),
            ("Baseline characteristics", main("results_baseline_char"), ""),
            ("Participant flow", main("results_participant_flow"), ""),
            ("Adverse events", main("results_adverse_events"), ""),
            ("Outcome measures", main("results_outcome_measures"), ""),
            ("Results URL", main("results_url_link"), ""),
            ("Date results posted", main("results_date_posted"), ""),
            ("Date of first publication", main("results_date_first_publication"), ""),
            ("Protocol URL", main("results_url_protocol"), ""),
            ("IPD sharing plan", main("results_IPD_plan"), ""),
            ("IPD description", main("results_IPD_description"), ""),
        ]),
    ]  # fmt: skip
    return {
        "trial_id": main("trial_id"),
        "title": main("public_title"),
        "snapshot_id": snapshot_id,
        "data_cutoff": data_cutoff,
        "sections": sections,
    }


def _joined(element: etree._Element, children: tuple[str, ...], separator: str = ", ") -> str:
    """The texts of those children that have one, in order."""
    return separator.join(t for t in (element.findtext(child) for child in children) if t)
