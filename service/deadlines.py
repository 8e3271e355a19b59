"""A trial's registry duties and when each is due, from its definition (trial.toml) and, where the definition is
silent, the dates its registry record holds.

ClinicalTrials.gov, FDAAA 801 as the final rule states it (42 CFR Part 11, §11.44), for an applicable clinical
trial:
1. Results are due not later than 1 year after the primary completion date (§11.44(a)).
2. With a certification of delayed submission (§11.44(b), product not yet approved; §11.44(c), a new use), they
   are due 30 calendar days after the approval, licensure or clearance, but not later than 2 years after the
   date the certification was submitted.
3. An extension granted for good cause (§11.44(e)) moves the deadline to the date granted.
4. Results of secondary outcome measures not yet complete at the primary completion date are due 1 year after
   their completion, taken here as the study completion date (§11.44(d)).

WHO / IRCT (WHO Statement on Public Disclosure of Clinical Trial Results, 2015): key outcomes posted in the
registry within 12 months of primary completion, and published within 24 months of study completion; the
definition may state other periods ([irct] results_within_months, publication_within_months).

"1 year after" a date is the same day of the next year; 29 February gives 28 February.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from registry.view import RegistryView
from service.importing.dates import definition_date


@dataclass(frozen=True)
class Duty:
    trial_id: str
    registry: str  # "ClinicalTrials.gov" or "IRCT / WHO ICTRP"
    duty: str
    rule: str
    due: date | None  # None: a date the rule needs is not known
    basis: str  # what the due date was computed from, in words
    done: date | None = None  # when it was fulfilled, where the definition says so

    def days_left(self, today: date) -> int | None:
        return None if self.due is None else (self.due - today).days

    def status(self, today: date) -> str:
        if self.done is not None:
            return f"done {self.done.isoformat()}"
        left = self.days_left(today)
        if left is None:
            return "due date unknown"
        if left < 0:
            return f"overdue by {-left} day{'s' if left != -1 else ''}"
        return f"{left} day{'s' if left != 1 else ''} left"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (29 Feb + 12 → 28 Feb)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def derive_duties(trial_id: str, raw: Mapping[str, Any], record: RegistryView | None = None) -> list[Duty]:
    """Every registry duty of one trial, in the order: ClinicalTrials.gov results (and secondary outcomes), then
    WHO / IRCT results and publication."""
    trial = raw.get("trial", {}) if isinstance(raw.get("trial"), Mapping) else {}
    ctgov = raw.get("ctgov", {}) if isinstance(raw.get("ctgov"), Mapping) else {}
    irct = raw.get("irct", {}) if isinstance(raw.get("irct"), Mapping) else {}
    primary, primary_basis = _completion(trial, "primary_completion_date", record, "primary_completion")
    completion, completion_basis = _completion(trial, "completion_date", record, "completion")
    duties: list[Duty] = []
    if trial.get("nct_id") and ctgov.get("applicable_clinical_trial", True) is not False:
        duties.extend(_fdaaa(trial_id, ctgov, primary, primary_basis, completion, completion_basis))
    if trial.get("irct_id"):
        results_months = int(irct.get("results_within_months", 12))
        publication_months = int(irct.get("publication_within_months", 24))
        duties.append(Duty(
            trial_id, "IRCT / WHO ICTRP", "summary results in the registry",
            f"WHO statement on public disclosure: within {results_months} months of primary completion",
            add_months(primary, results_months) if primary else None, primary_basis,
            definition_date(irct.get("results_date_posted")),
        ))  # fmt: skip
        duties.append(Duty(
            trial_id, "IRCT / WHO ICTRP", "results published in a journal",
            f"WHO statement on public disclosure: within {publication_months} months of study completion",
            add_months(completion, publication_months) if completion else None, completion_basis,
            definition_date(irct.get("results_date_first_publication")),
        ))  # fmt: skip
    return duties


def _fdaaa(trial_id: str, ctgov: Mapping[str, Any], primary: date | None, primary_basis: str,
           completion: date | None, completion_basis: str) -> list[Duty]:  # fmt: skip
    done = definition_date(ctgov.get("results_submitted"))
    certified = definition_date(ctgov.get("certification_date"))
    approved = definition_date(ctgov.get("approval_date"))
    extended = definition_date(ctgov.get("extension_granted_until"))
    due: date | None
    if extended is not None:
        due, rule, basis = extended, "42 CFR 11.44(e): the extension granted for good cause", "the extension granted"
    elif certified is not None:
        latest = add_months(certified, 24)
        due = min(approved + timedelta(days=30), latest) if approved is not None else latest
        rule = ("42 CFR 11.44(b)/(c): delayed with certification — 30 days after approval, not later than 2 years "
                "after the certification")  # fmt: skip
        basis = f"certification {certified.isoformat()}" + (f", approval {approved.isoformat()}" if approved else "")
    else:
        due = add_months(primary, 12) if primary else None
        rule, basis = "FDAAA 801, 42 CFR 11.44(a): 1 year after the primary completion date", primary_basis
    duties = [Duty(trial_id, "ClinicalTrials.gov", "results information (FDAAA 801)", rule, due, basis, done)]
    if completion is not None and primary is not None and completion > primary:
        duties.append(Duty(
            trial_id, "ClinicalTrials.gov", "secondary outcome results completed after primary completion",
            "42 CFR 11.44(d): 1 year after their completion (the study completion date)",
            add_months(completion, 12), completion_basis, definition_date(ctgov.get("secondary_results_submitted")),
        ))  # fmt: skip
    return duties


def _completion(trial: Mapping[str, Any], key: str, record: RegistryView | None, field: str
                ) -> tuple[date | None, str]:  # fmt: skip
    stated = definition_date(trial.get(key))
    if stated is not None:
        return stated, f"{key.replace('_', ' ')} {stated.isoformat()} (trial definition)"
    registered = getattr(record, field, None) if record is not None else None
    if registered is not None and registered.value is not None:
        return registered.value, (
            f"{key.replace('_', ' ')} {registered.text}"
            f"{' (' + registered.type + ')' if registered.type else ''} (registry record)"
        )
    return None, f"no {key.replace('_', ' ')} in the trial definition or the registry record"
