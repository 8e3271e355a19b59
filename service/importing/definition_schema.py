"""Every section and key trial.toml may hold, with the kind and range of its value (README, 'The trial definition').

A key whose rule needs more than its own value (a method that must suit the variable, a comparison that names arms)
is `anything` here and checked by its section's parser (service.outcomes.definition, service.monitoring.plan, …),
which parse_definition runs too; here are the keys no parser reads closely (registry texts and dates) and the ranges
of plain numbers. A test checks that this list and the README's are the same.
"""

from __future__ import annotations

from service.labs.vitals_options import VITALS
from service.strictkeys import (
    Spec,
    Table,
    Tables,
    a_date,
    anything,
    boolean,
    number,
    one_of,
    text,
    text_table,
    texts,
    whole,
)

PARSED = anything("as its section's parser reads it")
# Plausible sizes: no trial has randomized ten million, waited ten years after the last dose for an AE to count
# as treatment-emergent, or given a dose that is not a finite number.
MAX_PARTICIPANTS = 10_000_000
MAX_DOSE = 1e15

TRIAL = Table(
    {
        "title": text(),
        "public_title": text(),
        "acronym": text(),
        "phase": text(),
        "nct_id": text(),
        "irct_id": text(),
        "study_id": text(),
        "sponsor": text(),
        "condition": text(),
        "status": text(),
        "target_enrollment": whole(1, MAX_PARTICIPANTS),
        "data_cutoff": a_date(),
        "teae_window_days": whole(0, 3650),
        "enrollment_start": a_date(),
        "enrollment_end": a_date(),
        "primary_completion_date": a_date(),
        "completion_date": a_date(),
    }
)
ARMS = Tables(
    {
        "code": text(),
        "label": text(),
        "type": PARSED,
        "description": text(),
        "control": PARSED,
        "dose": number(0, MAX_DOSE),
    }
)
SAFETY = Table(
    {
        "other_ae_threshold_percent": PARSED,
        "sex_specific_terms": PARSED,
        "soc_order": PARSED,
        "safety_arm": PARSED,
        "seriousness": PARSED,
        "related": PARSED,
        "meddra_version": text(),
        "ctcae_version": text(),
        "death_window_days": whole(0, 3650),
        "common_ae_percent": number(0, 100, open_low=True),
        "subgroups": PARSED,
        "age_groups": PARSED,
        "special_interest": Tables(
            {
                "name": text(),
                "terms": texts(),
                "level": one_of("pt", "llt", "hlt", "hlgt"),
                "variable": PARSED,
                "scope": one_of("narrow", "broad"),
            }
        ),
    }
)
FLOW = Table({"periods": Tables({"title": PARSED, "completed": text(), "milestones": PARSED})})
OUTCOMES = Tables(
    {
        "parameter": PARSED,
        "dataset": text(),
        "title": text(),
        "type": PARSED,
        "description": text(),
        "time_frame": text(),
        "population": text(),
        "records": text(),
        "timepoints": PARSED,
        "timepoint": PARSED,
        "variable": PARSED,
        "responder": PARSED,
        "method": PARSED,
        "adjust": PARSED,
        "factors": PARSED,
        "comparisons": PARSED,
        "dose_response": PARSED,
        "ci_level": PARSED,
        "ci_method": PARSED,
        "test": PARSED,
        "margin": number(0, MAX_DOSE, open_low=True),
        "direction": PARSED,
        "sides": PARSED,
        "scale": PARSED,
        "dispersion": PARSED,
        "covariance": PARSED,
        "df": PARSED,
        "estimation": PARSED,
        "fallback": PARSED,
        "by_visit": PARSED,
        "count": boolean(),
        "key_secondary": boolean(),
        "results": PARSED,
        "results_file": PARSED,
    }
)
BASELINE = Tables({"parameter": PARSED, "variable": PARSED, "title": text(), "type": PARSED, "dispersion": PARSED})
MONITORING = Table(
    {
        "outcome": PARSED,
        "comparison": PARSED,
        "alpha_split": PARSED,
        "spending": PARSED,
        "gamma": PARSED,
        "alpha": PARSED,
        "sides": PARSED,
        "direction": PARSED,
        "maximum_information": PARSED,
        "planned_fractions": PARSED,
        "power": PARSED,
        "futility_conditional_power": PARSED,
        "futility_spending": PARSED,
        "futility_gamma": PARSED,
        "looks": Tables({"date": PARSED, "snapshot": PARSED, "information_fraction": PARSED, "observed_z": PARSED}),
    }
)
MULTIPLICITY = Tables(
    {
        "name": text(),
        "method": PARSED,
        "hypotheses": Tables({"outcome": PARSED, "comparison": PARSED, "timepoint": PARSED}),
        "weights": PARSED,
        "transitions": PARSED,
    }
)
LABS = Table(
    {
        "records": one_of("ANL01FL", "ONTRTFL"),
        "liver": Table({"alt": text(), "ast": text(), "bilirubin": text(), "alp": text()}),
        "criteria": Tables(
            {
                "parameter": text(),
                "above_uln": number(0, MAX_DOSE, open_low=True),
                "below_lln": number(0, MAX_DOSE, open_low=True),
                "above": number(-MAX_DOSE, MAX_DOSE),
                "below": number(-MAX_DOSE, MAX_DOSE),
                "grade": whole(1, 5),
            }
        ),
    }
)
RANDOMIZATION_DATE = Table({"randomization_date": PARSED})
IRCT_TEXTS = (
    "type_enrolment", "recruitment_status", "study_type", "url", "utrn", "scientific_acronym", "hc_freetext",
    "i_freetext", "inclusion_criteria", "exclusion_criteria", "agemin", "agemax", "gender", "results_summary",
    "results_url_link", "results_url_protocol", "ipd_plan", "ipd_description", "public_title_fa",
    "scientific_title_fa", "results_summary_fa",
)  # fmt: skip
IRCT_LISTS = ("countries", "hc_codes", "hc_keywords", "i_codes", "i_keywords", "secondary_sponsors", "source_support")
IRCT_DATES = ("date_registration", "date_enrolment", "date_completed", "results_date_posted",
              "results_date_first_publication")  # fmt: skip
IRCT_CONTACT = ("type", "firstname", "middlename", "lastname", "address", "city", "country", "zip", "telephone",
                "email", "affiliation")  # fmt: skip
IRCT = Table(
    {
        **{key: text() for key in IRCT_TEXTS},
        **{key: texts() for key in IRCT_LISTS},
        **{key: a_date() for key in IRCT_DATES},
        # WHO: summary results within 12 months of primary completion, publication within 24 of completion.
        "results_within_months": whole(1, 120),
        "publication_within_months": whole(1, 120),
        "design": Table({key: text() for key in ("randomization", "blinding", "placebo", "assignment", "purpose")}),
        "contacts": Tables({key: text() for key in IRCT_CONTACT}),
        "ethics_reviews": Tables(
            {
                "status": one_of("Approved", "Not approved", "NA"),
                "committee": text(),
                "approval_date": a_date(),
                "reference": text(),
                "address": text(),
                "phone": text(),
                "email": text(),
            }
        ),
        "secondary_ids": Tables({"id": text(), "authority": text()}),
    }
)
CTGOV_TEXTS = ("limitations_and_caveats", "ae_time_frame", "ae_description", "recruitment_details",
               "pre_assignment_details")  # fmt: skip
CTGOV_DATES = ("results_submitted", "secondary_results_submitted", "certification_date", "approval_date",
               "extension_granted_until")  # fmt: skip
ASSESSMENT_TYPES = ("Systematic Assessment", "Non-systematic Assessment")  # PRS reportedEvents assessmentType
YES_NO = one_of("Yes", "No")
CTGOV = Table(
    {
        **{key: text() for key in CTGOV_TEXTS},
        **{key: a_date() for key in CTGOV_DATES},
        "ae_assessment_type": one_of(*ASSESSMENT_TYPES),
        "term_assessment_types": text_table(),
        "term_vocabularies": text_table(),
        "applicable_clinical_trial": boolean(),
        "point_of_contact": Table(
            {key: text() for key in ("title", "organization", "email", "phone", "phone_extension")}
        ),
        "certain_agreement": Table(
            {
                "pi_sponsor_employee": YES_NO,
                "restrictive_agreement": YES_NO,
                "restriction_type": text(),
                "other_details": text(),
            }
        ),
    }
)

TRIAL_TOML: dict[str, Spec] = {
    "trial": TRIAL,
    "arms": ARMS,
    "safety_arm": PARSED,  # also accepted under [safety]
    "safety": SAFETY,
    "vitals": VITALS,
    "flow": FLOW,
    "disposition": Table({"fisher": boolean()}),
    "efficacy": Table({"after_death_or_withdrawal": one_of("exclude", "include")}),
    "outcomes": OUTCOMES,
    "baseline": BASELINE,
    "monitoring": MONITORING,
    "multiplicity": MULTIPLICITY,
    "labs": LABS,
    "adam": RANDOMIZATION_DATE,
    "sdtm": RANDOMIZATION_DATE,
    "bundle": RANDOMIZATION_DATE,
    "irct": IRCT,
    "ctgov": CTGOV,
}
