"""Listings a DSMB reads record by record: serious AEs, deaths, AEs leading to discontinuation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from service.importing.records import AdverseEventRecord, ImportedTrial
from service.results import DeathRow, ListingRow
from service.safety.categories import leads_to_discontinuation, serious_criteria_text
from service.safety.deaths import DEFAULT_WINDOW_DAYS, derive_deaths
from service.safety.population import safety_arm_codes
from service.safety.rules import SafetyRules, read_safety_rules

NOT_RANDOMIZED = "Not randomized"


def list_serious_events(data: ImportedTrial, rules: SafetyRules | None = None) -> tuple[ListingRow, ...]:
    """Every serious AE as trial.toml's [safety] seriousness decides it (default: AESER as given)."""
    rules = rules or read_safety_rules(data.definition.raw)
    return _listing(data, rules.is_serious, rules)


def list_discontinuation_events(data: ImportedTrial) -> tuple[ListingRow, ...]:
    return _listing(data, leads_to_discontinuation)


def list_deaths(data: ImportedTrial, window: int = DEFAULT_WINDOW_DAYS) -> tuple[DeathRow, ...]:
    """Every participant who died (service.safety.deaths: date, cause and timing), by date of death."""
    arm_of = _arms(data)
    deaths = derive_deaths(data, window)
    rows = []
    for person in data.participants:
        death = deaths.get(person.subject_id)
        if death is None:
            continue
        rows.append(
            DeathRow(
                person.subject_id,
                arm_of.get(person.subject_id, NOT_RANDOMIZED),
                death.death_date,
                study_day(death.death_date, person.first_dose_date),
                death.cause,
                person.age,
                person.sex,
                death.days_after_last_dose,
                death.timing,
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.death_date or date.max, r.subject_id)))


def study_day(when: date | None, first_dose: date | None) -> int | None:
    """CDISC study day: the first dose is day 1 and there is no day 0."""
    if when is None or first_dose is None:
        return None
    days = (when - first_dose).days
    return days + 1 if days >= 0 else days


def _arms(data: ImportedTrial) -> dict[str, str]:
    labels = data.arm_labels
    return {subject: labels[code] for subject, code in safety_arm_codes(data).items()}


def _listing(
    data: ImportedTrial, applies: Callable[[AdverseEventRecord], bool], rules: SafetyRules | None = None
) -> tuple[ListingRow, ...]:
    serious = (rules or read_safety_rules(data.definition.raw)).is_serious
    arm_of = _arms(data)
    first_dose = {p.subject_id: p.first_dose_date for p in data.participants}
    rows = [
        ListingRow(
            subject_id=e.subject_id,
            arm=arm_of.get(e.subject_id, NOT_RANDOMIZED),
            seq=e.seq,
            soc=e.soc_name,
            pt=e.pt_name,
            verbatim=e.verbatim,
            start_date=e.start_date,
            start_date_imputation=e.start_date_imputation,
            end_date=e.end_date,
            study_day=study_day(e.start_date, first_dose.get(e.subject_id)),
            ctcae_grade=e.ctcae_grade,
            severity=e.severity,
            serious=serious(e),
            serious_criteria=serious_criteria_text(e),
            relationship=e.relationship,
            action_taken=e.action_taken,
            outcome=e.outcome,
        )
        for e in data.adverse_events
        if applies(e)
    ]
    return tuple(sorted(rows, key=lambda r: (r.arm, r.subject_id, r.start_date or date.max, r.seq)))
