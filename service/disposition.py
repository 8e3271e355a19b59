"""Participant flow (CONSORT, and the disposition table of a submission): screened, randomized, treated, the end
of study status, completion milestones from completion flags (COMP24FL), and the coded reasons for discontinuing,
as n (%) per randomized arm and in total, with Fisher's exact test over arms where trial.toml asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from service.importing.participant_level import population_label, population_sort_key
from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import NOT_COLLECTED, TOTAL, DispositionRow
from service.stats import fisher_p_table, percent

OVERALL = "Overall Study"
NOT_RECORDED = "Reason not recorded"
STATUS_NOT_RECORDED = "Status not recorded"
UNKNOWN_AT_CUTOFF = "unknown"  # a final status the data do not date, at a cut-off before theirs (reports.datacut)
STATUS_UNKNOWN = "Status at cut-off unknown"
STATUS = {"completed": "Completed", "discontinued": "Discontinued", "ongoing": "Ongoing",
          UNKNOWN_AT_CUTOFF: STATUS_UNKNOWN}  # fmt: skip
UNKNOWN_RULE = (
    "Status at cut-off unknown: the participant completed or discontinued, but the data do not date it (ADaM EOSDT "
    "or RFENDT, SDTM DSSTDTC or RFPENDTC, the bundle's disposition_date), so it cannot be placed before or after "
    "this cut-off; their completion flags are not counted either."
)
DISPOSITION_RULES = (
    "Arms are the randomized (planned) arms. Screened counts everyone with a record, screen failures included.",
    "Percentages are of the arm's randomized participants. Not completed = discontinued + ongoing; the reasons "
    "for discontinuation, from the coded reason (DCSREAS / DSDECOD), sum to the discontinued. A status or reason "
    "the data do not give is shown as not recorded, never as ongoing.",
    "The data record one disposition per participant, so the flow has one period, the overall study.",
)
SCREENING_NOT_RECORDED = (
    "Screened, screen failures and not randomized: not in these data (no participant who was never randomized: "
    "ADaM ADSL, and SDTM DM unless the sponsor submits screen failures, hold only those randomized), so shown as "
    "not collected, not 0; the screening log gives them."
)
FISHER_RULE = (
    "p: Fisher's exact test over the arms (two-sided; Freeman–Halton for more than two arms), of completed against "
    "discontinued, of each completion flag, and of the reasons among the discontinued."
)


def wants_fisher(raw: Mapping[str, Any]) -> bool:
    section = raw.get("disposition", {})
    return isinstance(section, dict) and section.get("fisher") is True


def unknown_at_cutoff(data: ImportedTrial) -> bool:
    return any(p.disposition == UNKNOWN_AT_CUTOFF for p in data.participants if p.randomized)


def completion_flags(participants: Iterable[ParticipantRecord]) -> list[str]:
    """The completion flags the data carry (ADaMIG COMPxxFL; COMPLFL is the study's own completion)."""
    found = {flag for p in participants for flag in (p.populations or {}) if flag.startswith("COMP")}
    return sorted(found, key=population_sort_key)


def screening_recorded(data: ImportedTrial) -> bool:
    """Do the data hold the participants screened but never randomized? A bundle's participants.csv does by its
    definition (screen failures included); SDTM DM holds screen failures (ARMCD SCRNFAIL) only when the sponsor
    submits them, and ADaM ADSL usually holds the randomized alone (the CDISC pilot's has 254 of 306 screened):
    there, only a participant who was never randomized shows that screening is in the data."""
    return data.source_format == "bundle" or any(not p.randomized for p in data.participants)


def screening_notes(data: ImportedTrial) -> tuple[str, ...]:
    """The footnote that says screening is not in these data, where it is not."""
    return () if screening_recorded(data) else (SCREENING_NOT_RECORDED,)


def summarise_disposition(data: ImportedTrial, *, compare: bool = False) -> tuple[DispositionRow, ...]:
    labels = data.arm_labels
    arms = list(labels.values())
    counts: Counter[tuple[str, str]] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    flags = completion_flags(data.participants)
    screened = screen_failures = 0
    for person in data.participants:
        screened += 1
        if not person.randomized or person.arm_code is None:
            screen_failures += person.disposition == "screen failure"
            continue
        arm = labels[person.arm_code]
        counts[("Randomized", arm)] += 1
        if person.first_dose_date is not None:
            counts[("Treated", arm)] += 1
        counts[(STATUS.get(person.disposition or "", STATUS_NOT_RECORDED), arm)] += 1
        if person.disposition == "discontinued":
            reasons[(person.disposition_reason or NOT_RECORDED, arm)] += 1
        for flag in flags:
            counts[(flag, arm)] += bool((person.populations or {}).get(flag))
    n_arm = {arm: counts[("Randomized", arm)] for arm in arms}
    n_arm[TOTAL] = sum(n_arm.values())
    recorded = screening_recorded(data)
    rows = [
        DispositionRow(OVERALL, "milestone", "Screened", TOTAL, screened if recorded else NOT_COLLECTED,
                       variable="USUBJID"),
        DispositionRow(OVERALL, "milestone", "Screen failure", TOTAL, screen_failures if recorded else NOT_COLLECTED,
                       variable="EOSSTT"),
        DispositionRow(OVERALL, "milestone", "Not randomized", TOTAL,
                       screened - n_arm[TOTAL] if recorded else NOT_COLLECTED, variable="RANDFL"),
    ]  # fmt: skip
    rows += _per_arm("milestone", "Randomized", counts, "RANDFL", n_arm)
    rows += _per_arm("milestone", "Treated", counts, "SAFFL", n_arm)
    statuses = ["Completed", "Discontinued", "Ongoing"]
    for extra in (STATUS_UNKNOWN, STATUS_NOT_RECORDED):
        if any(counts[(extra, arm)] for arm in arms):
            statuses.append(extra)
    completion_p = _fisher([[counts[(s, arm)] for arm in arms] for s in ("Completed", "Discontinued")], compare)
    for status in statuses:
        rows += _per_arm("milestone", status, counts, "EOSSTT", n_arm, completion_p if status == "Completed" else None)
    for flag in flags:
        flag_p = _fisher([[counts[(flag, a)] for a in arms], [n_arm[a] - counts[(flag, a)] for a in arms]], compare)
        rows += _per_arm("completion", flag, counts, flag, n_arm, flag_p, label=population_label(flag))
    listed = sorted({r for r, _ in reasons}, key=lambda r: (r == NOT_RECORDED, r.casefold()))
    reason_p = _fisher([[reasons[(r, arm)] for arm in arms] for r in listed if r != NOT_RECORDED], compare)
    for index, reason in enumerate(listed):
        rows += _per_arm("reason", reason, reasons, "DCSREAS", n_arm, reason_p if index == 0 else None)
    return tuple(rows)


def _fisher(table: list[list[int]], compare: bool) -> float | None:
    """fisher_p_table gives None itself for a table with fewer than two non-empty rows or columns."""
    return fisher_p_table(table) if compare else None


def _per_arm(
    kind: str,
    category: str,
    counts: Counter[tuple[str, str]],
    variable: str,
    n_arm: dict[str, int],
    p_value: float | None = None,
    *,
    label: str | None = None,
) -> list[DispositionRow]:
    """One row per arm (n_arm's keys, Total last) of counts[(category, arm)], printed as `label` (default: the
    category), the p-value on the Total row."""
    values = {arm: counts[(category, arm)] for arm in n_arm if arm != TOTAL}
    values[TOTAL] = sum(values.values())
    return [
        DispositionRow(
            OVERALL,
            kind,
            label or category,
            arm,
            values[arm],
            n_arm[arm],
            percent(values[arm], n_arm[arm]),
            p_value if arm == TOTAL else None,
            variable,
        )
        for arm in values
    ]
