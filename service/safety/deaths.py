"""Deaths by timing and by cause (FDA Standard Safety Tables and Figures IG v2.0, the deaths tables), and each
death's facts for the listing.

A participant died when they have a death date or an AE with a fatal outcome (outcome FATAL, CTCAE grade 5 or the
seriousness criterion death), whatever its timing, as the AE overview counts them.

1. The date of death: the death date (ADaM DTHDT, SDTM DM DTHDTC, the bundle's death_date), else the fatal AE's end,
   else its onset (as the data cut-off places a fatal AE); none of these: no date.
2. The cause: the fatal AE's preferred term (the earliest-starting fatal AE, then the lowest AE number), else the
   recorded cause of death (ADaM DTHCAUS, the bundle's death_cause), else not collected.
3. The timing, against the first and last dose dates, with the window W ([safety] death_window_days, else the trial's
   teae_window_days, else 30 days), in order:
   - no date of death, or no last dose date for a death on or after the first dose: unknown;
   - before the first dose: before treatment;
   - on or before the last dose day: on treatment;
   - 1 to W days after the last dose: within the window;
   - more than W days after it: later.

   Worked example (W = 30): last dose 2020-03-01; a death on 2020-03-01 is on treatment (0 days after), on
   2020-03-31 within the window (30 days after), on 2020-04-01 later (31 days after).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.importing.records import AdverseEventRecord, ImportedTrial, ParticipantRecord
from service.results import TOTAL
from service.safety.categories import is_fatal
from service.safety.population import SafetySet
from service.stats import percent

DEFAULT_WINDOW_DAYS = 30
ALL_DEATHS = "All deaths"
ON_TREATMENT = "On treatment (first to last dose)"
BEFORE_TREATMENT = "Before the first dose"
UNKNOWN_TIMING = "Timing unknown (no date of death or of the last dose)"
CAUSE_NOT_COLLECTED = "Not collected"
DEATH_VARIABLES = {"all": "DTHFL", "timing": "LDDTHGR1", "cause": "DTHCAUS"}  # ADaM ADSL's names for each


def within_window(days: int) -> str:
    return f"Within {days} days after the last dose"


def after_window(days: int) -> str:
    return f"More than {days} days after the last dose"


@dataclass(frozen=True, slots=True)
class DeathSummaryRow:
    """Participants of the safety population who died, in one timing or cause category, per arm."""

    section: str  # "all", "timing" or "cause"
    category: str
    arm: str
    n: int
    n_at_risk: int
    percent: float | None

    @property
    def variable(self) -> str:
        return DEATH_VARIABLES[self.section]


@dataclass(frozen=True, slots=True)
class Death:
    """One participant's death as the tables place it."""

    subject_id: str
    death_date: date | None
    cause: str
    timing: str
    days_after_last_dose: int | None


def death_window(raw: Mapping[str, Any], teae_window_days: int | None) -> tuple[int, str]:
    """The window after the last dose, in days, and where it comes from (for the footnote)."""
    safety = raw.get("safety", {})
    given = safety.get("death_window_days") if isinstance(safety, dict) else None
    if given is not None:
        return int(given), "trial.toml [safety] death_window_days"
    if teae_window_days is not None:
        return int(teae_window_days), "the trial's TEAE window (teae_window_days)"
    return DEFAULT_WINDOW_DAYS, "the default, as trial.toml sets neither death_window_days nor teae_window_days"


def fatal_events(events: Sequence[AdverseEventRecord]) -> dict[str, AdverseEventRecord]:
    """Each participant's fatal AE that names the cause: the earliest-starting, then the lowest AE number."""
    chosen: dict[str, AdverseEventRecord] = {}
    for event in events:
        if not is_fatal(event):
            continue
        held = chosen.get(event.subject_id)
        if held is None or (event.start_date or date.max, event.seq) < (held.start_date or date.max, held.seq):
            chosen[event.subject_id] = event
    return chosen


def derive_death(person: ParticipantRecord, fatal: AdverseEventRecord | None, window: int) -> Death | None:
    """The participant's death (the module's rule), or None if they did not die."""
    if person.death_date is None and fatal is None:
        return None
    when = person.death_date or (fatal.end_date or fatal.start_date if fatal is not None else None)
    cause = (fatal.pt_name if fatal is not None else None) or person.death_cause or CAUSE_NOT_COLLECTED
    after = (when - person.last_dose_date).days if when is not None and person.last_dose_date is not None else None
    if when is None:
        timing = UNKNOWN_TIMING
    elif person.first_dose_date is not None and when < person.first_dose_date:
        timing = BEFORE_TREATMENT
    elif after is None:
        timing = UNKNOWN_TIMING
    elif after <= 0:
        timing = ON_TREATMENT
    elif after <= window:
        timing = within_window(window)
    else:
        timing = after_window(window)
    return Death(person.subject_id, when, cause, timing, after)


def derive_deaths(data: ImportedTrial, window: int) -> dict[str, Death]:
    """Every participant's death, by subject."""
    fatal = fatal_events(data.adverse_events)
    found = {}
    for person in data.participants:
        death = derive_death(person, fatal.get(person.subject_id), window)
        if death is not None:
            found[person.subject_id] = death
    return found


def summarise_deaths(data: ImportedTrial, safety: SafetySet, window: int) -> tuple[DeathSummaryRow, ...]:
    """Deaths in the safety population, n (%) of each arm: all, by timing (every category always, but before
    treatment only where it occurs), by cause (by decreasing number, then name)."""
    deaths = {s: d for s, d in derive_deaths(data, window).items() if s in safety.arm_of}
    timing = [ON_TREATMENT, within_window(window), after_window(window), UNKNOWN_TIMING]
    if any(d.timing == BEFORE_TREATMENT for d in deaths.values()):
        timing.insert(0, BEFORE_TREATMENT)
    causes = Counter(d.cause for d in deaths.values())
    ordered = sorted(causes, key=lambda cause: (cause == CAUSE_NOT_COLLECTED, -causes[cause], cause.casefold()))
    rows = _rows(safety, "all", ALL_DEATHS, deaths.keys())
    for category in timing:
        rows += _rows(safety, "timing", category, [s for s, d in deaths.items() if d.timing == category])
    for cause in ordered:
        rows += _rows(safety, "cause", cause, [s for s, d in deaths.items() if d.cause == cause])
    return tuple(rows)


def _rows(safety: SafetySet, section: str, category: str, subjects: Any) -> list[DeathSummaryRow]:
    counts = Counter(safety.arm_of[s] for s in subjects)
    counts[TOTAL] = sum(counts.values())
    return [DeathSummaryRow(section, category, arm, counts[arm], safety.at_risk[arm],
                            percent(counts[arm], safety.at_risk[arm])) for arm in safety.columns]  # fmt: skip


def deaths_notes(window: int, source: str) -> tuple[str, ...]:
    return (
        "Deaths: participants with a death date or an AE with a fatal outcome (outcome fatal, CTCAE grade 5 or "
        "seriousness criterion death), whatever its timing.",
        "Date of death: the death date, else the fatal AE's end date, else its onset.",
        f"Timing against study treatment: on treatment = from the first dose to the day of the last dose; then "
        f"within {window} days after the last dose (window from {source}); then later. Unknown: no date of death, "
        "or no last dose date.",
        "Cause: the fatal AE's preferred term (the earliest-starting fatal AE), else the recorded cause of death "
        "(ADaM DTHCAUS, the bundle's death_cause), else not collected.",
    )
