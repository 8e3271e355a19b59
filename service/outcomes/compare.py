"""Each outcome's SAP analysis, by the method its definition names, at each of its timepoints: the per-arm
estimates and the comparisons, as result rows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from service.outcomes import binary, continuous, counts, survival
from service.outcomes.data import OutcomeData
from service.outcomes.definition import BINARY_METHODS, OutcomeSpec
from service.outcomes.estimates import MethodResult
from service.outcomes.inference import exp_or_none, test_description
from service.outcomes.mmrm.model import mmrm
from service.results import RATIO_KINDS, TOTAL, ArmEstimateRow, ComparisonRow

PerVisit = Callable[[OutcomeData, str], MethodResult]
PER_VISIT: dict[str, PerVisit] = {
    "welch": continuous.welch,
    "mann-whitney": continuous.mann_whitney,
    "ancova": continuous.ancova,
    "poisson": counts.count,
    "negative-binomial": counts.count,
    "logrank": survival.time_to_event,
    "cox": survival.time_to_event,
    **{method: binary.binary for method in BINARY_METHODS},
}
ESTIMATE_CONTEXTS = {"Kaplan–Meier median": "kaplan-meier", "Responders": "proportion", "Count": "count",
                     "Mean": "summary", "Median": "summary"}  # fmt: skip
CDISC_VARIABLES = {"value": "AVAL", "change": "CHG", "percent-change": "PCHG", "responder": "AVAL",
                   "time-to-event": "AVAL"}  # fmt: skip
KIND_WORDS = {
    "mean-difference": "Mean difference",
    "ls-mean-difference": "Difference in LS means",
    "median-difference": "Hodges–Lehmann shift",
    "risk-difference": "Risk difference, percentage points",
    "odds-ratio": "Odds ratio",
    "hazard-ratio": "Hazard ratio",
    "rate-ratio": "Rate ratio",
    "geometric-mean-ratio": "Ratio of geometric means",
    "slope": "Slope per unit dose",
}


@dataclass
class OutcomeResults:
    estimates: list[ArmEstimateRow] = field(default_factory=list)
    comparisons: list[ComparisonRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def analyse_outcome(outcome: OutcomeData) -> OutcomeResults:
    spec = outcome.spec
    found = OutcomeResults(notes=list(outcome.notes))
    timepoints = outcome.timepoints
    if spec.method == "mmrm":
        by_visit = mmrm(outcome, timepoints) if timepoints else {}
    else:
        by_visit = {visit: PER_VISIT[spec.method](outcome, visit) for visit in timepoints if visit in outcome.visits}
    for visit in timepoints:
        if visit not in outcome.visits:
            found.notes.append(f"{spec.parameter}: no records at timepoint '{visit}'; not analysed there.")
            continue
        result = by_visit[visit]
        found.notes.extend(result.notes)
        key = visit == outcome.key_timepoint
        if spec.scale == "log":
            result = geometric(result)
        found.estimates.extend(_estimate_rows(spec, visit, result, outcome.unit))
        found.comparisons.extend(_comparison_rows(spec, visit, result, key))
    return found


def compare_every_pair(outcome: OutcomeData, order: tuple[str, ...]) -> OutcomeResults:
    """Every pair of `order`'s arms, the earlier against the later, each by the outcome's SAP method: a masked
    edition's comparisons by letter, in which no arm is the comparator of every comparison. Each is tested
    two-sided for superiority: a margin and one side belong to an arm's comparison against control."""
    spec = replace(outcome.spec, test="superiority", margin=None, sides=2)
    return analyse_outcome(replace(outcome, spec=spec, pair_order=order))


GEOMETRIC = {"LS mean": "Geometric LS mean", "Mean": "Geometric mean"}


def geometric(result: MethodResult) -> MethodResult:
    """A log-scale analysis back on the original scale: geometric (LS) means, and their ratios between arms. The
    standard errors stay those of the logs."""
    arms = [
        replace(
            a,
            estimate_type=GEOMETRIC.get(a.estimate_type, a.estimate_type),
            estimate=exp_or_none(a.estimate),
            ci_low=exp_or_none(a.ci_low),
            ci_high=exp_or_none(a.ci_high),
            sd=None,
            q1=exp_or_none(a.q1),
            q3=exp_or_none(a.q3),
            minimum=exp_or_none(a.minimum),
            maximum=exp_or_none(a.maximum),
        )
        for a in result.arms
    ]
    pairs = [
        replace(
            p,
            kind="geometric-mean-ratio",
            inference=None
            if p.inference is None
            else replace(
                p.inference,
                estimate=math.exp(p.inference.estimate),
                ci_low=exp_or_none(p.inference.ci_low),
                ci_high=exp_or_none(p.inference.ci_high),
            ),
        )
        if p.kind in ("mean-difference", "ls-mean-difference")
        else p
        for p in result.pairs
    ]
    method = result.method + "; analysed on the natural log of the value, back-transformed (geometric means)"
    return MethodResult(method, result.context, arms, pairs, result.notes)


def _estimate_rows(spec: OutcomeSpec, visit: str, result: MethodResult, unit: str) -> list[ArmEstimateRow]:
    return [
        ArmEstimateRow(
            spec.parameter,
            spec.title,
            spec.outcome_type,
            visit,
            a.arm,
            a.estimate_type,
            a.n,
            a.estimate,
            a.std_error,
            a.ci_low,
            a.ci_high,
            spec.ci_level,
            a.n_events,
            a.n_censored,
            a.sd,
            a.q1,
            a.q3,
            a.minimum,
            a.maximum,
            result.method,
            "percent" if a.estimate_type == "Responders" else unit,
            context=ESTIMATE_CONTEXTS.get(a.estimate_type, result.context),
            variable=CDISC_VARIABLES[spec.variable],
            population=spec.population,
        )
        for a in result.arms
    ]


def _comparison_rows(spec: OutcomeSpec, visit: str, result: MethodResult, key: bool) -> list[ComparisonRow]:
    rows = []
    for pair in result.pairs:
        ratio = pair.kind in RATIO_KINDS
        inference = pair.inference
        words = KIND_WORDS[pair.kind] + ("" if pair.kind == "slope" else " (arm − comparator)" if not ratio else
                                         " (arm / comparator)")  # fmt: skip
        trend = pair.kind == "slope"
        rows.append(
            ComparisonRow(
                spec.parameter,
                spec.title,
                spec.outcome_type,
                visit,
                TOTAL if trend else pair.arm,
                pair.control,
                f"{result.method}; {test_description(spec, ratio=ratio) if not trend else 'two-sided p'}",
                words,
                inference.estimate if inference else None,
                inference.ci_low if inference else None,
                inference.ci_high if inference else None,
                inference.p_value if inference else None,
                pair.n_arm,
                pair.n_control,
                pair.note,
                std_error=inference.std_error if inference else None,
                ci_level=spec.ci_level,
                sides=2 if trend else spec.sides,
                test="superiority" if trend else spec.test,
                margin=None if trend else spec.margin,
                context="dose-response" if trend else result.context,
                estimate_kind=pair.kind,
                key_timepoint=key,
                variable=CDISC_VARIABLES[spec.variable],
                population=spec.population,
            )
        )
    return rows
