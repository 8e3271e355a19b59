"""Exposure to study treatment: administrations, duration and follow-up, per arm of the safety population."""

from __future__ import annotations

import statistics
from collections import Counter

from service.importing.records import ImportedTrial
from service.results import NOT_COLLECTED, TOTAL, ExposureRow
from service.safety.population import SafetySet
from service.safety.rates import DAYS_PER_YEAR, end_of_observation

EXPOSURE_RULES = (
    "Administrations: exposure records (one per dose given). Duration: first to last dose, inclusive, in days.",
    "Follow-up: first dose to the end of observation (the end of study participation: ADaM EOSDT or RFENDT, SDTM "
    "RFENDTC, the bundle's disposition date; else death; else the data cut-off), summed over participants, in "
    "years of 365.25 days.",
)


def summarise_exposure(data: ImportedTrial, safety: SafetySet) -> tuple[ExposureRow, ...]:
    doses = Counter(x.subject_id for x in data.exposures if x.subject_id in safety.arm_of)
    collected = bool(data.exposures)  # no exposure records at all (no EX, no exposure.csv): not collected
    rows = []
    for arm in safety.columns:
        members = [p for s, p in safety.participants.items() if arm == TOTAL or safety.arm_of[s] == arm]
        given = [doses[p.subject_id] for p in members]
        durations = [
            (p.last_dose_date - p.first_dose_date).days + 1
            for p in members
            if p.first_dose_date is not None and p.last_dose_date is not None
        ]
        follow_up = 0
        for person in members:
            end = end_of_observation(person, safety.data_cutoff)
            if person.first_dose_date is not None and end is not None and end >= person.first_dose_date:
                follow_up += (end - person.first_dose_date).days + 1
        rows.append(
            ExposureRow(
                arm=arm,
                n_treated=len(members),
                n_administrations=sum(given) if collected else NOT_COLLECTED,
                administrations_mean=statistics.fmean(given) if given and collected else None,
                administrations_min=min(given) if given and collected else None,
                administrations_max=max(given) if given and collected else None,
                duration_days_median=float(statistics.median(durations)) if durations else None,
                duration_days_min=min(durations) if durations else None,
                duration_days_max=max(durations) if durations else None,
                follow_up_years=follow_up / DAYS_PER_YEAR,
            )
        )
    return tuple(rows)
