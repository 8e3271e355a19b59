"""Exposure-adjusted incidence rates: participants with a first event per 100 participant-years at risk."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from service.results import TOTAL, RateRow
from service.safety.counts import ANY, Key
from service.safety.population import SafetySet
from service.safety.soc_order import soc_sort_key
from service.stats import poisson_rate

DAYS_PER_YEAR = 365.25
RATE_RULE = (
    "Time at risk runs from the first dose to the first event in the category, or for participants without one "
    "to the end of observation (disposition date, else death, else the data cut-off); rate = participants with "
    "an event per 100 participant-years, with an exact Poisson 95% CI."
)


def summarise_incidence_rates(safety: SafetySet) -> tuple[RateRow, ...]:
    """Only participants whose first dose and end of observation are known contribute."""
    observed: dict[str, tuple[date, int]] = {}
    for subject, person in safety.participants.items():
        end = person.disposition_date or person.death_date or safety.data_cutoff
        if person.first_dose_date is not None and end is not None and end >= person.first_dose_date:
            observed[subject] = (person.first_dose_date, (end - person.first_dose_date).days + 1)
    per_term: dict[tuple[str, str, str], int] = {}
    for event in safety.events:
        if event.subject_id not in observed:
            continue
        start, full = observed[event.subject_id]
        day = max(1, min(full, (event.start_date - start).days + 1)) if event.start_date else 1
        term = (event.subject_id, event.soc_name, event.pt_name)
        if day < per_term.get(term, full + 1):
            per_term[term] = day
    first_event: dict[Key, dict[str, int]] = defaultdict(dict)
    for (subject, soc_name, pt_name), day in per_term.items():
        first_event[("pt", soc_name, pt_name)][subject] = day
        for key in (("soc", soc_name, ""), ANY):
            if day < first_event[key].get(subject, day + 1):
                first_event[key][subject] = day
    full_days: dict[str, int] = defaultdict(int)
    for subject, (_, days) in observed.items():
        full_days[safety.arm_of[subject]] += days
        full_days[TOTAL] += days
    keys = [ANY]
    for soc in sorted((k for k in first_event if k[0] == "soc"), key=lambda k: soc_sort_key(k[1])):
        keys.append(soc)
        keys.extend(sorted((k for k in first_event if k[0] == "pt" and k[1] == soc[1]), key=lambda k: k[2].casefold()))
    rows = []
    for key in keys:
        n: dict[str, int] = defaultdict(int)
        saved: dict[str, int] = defaultdict(int)  # days not at risk after the first event
        for subject, day in first_event.get(key, {}).items():
            arm = safety.arm_of[subject]
            lost = observed[subject][1] - day
            for column in (arm, TOTAL):
                n[column] += 1
                saved[column] += lost
        for arm in safety.columns:
            years = (full_days[arm] - saved[arm]) / DAYS_PER_YEAR
            rate = poisson_rate(n[arm], years) if years > 0 else None
            rows.append(
                RateRow(
                    key[0],
                    key[1],
                    key[2],
                    arm,
                    n[arm],
                    years,
                    rate.value if rate else None,
                    rate.low if rate else None,
                    rate.high if rate else None,
                )
            )
    return tuple(rows)
