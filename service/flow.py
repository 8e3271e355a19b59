"""The participant flow by period, as a registry reports it: per period STARTED, COMPLETED, its milestones, and
why those who started did not complete.

trial.toml's [[flow.periods]] defines the periods, in order; without them there is one, the Overall Study. A
period other than the last is completed by those with its completion flag (`completed = "COMP24FL"`) or who
completed the study; the last by those who completed the study. Each period starts with those who completed the
one before (the first with the randomized). Everyone who started a period and did not complete it has one reason:
the coded reason for discontinuing, "Ongoing at the data cut-off", or not recorded — so the reasons add up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.disposition import NOT_RECORDED, OVERALL, STATUS_NOT_RECORDED, UNKNOWN_AT_CUTOFF
from service.errors import DataError
from service.importing.records import ImportedTrial, ParticipantRecord
from service.populations import population_flags_of
from service.results import FlowRow

ONGOING = "Ongoing at the data cut-off"
UNKNOWN = "Status at the data cut-off unknown"
TREATED = "treated"  # a milestone: received study treatment
FLOW_RULES = (
    "Periods as trial.toml's [[flow.periods]] define them (else one, the overall study); each starts with those who "
    "completed the one before, the first with the randomized, by the arm randomized to.",
    "Not completed: the coded reason for discontinuing (DCSREAS / DSDECOD), ongoing at the data cut-off, or not "
    "recorded; the reasons of each period add up to those who started it and did not complete it.",
)


@dataclass(frozen=True)
class Period:
    title: str
    completed: str | None  # a population flag; None: completing the study
    milestones: tuple[str, ...]  # "treated" or population flags


def parse_periods(raw: Mapping[str, Any]) -> tuple[Period, ...]:
    section = raw.get("flow", {})
    entries = section.get("periods", []) if isinstance(section, dict) else []
    if not entries:
        return (Period(OVERALL, None, ()),)
    periods = []
    for index, entry in enumerate(entries, start=1):
        where = f"flow.periods (entry {index})"
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str) or not entry["title"].strip():
            raise DataError(f"{where}: needs a title", file="trial.toml", column="flow.periods.title")
        completed = entry.get("completed")
        if index == len(entries) and completed is not None:
            raise DataError(f"{where}: the last period is completed by completing the study; remove 'completed'",
                            file="trial.toml", column="flow.periods.completed")  # fmt: skip
        if index < len(entries) and not isinstance(completed, str):
            raise DataError(f"{where}: a period before the last needs completed = a completion flag (COMP24FL)",
                            file="trial.toml", column="flow.periods.completed")  # fmt: skip
        milestones = entry.get("milestones", [])
        if not isinstance(milestones, list) or not all(isinstance(m, str) for m in milestones):
            raise DataError(f"{where}: milestones must be a list such as [\"treated\", \"COMP12FL\"]",
                            file="trial.toml", column="flow.periods.milestones")  # fmt: skip
        periods.append(Period(entry["title"].strip(), completed.upper() if completed else None,
                              tuple(m if m == TREATED else m.upper() for m in milestones)))  # fmt: skip
    return tuple(periods)


def summarise_flow(data: ImportedTrial) -> tuple[FlowRow, ...]:
    periods = parse_periods(data.definition.raw)
    labels = data.arm_labels
    people = [(labels[p.arm_code], p) for p in data.participants if p.randomized and p.arm_code is not None]
    flags = {flag for _, p in people for flag in population_flags_of(p)}
    for period in periods:
        for flag in (period.completed, *period.milestones):
            if flag is not None and flag != TREATED and flag not in flags:
                raise DataError(f"flow.periods '{period.title}': the data have no flag {flag}", file="trial.toml",
                                column="flow.periods",
                                hint="Name a completion flag the data carry (COMP24FL).")  # fmt: skip
    rows: list[FlowRow] = []
    starting = people
    for number, period in enumerate(periods, start=1):
        last = number == len(periods)
        completing = [(arm, p) for arm, p in starting if _completes(p, period, last)]
        done = {id(p) for _, p in completing}
        rows += _counts(number, period.title, "started", "STARTED", starting, labels.values())
        rows += _counts(number, period.title, "completed", "COMPLETED", completing, labels.values())
        for milestone in period.milestones:
            reached = [(arm, p) for arm, p in starting if _reached(p, milestone)]
            title = "Received treatment" if milestone == TREATED else milestone
            rows += _counts(number, period.title, "milestone", title, reached, labels.values())
        reasons: Counter[tuple[str, str]] = Counter(
            (_reason(p), arm) for arm, p in starting if id(p) not in done
        )  # fmt: skip
        for reason in sorted({r for r, _ in reasons}, key=lambda r: (r in (ONGOING, UNKNOWN, STATUS_NOT_RECORDED), r)):
            rows += [FlowRow(number, period.title, "reason", reason, arm, reasons[(reason, arm)]) for arm in
                     labels.values()]  # fmt: skip
        starting = completing
    return tuple(rows)


def _counts(number: int, title: str, kind: str, category: str, members: list[tuple[str, ParticipantRecord]],
            arms: Any) -> list[FlowRow]:  # fmt: skip
    counted = Counter(arm for arm, _ in members)
    return [FlowRow(number, title, kind, category, arm, counted[arm]) for arm in arms]


def _completes(person: ParticipantRecord, period: Period, last: bool) -> bool:
    if person.disposition == "completed":
        return True
    return not last and period.completed is not None and bool(population_flags_of(person).get(period.completed))


def _reached(person: ParticipantRecord, milestone: str) -> bool:
    if milestone == TREATED:
        return person.first_dose_date is not None
    return bool(population_flags_of(person).get(milestone))


def _reason(person: ParticipantRecord) -> str:
    if person.disposition == "discontinued":
        return person.disposition_reason or NOT_RECORDED
    if person.disposition == "ongoing":
        return ONGOING
    if person.disposition == UNKNOWN_AT_CUTOFF:
        return UNKNOWN
    return STATUS_NOT_RECORDED
