"""What makes an AE lead to discontinuation or death: the rules every table applies (seriousness and
relatedness, which the trial may set, are in service.safety.rules)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from service.importing.records import AdverseEventRecord, ParticipantRecord

# CDISC AEACN: the study treatment was stopped because of the event.
DISCONTINUATION_ACTIONS = {"DRUG WITHDRAWN", "DRUG DISCONTINUED", "TREATMENT DISCONTINUED", "PERMANENTLY DISCONTINUED"}
DISCONTINUATION_RULE = "Leading to discontinuation: action taken with study treatment = drug withdrawn."
FATAL_RULE = "Leading to death: outcome fatal, CTCAE grade 5, or seriousness criterion death."

SERIOUS_CRITERIA: tuple[tuple[str, Callable[[AdverseEventRecord], bool]], ...] = (
    ("results in death", lambda e: e.serious_death),
    ("life-threatening", lambda e: e.serious_life_threatening),
    ("requires or prolongs hospitalisation", lambda e: e.serious_hospitalization),
    ("persistent or significant disability", lambda e: e.serious_disability),
    ("congenital anomaly or birth defect", lambda e: e.serious_congenital_anomaly),
    ("other medically important event", lambda e: e.serious_other),
)


def leads_to_discontinuation(event: AdverseEventRecord) -> bool:
    return discontinuation_action(event.action_taken)


def is_fatal(event: AdverseEventRecord) -> bool:
    return fatal_outcome(event.outcome) or event.ctcae_grade == 5 or event.serious_death


# The coded reason for discontinuing that means an adverse event (CDISC NCIt C66727 ADVERSE EVENT; ADSL DCSREAS,
# the CDISC pilot's DCREASCD "Adverse Event", SDTM DS DSDECOD).
AE_REASONS = {"ADVERSE EVENT", "ADVERSE EVENTS", "AE"}


def discontinued_for_adverse_event(person: ParticipantRecord) -> bool:
    """The participant discontinued, and the coded reason is an adverse event (ADaM imports also set it from
    DSRAEFL = Y)."""
    reason = " ".join((person.disposition_reason or "").upper().split())
    return person.disposition == "discontinued" and reason in AE_REASONS


# A trial has a handful of distinct action and outcome texts but may have a million events.
@cache
def discontinuation_action(action: str | None) -> bool:
    return (action or "").strip().upper() in DISCONTINUATION_ACTIONS


@cache
def fatal_outcome(outcome: str | None) -> bool:
    return (outcome or "").strip().upper() == "FATAL"


def serious_criteria_text(event: AdverseEventRecord) -> str:
    return "; ".join(name for name, applies in SERIOUS_CRITERIA if applies(event))
