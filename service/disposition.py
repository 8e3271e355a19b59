"""Participant flow (CONSORT): screened, randomized, treated, completed, discontinued with reasons."""

from __future__ import annotations

from collections import Counter

from service.importing.records import ImportedTrial
from service.results import TOTAL, DispositionRow

OVERALL = "Overall Study"
NOT_RECORDED = "Reason not recorded"
DISPOSITION_RULES = (
    "Arms are the randomized arms. Screened counts everyone with a record, screen failures included.",
    "Treated: received at least one dose. Not completed = discontinued + ongoing; the reasons for discontinuation "
    "sum to the discontinued.",
    "The data record one disposition per participant, so the flow has one period, the overall study.",
)


def summarise_disposition(data: ImportedTrial) -> tuple[DispositionRow, ...]:
    labels = data.arm_labels
    arms = list(labels.values())
    milestones: Counter[tuple[str, str]] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    screened = screen_failures = 0
    for person in data.participants:
        screened += 1
        if not person.randomized or person.arm_code is None:
            screen_failures += person.disposition == "screen failure"
            continue
        arm = labels[person.arm_code]
        milestones[("Randomized", arm)] += 1
        if person.first_dose_date is not None:
            milestones[("Treated", arm)] += 1
        status = person.disposition or "ongoing"
        milestones[({"completed": "Completed", "discontinued": "Discontinued"}.get(status, "Ongoing"), arm)] += 1
        if status == "discontinued":
            reasons[(person.disposition_reason or NOT_RECORDED, arm)] += 1
    rows = [
        DispositionRow(OVERALL, "milestone", "Screened", TOTAL, screened),
        DispositionRow(OVERALL, "milestone", "Screen failure", TOTAL, screen_failures),
        DispositionRow(
            OVERALL, "milestone", "Not randomized", TOTAL, screened - sum(milestones[("Randomized", a)] for a in arms)
        ),
    ]
    for milestone in ("Randomized", "Treated", "Completed", "Discontinued", "Ongoing"):
        rows.extend(_per_arm(OVERALL, "milestone", milestone, arms, milestones))
    for reason in sorted({r for r, _ in reasons}, key=lambda r: (r == NOT_RECORDED, r.casefold())):
        rows.extend(_per_arm(OVERALL, "reason", reason, arms, reasons))
    return tuple(rows)


def _per_arm(
    period: str, kind: str, category: str, arms: list[str], counts: Counter[tuple[str, str]]
) -> list[DispositionRow]:
    values = [counts[(category, arm)] for arm in arms]
    return [DispositionRow(period, kind, category, arm, n) for arm, n in zip(arms, values, strict=True)] + [
        DispositionRow(period, kind, category, TOTAL, sum(values))
    ]
