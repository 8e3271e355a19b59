"""Participants by the maximum severity or CTCAE grade of their TEAEs, overall, per SOC and per PT."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from service.importing.records import AdverseEventRecord
from service.results import TOTAL, MaximumRow
from service.safety.counts import ANY, Key
from service.safety.population import SafetySet
from service.safety.soc_order import soc_sort_key
from service.stats import percent

MISSING = "Missing"
SEVERITIES = ("MILD", "MODERATE", "SEVERE")
GRADES = ("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5")
MAXIMUM_RULE = (
    "Each participant is counted once, in the highest category among their events; a participant whose events "
    "all lack the assessment is counted as Missing."
)


def _severity_rank(event: AdverseEventRecord) -> int | None:
    return SEVERITIES.index(event.severity) if event.severity in SEVERITIES else None


def _grade_rank(event: AdverseEventRecord) -> int | None:
    return event.ctcae_grade - 1 if event.ctcae_grade else None


def summarise_max_severity(safety: SafetySet) -> tuple[MaximumRow, ...]:
    return _summarise(safety, _severity_rank, SEVERITIES)


def summarise_max_grade(safety: SafetySet) -> tuple[MaximumRow, ...]:
    return _summarise(safety, _grade_rank, GRADES)


def _summarise(
    safety: SafetySet, rank: Callable[[AdverseEventRecord], int | None], labels: tuple[str, ...]
) -> tuple[MaximumRow, ...]:
    # The highest rank per participant and term (-1: only missing assessments), then rolled up to SOC and overall.
    per_term: dict[tuple[str, str, str], int] = {}
    for event in safety.events:
        value = rank(event)
        term = (event.subject_id, event.soc_name, event.pt_name)
        level = -1 if value is None else value
        if per_term.get(term, -2) < level:
            per_term[term] = level
    highest: dict[Key, dict[str, int]] = defaultdict(dict)
    for (subject, soc_name, pt_name), level in per_term.items():
        highest[("pt", soc_name, pt_name)][subject] = level
        for key in (("soc", soc_name, ""), ANY):
            if highest[key].get(subject, -2) < level:
                highest[key][subject] = level
    categories = (*labels, MISSING)
    rows = []
    keys = [ANY] if ANY in highest else []
    for soc in sorted((k for k in highest if k[0] == "soc"), key=lambda k: soc_sort_key(k[1])):
        keys.append(soc)
        keys.extend(sorted((k for k in highest if k[0] == "pt" and k[1] == soc[1]), key=lambda k: k[2].casefold()))
    if not keys:
        keys = [ANY]
    for key in keys:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for subject, level in highest.get(key, {}).items():
            category = MISSING if level < 0 else labels[level]
            counts[(safety.arm_of[subject], category)] += 1
            counts[(TOTAL, category)] += 1
        for arm in safety.columns:
            for category in categories:
                n = counts[(arm, category)]
                rows.append(
                    MaximumRow(
                        key[0], key[1], key[2], arm, category, n, safety.at_risk[arm], percent(n, safety.at_risk[arm])
                    )
                )
    return tuple(rows)
