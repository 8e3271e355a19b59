"""Exposure-adjusted incidence rates: participants with a first event per 100 participant-years at risk."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from service.importing.records import ParticipantRecord
from service.results import TOTAL, RateRow
from service.safety.counts import ANY, Key, order_terms_by_name
from service.safety.population import SafetySet
from service.stats import poisson_rate

DAYS_PER_YEAR = 365.25
RATE_RULE = (
    "Time at risk runs from the first dose to the first event in the category, or for participants without one "
    "to the end of observation (the end of study participation: ADaM EOSDT or RFENDT, SDTM RFENDTC, the bundle's "
    "disposition date; else death; else the data cut-off, and never past it); rate = participants with an event "
    "per 100 participant-years, with its exact (Garwood, chi-square) Poisson 95% CI."
)


def end_of_observation(person: ParticipantRecord, data_cutoff: date | None) -> date | None:
    """The last day a participant is observed: the end of study participation, else the disposition date, else
    death, else the data cut-off; never past the cut-off."""
    end = person.study_end_date or person.disposition_date or person.death_date or data_cutoff
    return min(end, data_cutoff) if end is not None and data_cutoff is not None else end


def summarise_incidence_rates(safety: SafetySet) -> tuple[RateRow, ...]:
    """Only participants whose first dose and end of observation are known contribute."""
    observed: dict[str, tuple[date, int]] = {}
    for subject, person in safety.participants.items():
        end = end_of_observation(person, safety.data_cutoff)
        if person.first_dose_date is not None and end is not None and end >= person.first_dose_date:
            observed[subject] = (person.first_dose_date, (end - person.first_dose_date).days + 1)
    frame = safety.frame
    frame = frame[frame["subject"].isin(list(observed)).to_numpy()]
    full = frame["subject"].map({s: days for s, (_, days) in observed.items()}).astype(float).to_numpy()
    first_dose = pd.to_datetime(frame["subject"].map({s: first for s, (first, _) in observed.items()}).astype(object))
    # The event's study day (day 1 = first dose), kept within the observation; an unknown onset counts as day 1.
    day = ((frame["start"] - first_dose).dt.days + 1).fillna(1).to_numpy(dtype=float)
    events = frame[["subject", "arm", "soc", "pt"]].assign(day=np.minimum(np.maximum(day, 1), full), full=full)
    per_term = _first_day(events.groupby(["subject", "arm", "soc", "pt"], observed=True))
    per_soc = _first_day(per_term.groupby(level=["subject", "arm", "soc"], observed=True))
    per_subject = _first_day(per_term.groupby(level=["subject", "arm"], observed=True))
    # Participants with a first event, and the days after it (no longer at risk), per key and arm.
    n: dict[tuple[Key, str], int] = {}
    lost: dict[tuple[Key, str], float] = {}
    for table, by, key_of in (
        (per_term, ["soc", "pt", "arm"], lambda g: ("pt", g[0], g[1])),
        (per_soc, ["soc", "arm"], lambda g: ("soc", g[0], "")),
        (per_subject, ["arm"], lambda g: ANY),
    ):
        summary = (table["full"] - table["day"]).groupby(level=by, observed=True).agg(["size", "sum"])
        for group, (count, days) in zip(summary.index, summary.to_numpy(), strict=True):
            parts = group if isinstance(group, tuple) else (group,)
            n[(key_of(parts), parts[-1])] = int(count)
            lost[(key_of(parts), parts[-1])] = float(days)
    full_days: dict[str, float] = defaultdict(float)
    for subject, (_, days) in observed.items():
        full_days[safety.arm_of[subject]] += days
    keys = order_terms_by_name((soc, pt) for (_, _, soc, pt) in per_term.index)
    rows = []
    for key in keys:
        counts = {arm: n.get((key, arm), 0) for arm in safety.arms}
        days = {arm: full_days[arm] - lost.get((key, arm), 0.0) for arm in safety.arms}
        counts[TOTAL], days[TOTAL] = sum(counts.values()), sum(days.values())
        for arm in safety.columns:
            years = days[arm] / DAYS_PER_YEAR
            rate = poisson_rate(counts[arm], years) if years > 0 else None
            rows.append(
                RateRow(
                    key[0],
                    key[1],
                    key[2],
                    arm,
                    counts[arm],
                    years,
                    rate.value if rate else None,
                    rate.low if rate else None,
                    rate.high if rate else None,
                )
            )
    return tuple(rows)


def _first_day(groups: Any) -> pd.DataFrame:
    """Per group: the first day with an event, and the participant's days of observation."""
    return groups.agg(day=("day", "min"), full=("full", "first"))
