"""Participants by the maximum severity or CTCAE grade of their TEAEs, overall, per SOC and per PT."""

from __future__ import annotations

from service.results import TOTAL, MaximumRow
from service.safety.counts import ANY, Key, order_terms_by_name
from service.safety.frame import MISSING_RANK
from service.safety.population import SafetySet
from service.stats import percent

MISSING = "Missing"
SEVERITIES = ("MILD", "MODERATE", "SEVERE")
GRADES = ("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5")
MAXIMUM_RULE = (
    "Each participant is counted once, in the highest category among their events; a participant whose events "
    "all lack the assessment is counted as Missing."
)


def summarise_max_severity(safety: SafetySet) -> tuple[MaximumRow, ...]:
    return _summarise(safety, "severity_rank", SEVERITIES)


def summarise_max_grade(safety: SafetySet) -> tuple[MaximumRow, ...]:
    return _summarise(safety, "grade_rank", GRADES)


def _summarise(safety: SafetySet, rank: str, labels: tuple[str, ...]) -> tuple[MaximumRow, ...]:
    """The highest rank (-1: only missing assessments) per participant and PT, then per SOC, then overall."""
    frame = safety.frame
    per_term = frame.groupby(["subject", "arm", "soc", "pt"], observed=True)[rank].max().reset_index()
    per_soc = per_term.groupby(["subject", "arm", "soc"], observed=True)[rank].max().reset_index()
    per_subject = per_term.groupby(["subject", "arm"], observed=True)[rank].max().reset_index()
    counts: dict[tuple[Key, str, int], int] = {}
    for table, key_of in (
        (per_term.groupby(["soc", "pt", "arm", rank], observed=True).size(), lambda g: ("pt", g[0], g[1])),
        (per_soc.groupby(["soc", "arm", rank], observed=True).size(), lambda g: ("soc", g[0], "")),
        (per_subject.groupby(["arm", rank], observed=True).size(), lambda g: ANY),
    ):
        for group, n in table.items():
            counts[(key_of(group), group[-2], int(group[-1]))] = int(n)
    keys = order_terms_by_name(zip(per_term["soc"], per_term["pt"], strict=True))
    levels = [*range(len(labels)), MISSING_RANK]
    categories = [*labels, MISSING]
    rows = []
    for key in keys:
        by_arm = {arm: [counts.get((key, arm, level), 0) for level in levels] for arm in safety.arms}
        by_arm[TOTAL] = [sum(column) for column in zip(*by_arm.values(), strict=True)]
        for arm in safety.columns:
            at_risk = safety.at_risk[arm]
            for category, n in zip(categories, by_arm[arm], strict=True):
                rows.append(MaximumRow(key[0], key[1], key[2], arm, category, n, at_risk, percent(n, at_risk)))
    return tuple(rows)
