"""The AE overview (FDA Standard Safety Tables, 'Overview of adverse events')."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from service.importing.records import AdverseEventRecord
from service.results import TOTAL, OverviewRow
from service.safety.categories import (
    SERIOUS_CRITERIA,
    is_fatal,
    is_grade_3_or_more,
    is_related,
    leads_to_discontinuation,
)
from service.safety.population import SafetySet
from service.stats import percent

DEATHS = "Deaths (any cause)"


def summarise_ae_overview(safety: SafetySet) -> tuple[OverviewRow, ...]:
    categories: list[tuple[str, Callable[[AdverseEventRecord], bool]]] = [
        ("Any TEAE", lambda e: True),
        ("Any serious TEAE", lambda e: e.serious),
        *((f"Serious TEAE: {name}", lambda e, c=criterion: e.serious and c(e)) for name, criterion in SERIOUS_CRITERIA),
        ("Any related TEAE", is_related),
        ("Any TEAE of CTCAE grade 3 or higher", is_grade_3_or_more),
        ("TEAE leading to discontinuation of study treatment", leads_to_discontinuation),
        ("TEAE leading to death", is_fatal),
    ]
    rows = []
    arm_of = safety.arm_of
    for name, applies in categories:
        matched = [event.subject_id for event in safety.events if applies(event)]
        events = Counter(arm_of[subject] for subject in matched)
        subjects = Counter(arm_of[subject] for subject in set(matched))
        rows.extend(_rows(name, {a: subjects[a] for a in safety.arms}, {a: events[a] for a in safety.arms}, safety))
    dead = _deaths(safety)
    rows.extend(_rows(DEATHS, dead, dead, safety))
    return tuple(rows)


def count_deaths(safety: SafetySet) -> dict[str, int]:
    return _deaths(safety)


def _deaths(safety: SafetySet) -> dict[str, int]:
    """Participants who died, whatever the cause or timing: a death date, or any AE with a fatal outcome."""
    fatal = {e.subject_id for e in safety.all_events if is_fatal(e)}
    counts = dict.fromkeys(safety.arms, 0)
    for subject, person in safety.participants.items():
        if person.death_date is not None or subject in fatal:
            counts[safety.arm_of[subject]] += 1
    return counts


def _rows(name: str, subjects: dict[str, int], events: dict[str, int], safety: SafetySet) -> list[OverviewRow]:
    totals = {**subjects, TOTAL: sum(subjects.values())}
    event_totals = {**events, TOTAL: sum(events.values())}
    return [
        OverviewRow(
            name, arm, totals[arm], event_totals[arm], safety.at_risk[arm], percent(totals[arm], safety.at_risk[arm])
        )
        for arm in safety.columns
    ]
