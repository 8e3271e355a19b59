"""The AE overview (FDA Standard Safety Tables, 'Overview of adverse events')."""

from __future__ import annotations

import numpy as np

from service.results import NOT_COLLECTED, TOTAL, OverviewRow
from service.safety.categories import SERIOUS_CRITERIA, discontinued_for_adverse_event
from service.safety.frame import SERIOUS_FLAGS
from service.safety.population import SafetySet
from service.stats import percent

DEATHS = "Deaths (any cause)"
DISCONTINUED_FOR_AE = "Discontinued the study because of an adverse event (disposition)"


def summarise_ae_overview(safety: SafetySet) -> tuple[OverviewRow, ...]:
    frame = safety.frame
    serious = frame["serious"].to_numpy()
    categories: list[tuple[str, np.ndarray | None, str]] = [
        ("Any TEAE", None, ""),
        ("Any serious TEAE", serious, ""),
        *(
            (f"Serious TEAE: {name}", serious & frame[flag].to_numpy(), "")
            for (name, _), flag in zip(SERIOUS_CRITERIA, SERIOUS_FLAGS, strict=True)
        ),
        ("Any related TEAE", frame["related"].to_numpy(), "relationship"),
        ("Any TEAE of CTCAE grade 3 or higher", frame["grade_3_or_more"].to_numpy(), "grade"),
        ("TEAE leading to discontinuation of study treatment", frame["discontinuation"].to_numpy(), "action"),
        ("TEAE leading to death", frame["fatal"].to_numpy(), ""),
    ]
    rows = []
    for name, mask, item in categories:
        if item and item not in safety.collected:
            rows.extend(_not_collected(name, safety))
            if item == "action" and reasons_recorded(safety):
                rows.extend(_discontinued_for_ae(safety))
            continue
        matched = frame if mask is None else frame[mask]
        events = matched.groupby("arm", observed=True).size()
        subjects = matched.drop_duplicates("subject").groupby("arm", observed=True).size()
        rows.extend(
            _rows(
                name,
                {a: int(subjects.get(a, 0)) for a in safety.arms},
                {a: int(events.get(a, 0)) for a in safety.arms},
                safety,
            )
        )
    dead = _deaths(safety)
    rows.extend(_rows(DEATHS, dead, dead, safety))
    return tuple(rows)


def reasons_recorded(safety: SafetySet) -> bool:
    """Some participant of the safety set has a coded reason for discontinuing: the disposition can say who
    discontinued for an AE where the AE records give no action taken (AEACN)."""
    return any(p.disposition == "discontinued" and p.disposition_reason for p in safety.participants.values())


def _discontinued_for_ae(safety: SafetySet) -> list[OverviewRow]:
    """Participants whose end-of-study reason is an adverse event, from the disposition (ADSL DCSREAS / DCREASCD,
    DSRAEFL; DS DSDECOD): participants only, so the events are not collected."""
    counts = dict.fromkeys(safety.arms, 0)
    for subject, person in safety.participants.items():
        counts[safety.arm_of[subject]] += discontinued_for_adverse_event(person)
    counts[TOTAL] = sum(counts.values())
    return [OverviewRow(DISCONTINUED_FOR_AE, arm, counts[arm], NOT_COLLECTED, safety.at_risk[arm],
                        percent(counts[arm], safety.at_risk[arm])) for arm in safety.columns]  # fmt: skip


def count_deaths(safety: SafetySet) -> dict[str, int]:
    return _deaths(safety)


def _deaths(safety: SafetySet) -> dict[str, int]:
    """Participants who died, whatever the cause or timing: a death date, or any AE with a fatal outcome."""
    frame = safety.all_frame
    fatal = set(frame.loc[frame["fatal"].to_numpy(), "subject"])
    counts = dict.fromkeys(safety.arms, 0)
    for subject, person in safety.participants.items():
        if person.death_date is not None or subject in fatal:
            counts[safety.arm_of[subject]] += 1
    return counts


def _not_collected(name: str, safety: SafetySet) -> list[OverviewRow]:
    return [OverviewRow(name, arm, NOT_COLLECTED, NOT_COLLECTED, safety.at_risk[arm], NOT_COLLECTED)
            for arm in safety.columns]  # fmt: skip


def _rows(name: str, subjects: dict[str, int], events: dict[str, int], safety: SafetySet) -> list[OverviewRow]:
    totals = {**subjects, TOTAL: sum(subjects.values())}
    event_totals = {**events, TOTAL: sum(events.values())}
    return [
        OverviewRow(
            name, arm, totals[arm], event_totals[arm], safety.at_risk[arm], percent(totals[arm], safety.at_risk[arm])
        )
        for arm in safety.columns
    ]
