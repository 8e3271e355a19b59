"""What makes an AE related, leading to discontinuation or fatal: the rules every table applies."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from service.importing.records import AdverseEventRecord

# CDISC AEACN: the study treatment was stopped because of the event.
DISCONTINUATION_ACTIONS = {"DRUG WITHDRAWN", "DRUG DISCONTINUED", "TREATMENT DISCONTINUED", "PERMANENTLY DISCONTINUED"}
_NOT_RELATED = ("NOT", "UNLIKELY", "UNRELATED", "NONE")

RELATED_RULE = (
    "Related: causality assessed as anything but not related or unlikely related; a missing assessment counts as "
    "related (conservative, as the FDA Standard Safety Tables guide advises)."
)
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


# A trial has a handful of distinct causality, action and outcome texts but may have a million events.
@cache
def related_text(relationship: str | None) -> bool:
    value = (relationship or "").strip().upper()
    if value in ("N", "NO"):
        return False
    return not any(word in value for word in _NOT_RELATED)


@cache
def discontinuation_action(action: str | None) -> bool:
    return (action or "").strip().upper() in DISCONTINUATION_ACTIONS


@cache
def fatal_outcome(outcome: str | None) -> bool:
    return (outcome or "").strip().upper() == "FATAL"


def serious_criteria_text(event: AdverseEventRecord) -> str:
    return "; ".join(name for name, applies in SERIOUS_CRITERIA if applies(event))
