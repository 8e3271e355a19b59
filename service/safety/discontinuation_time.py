"""Time to discontinuation of study treatment (FDA Standard Safety Tables and Figures IG v2.0, the time to treatment
discontinuation figure): Kaplan–Meier curves for discontinuation for any reason and for an adverse event.

The data give each participant's end-of-study status (ADaM EOSSTT, SDTM DS, the bundle's disposition), its coded
reason and date, and the first and last dose dates; so a participant who discontinued the study is taken to have
discontinued study treatment, on the day of their last dose. Time is counted in days from the first dose, the
first dose day being day 1 (a discontinuation on the day of the first dose is at day 1). In order:

1. Not in the safety population, or no first dose date: not analysed.
2. Discontinued: an event at the last dose date, else at the disposition date (for an adverse event: only where
   the coded reason is an adverse event, service.safety.categories.discontinued_for_adverse_event; another
   reason is censored at that time).
3. Completed: censored at the last dose date, else the completion date.
4. Still in the study (ongoing): censored at the data cut-off, else the last dose date.
5. A final status the cut-off cannot place, or none recorded: censored at the last dose date.
6. No date to place the event or censoring, or one before the first dose: not analysed, and counted in a footnote.

Worked example: first dose 2020-01-01, last dose 2020-01-10, discontinued: an event at day 10.

A trial of a single administration (every treated participant's last dose is their first: an infusion, an
implant) cannot discontinue treatment after day 1, and every curve above would fall or be censored there. Its curve
is the time to discontinuation of the study instead: an event at the disposition date, a completer censored at
theirs (else at the end of study participation), the rest as above; the title and footnote say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from service.importing.records import ParticipantRecord
from service.results import TOTAL, KaplanMeierRow
from service.safety.categories import discontinued_for_adverse_event
from service.safety.kaplan_meier import kaplan_meier_rows, median_time
from service.safety.population import SafetySet

ANY_REASON = "Any reason"
ADVERSE_EVENT = "Adverse event"
CURVES = ((ANY_REASON, "TTDISC"), (ADVERSE_EVENT, "TTDISCAE"))  # the curve and its ADTTE-like PARAMCD

DISCONTINUATION_TIME_RULES = (
    "Time from the first dose (day 1) to discontinuation of study treatment, in days, by the Kaplan–Meier method; "
    "the 95% CI is pointwise, from Greenwood's variance on the log scale (R survival's conf.type = \"log\"). The "
    "median is the first day on which the estimate of continuing treatment is at or below one half.",
    "Discontinued: participants whose end-of-study status is discontinued, at their last dose date (else the "
    "disposition date): the data give the status at the end of the study, not of treatment. Censored: a "
    "participant who completed, at the last dose date (else the completion date); one still in the study, at the "
    "data cut-off; one whose status the cut-off cannot place or that is not recorded, at the last dose date.",
    "For an adverse event: discontinued with the coded reason adverse event; a discontinuation for another reason "
    "is censored at its time, so 1 − KM overstates the cumulative incidence where other reasons compete.",
)


@dataclass(frozen=True, slots=True)
class Observed:
    subject: str
    arm: str
    day: int  # from the first dose, the first dose day being 1
    discontinued: bool
    for_adverse_event: bool


STUDY_TIME_RULE = (
    "A single administration: every treated participant's last dose is their first, so treatment cannot be "
    "discontinued after day 1. The curves are of the time to discontinuation of the study: an event at the "
    "disposition date; a participant who completed, censored at the completion date (else the end of study "
    "participation); one still in the study, at the data cut-off; one whose status the cut-off cannot place, at "
    "the end of study participation, else the last dose."
)


def single_administration(safety: SafetySet) -> bool:
    """Every treated participant of the safety set had one dose day only (and some had a dose)."""
    treated = [p for p in safety.participants.values() if p.first_dose_date is not None]
    return bool(treated) and all(p.last_dose_date in (None, p.first_dose_date) for p in treated)


def derive_discontinuation_time(
    person: ParticipantRecord, cutoff: date | None, *, study_time: bool = False
) -> tuple[int, bool] | None:
    """(day, discontinued) by the module's rule, or None where no date places it. `study_time`: the time to
    discontinuation of the study, for a single administration (STUDY_TIME_RULE)."""
    first = person.first_dose_date
    if first is None:
        return None
    status = person.disposition
    if study_time:
        ended = person.disposition_date or person.study_end_date
        if status == "discontinued":
            when, event = ended or person.last_dose_date, True
        elif status == "completed":
            when, event = ended, False
        elif status == "ongoing":
            when, event = cutoff or ended, False
        else:
            when, event = person.study_end_date or person.last_dose_date, False
    elif status == "discontinued":
        when, event = person.last_dose_date or person.disposition_date, True
    elif status == "completed":
        when, event = person.last_dose_date or person.disposition_date, False
    elif status == "ongoing":
        when, event = cutoff or person.last_dose_date, False
    else:
        when, event = person.last_dose_date, False
    if when is None or when < first:
        return None
    return (when - first).days + 1, event


def observe_discontinuation(safety: SafetySet, cutoff: date | None) -> tuple[list[Observed], list[str]]:
    """Each participant of the safety set who can be placed, and the subjects who cannot."""
    placed, left_out = [], []
    study_time = single_administration(safety)
    for subject, person in safety.participants.items():
        found = derive_discontinuation_time(person, cutoff, study_time=study_time)
        if found is None:
            left_out.append(subject)
            continue
        day, event = found
        placed.append(Observed(subject, safety.arm_of[subject], day, event,
                               event and discontinued_for_adverse_event(person)))  # fmt: skip
    return placed, sorted(left_out)


def summarise_discontinuation_time(safety: SafetySet, cutoff: date | None) -> tuple[KaplanMeierRow, ...]:
    """The Kaplan–Meier steps of each curve, per arm and for the Total."""
    placed, _ = observe_discontinuation(safety, cutoff)
    rows: list[KaplanMeierRow] = []
    for curve, variable in CURVES:
        for arm in safety.columns:
            mine = [o for o in placed if arm == TOTAL or o.arm == arm]
            events = [o.discontinued if curve == ANY_REASON else o.for_adverse_event for o in mine]
            rows.extend(kaplan_meier_rows([o.day for o in mine], events, curve=curve, arm=arm, variable=variable))
    return tuple(rows)


def discontinuation_time_notes(safety: SafetySet, cutoff: date | None) -> tuple[str, ...]:
    _, left_out = observe_discontinuation(safety, cutoff)
    rules = (
        (DISCONTINUATION_TIME_RULES[0].replace("of study treatment", "of the study"), STUDY_TIME_RULE,
         DISCONTINUATION_TIME_RULES[2])
        if single_administration(safety)
        else DISCONTINUATION_TIME_RULES
    )  # fmt: skip
    if not left_out:
        return rules
    shown = ", ".join(left_out[:5]) + (", …" if len(left_out) > 5 else "")
    return (
        *rules,
        f"Not analysed: {len(left_out)} participant(s) of the safety population "
        f"({shown}) without a date that places their discontinuation or censoring on or after the first dose.",
    )


@dataclass(frozen=True)
class KmAt:
    """A curve's estimate at one day: the participants still at risk, and the estimate with its CI."""

    day: float
    n_at_risk: int
    survival: float
    ci_low: float | None
    ci_high: float | None


def estimate_at(rows: Sequence[KaplanMeierRow], day: float) -> KmAt:
    """The step function at `day` (the last step at or before it); at risk: those whose time is at or after it."""
    last = rows[0]
    for row in rows:
        if row.time <= day:
            last = row
    later = [row.n_at_risk for row in rows if row.time >= day]
    return KmAt(day, later[0] if later else 0, last.survival, last.survival_low, last.survival_high)


def curves(rows: Iterable[KaplanMeierRow]) -> dict[tuple[str, str], list[KaplanMeierRow]]:
    """The rows by (curve, arm), in their order."""
    found: dict[tuple[str, str], list[KaplanMeierRow]] = {}
    for row in rows:
        found.setdefault((row.curve, row.arm), []).append(row)
    return found


def median(rows: Sequence[KaplanMeierRow]) -> float | None:
    return median_time(rows)
