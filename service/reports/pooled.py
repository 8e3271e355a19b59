"""The open edition: one pooled group, nothing tested (FDA DMC guidance §4.2.2: comparative data go to the DMC's
closed session only). It shows what pools, and names, without a number, the analyses it leaves to the closed
session, so that the open session knows they exist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from service.analysis import NO_CONTROL_NOTE
from service.disposition import wants_fisher
from service.importing.records import ArmRecord, ImportedTrial
from service.labs.frame import conform
from service.outcomes.definition import parse_outcomes
from service.results import Table

POOLED = ArmRecord("ALL", "All participants")
POOLED_NOTE = "Open session: the arms are pooled, so no comparison between arms is shown."
METHOD_NAMES = {
    "welch": "Welch's t-test",
    "ancova": "ANCOVA",
    "mmrm": "a mixed model for repeated measures",
    "mann-whitney": "the Mann–Whitney test",
    "newcombe": "the risk difference (Newcombe)",
    "miettinen-nurminen": "the risk difference (Miettinen–Nurminen)",
    "fisher": "Fisher's exact test",
    "chi-square": "the chi-square test",
    "logistic": "logistic regression",
    "cmh": "the Cochran–Mantel–Haenszel test",
    "mh-risk-difference": "the Mantel–Haenszel risk difference",
    "poisson": "Poisson regression",
    "negative-binomial": "negative binomial regression",
    "logrank": "the log-rank test",
    "cox": "Cox regression",
}


def remove_arm_assignment(data: ImportedTrial) -> ImportedTrial:
    """The open session's data: every participant in one pooled group; arms, their labels and the monitoring plan
    (whose looks may state an observed between-arm z) gone. The laboratory frame has no arm column: it is cut to
    exactly LAB_COLUMNS, so that a column a reader might have carried along (ADaM TRTA, ARMCD) cannot reach it."""
    participants = tuple(
        p._replace(
            arm_code=POOLED.code if p.arm_code else None, actual_arm_code=POOLED.code if p.actual_arm_code else None
        )
        for p in data.participants
    )
    raw = {key: value for key, value in data.definition.raw.items() if key not in ("arms", "monitoring")}
    definition = replace(data.definition, arms=(POOLED,), raw=raw)
    labs = conform(data.labs) if data.labs is not None else None
    return replace(data, definition=definition, arms=(POOLED,), participants=participants, notes=(), labs=labs)


def pooled_notes(table: Table[Any]) -> Table[Any]:
    """The open edition's footnotes: the pooled analysis has no control arm because the arms are pooled, not
    because the trial has none."""
    return replace(table, footnotes=tuple(POOLED_NOTE if n == NO_CONTROL_NOTE else n for n in table.footnotes))


def analyses_left_to_closed(raw: Mapping[str, Any], has_control: bool) -> list[str]:
    """The comparative analyses the trial's definition declares, in words and without a result: each outcome's
    SAP analysis (its trend test too), the AE tables' tests, the participant flow's test, the monitoring."""
    found = []
    for spec in parse_outcomes(dict(raw)):
        pairs = "every pair of arms" if spec.comparisons == "pairwise" else "each arm against the control"
        how = "as supplied with the data" if spec.supplied else f"by {METHOD_NAMES[spec.method]}"
        trend = ", and a dose-response trend test" if spec.dose_response else ""
        found.append(f"{spec.title} ({spec.outcome_type}): {pairs}, {how}{trend}")
    if has_control:
        found.append("the adverse-event tables' risk differences and Fisher's exact tests against the control")
    if wants_fisher(raw):
        found.append("Fisher's exact test over the arms in the participant flow")
    monitoring = raw.get("monitoring")
    if isinstance(monitoring, dict):
        found.append(f"the group-sequential monitoring of {monitoring.get('outcome')} (boundaries and observed z)")
    return found
