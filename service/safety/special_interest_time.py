"""Time to the first AE of special interest, by group and arm (Kaplan–Meier; FDA Standard Safety Tables and
Figures IG v2.0, time to first event of special interest). The closed edition's: by arm only.

The rule, in order:
1. the time origin is the participant's first dose (day 0); a participant without one is left out (a note says how
   many);
2. a participant with a treatment-emergent event of the group has the event at the start of the first (days from the
   first dose, 0 if it started before it); one whose events of the group all lack a start date is left out;
3. everyone else is censored at the end of observation: the earliest of the end of study participation (ADaM EOSDT,
   SDTM RFENDTC, else the disposition date), death, the data cut-off and, where the trial sets a
   treatment-emergent window, the last dose plus the window; with none of these, the last dose.

Example: first dose 1 March, hypoglycaemia on 11 March: an event at day 10. No event, study ended 30 June: censored at
day 121.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from service.importing.records import ParticipantRecord
from service.results import TOTAL, KaplanMeierRow
from service.safety.kaplan_meier import kaplan_meier_rows, median_time
from service.safety.population import SafetySet
from service.safety.special_interest import SpecialInterestGroup, in_group
from service.safety.special_interest_rows import SpecialInterestTimeRow

DAYS = (30, 90, 180, 365)
TIME_RULE = (
    "Time to the first event: days from the first dose (day 0) to the start of the first treatment-emergent event of "
    "the group; participants without one are censored at the end of observation, the earliest of the end of study "
    "participation, death, the data cut-off{window} (else the last dose). %: Kaplan–Meier estimate of the "
    "percentage with an event by the day, with its 95% confidence interval (Greenwood's variance on the log scale, "
    "as R survival's default); — beyond the arm's last time observed. Median: days, Kaplan–Meier; NR: not reached."
)


def time_rule(window_days: int | None) -> str:
    window = f" and the last dose plus {window_days} days (the treatment-emergent window)" if window_days else ""
    return TIME_RULE.format(window=window)


def time_to_first_event(
    group: SpecialInterestGroup, safety: SafetySet, window_days: int | None
) -> dict[str, tuple[list[float], list[bool]]]:
    """Per arm (and Total): each analysed participant's time in days and whether it is an event."""
    frame = safety.frame
    events = frame[in_group(group, frame)]
    starts = events.dropna(subset=["start"]).groupby("subject", observed=True)["start"].min()
    undated = set(events["subject"].astype(str)) - {str(s) for s in starts.index}
    by_arm: dict[str, tuple[list[float], list[bool]]] = {arm: ([], []) for arm in safety.columns}
    for subject, person in safety.participants.items():
        first = person.first_dose_date
        if first is None or subject in undated:
            continue
        if subject in starts.index:
            time, event = max(0, (starts[subject].date() - first).days), True
        else:
            time, event = max(0, (_end_of_observation(person, safety.data_cutoff, window_days) - first).days), False
        for arm in (safety.arm_of[subject], TOTAL):
            by_arm[arm][0].append(float(time))
            by_arm[arm][1].append(event)
    return by_arm


def special_interest_steps(
    groups: Sequence[SpecialInterestGroup], safety: SafetySet, window_days: int | None
) -> tuple[KaplanMeierRow, ...]:
    """The Kaplan–Meier steps of every group and arm (the figure's and the tables' CSV)."""
    rows: list[KaplanMeierRow] = []
    for group in groups:
        for arm, (times, events) in time_to_first_event(group, safety, window_days).items():
            steps = kaplan_meier_rows(times, events, curve=group.name, arm=arm)
            rows.extend(replace(step, group_variable=group.variable) for step in steps)
    return tuple(rows)


def summarise_time_to_first(
    groups: Sequence[SpecialInterestGroup], safety: SafetySet, window_days: int | None
) -> tuple[SpecialInterestTimeRow, ...]:
    rows: list[SpecialInterestTimeRow] = []
    for group in groups:
        for arm, (times, events) in time_to_first_event(group, safety, window_days).items():
            steps = kaplan_meier_rows(times, events, curve=group.name, arm=arm, variable=group.variable)
            rows.extend(_at_days(group, arm, times, events, steps))
    return tuple(rows)


def left_out_note(groups: Sequence[SpecialInterestGroup], safety: SafetySet) -> str | None:
    """Who the time-to-event analysis cannot place: no first dose, or only undated events of a group."""
    no_dose = sum(1 for p in safety.participants.values() if p.first_dose_date is None)
    undated = []
    for group in groups:
        events = safety.frame[in_group(group, safety.frame)]
        dated = set(events.dropna(subset=["start"])["subject"].astype(str))
        n = len(set(events["subject"].astype(str)) - dated)
        if n:
            undated.append(f"{group.name}: {n} with events of the group all without a start date")
    parts = ([f"{no_dose} participant(s) without a first-dose date"] if no_dose else []) + undated
    return f"Left out of the time to first event: {'; '.join(parts)}." if parts else None


def _at_days(
    group: SpecialInterestGroup, arm: str, times: list[float], events: list[bool], steps: Sequence[KaplanMeierRow]
) -> list[SpecialInterestTimeRow]:
    t = np.asarray(times, dtype=float)
    n_events = int(sum(events))
    median = median_time(steps)
    last = float(t.max()) if len(t) else -1.0
    rows = []
    for day in DAYS:
        step = next((s for s in reversed(steps) if s.time <= day), steps[0])
        if day > last:
            estimate = low = high = None
        else:
            estimate = 100 * (1 - step.survival)
            low = 100 * (1 - step.survival_high) if step.survival_high is not None else None
            high = 100 * (1 - step.survival_low) if step.survival_low is not None else None
        rows.append(SpecialInterestTimeRow(group.name, group.variable, arm, day, len(t), n_events,
                                           len(t) - n_events, median, int(np.sum(t >= day)), estimate, low,
                                           high))  # fmt: skip
    return rows


def _end_of_observation(person: ParticipantRecord, cutoff: date | None, window_days: int | None) -> date:
    last_dose = person.last_dose_date
    window_end = last_dose + timedelta(days=window_days) if last_dose is not None and window_days is not None else None
    study_end = person.study_end_date or person.disposition_date  # as the incidence rates' follow-up ends
    ends = [d for d in (study_end, person.death_date, cutoff, window_end) if d is not None]
    if ends:
        return min(ends)
    assert person.first_dose_date is not None
    return last_dose or person.first_dose_date
