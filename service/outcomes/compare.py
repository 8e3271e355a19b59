"""The between-arm comparison of an outcome, each arm against control, by the method the definition names."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from service.outcomes.definition import OutcomeSpec
from service.outcomes.summary import OutcomeData
from service.results import ComparisonRow
from service.stats import Estimate, fisher_p, risk_difference

ESTIMATE_TYPES = {
    "welch": "Mean difference (arm − control)",
    "mann-whitney": "Hodges–Lehmann shift (arm − control)",
    "ancova": "Baseline-adjusted mean difference (arm − control)",
    "fisher": "Risk difference, percentage points (arm − control)",
    "chi-square": "Risk difference, percentage points (arm − control)",
}
METHOD_NAMES = {
    "welch": "Welch two-sample t-test",
    "mann-whitney": "Mann–Whitney U test (two-sided)",
    "ancova": "ANCOVA (value ~ arm + baseline value)",
    "fisher": "Fisher's exact test (two-sided)",
    "chi-square": "Pearson chi-square test (no continuity correction)",
}


def compare_outcome(spec: OutcomeSpec, outcome: OutcomeData) -> tuple[ComparisonRow, ...]:
    if not outcome.visits:
        return ()
    visit = spec.timepoint if spec.timepoint in outcome.visits else list(outcome.visits)[-1]
    note = "" if spec.timepoint in (None, visit) else f"timepoint '{spec.timepoint}' has no data; compared at {visit}"
    rows = []
    for arm in outcome.arms:
        if outcome.control is None or arm == outcome.control:
            continue
        a = _values(spec, outcome, visit, arm)
        c = _values(spec, outcome, visit, outcome.control)
        estimate, p_value, why = _compare(spec, outcome, visit, arm, a, c)
        rows.append(
            ComparisonRow(
                spec.parameter,
                spec.title,
                spec.outcome_type,
                visit,
                arm,
                outcome.control,
                METHOD_NAMES[spec.method],
                ESTIMATE_TYPES[spec.method],
                estimate.value if estimate else None,
                estimate.low if estimate else None,
                estimate.high if estimate else None,
                p_value,
                len(a),
                len(c),
                "; ".join(x for x in (note, why) if x),
            )
        )
    return tuple(rows)


def _values(spec: OutcomeSpec, outcome: OutcomeData, visit: str, arm: str) -> list[float]:
    values = outcome.visits[visit]
    subjects = [s for s, a in outcome.arm_of.items() if a == arm and s in values]
    if spec.variable == "change":
        return [values[s] - outcome.baseline[s] for s in subjects if s in outcome.baseline]
    return [values[s] for s in subjects]


def _compare(
    spec: OutcomeSpec, outcome: OutcomeData, visit: str, arm: str, a: list[float], c: list[float]
) -> tuple[Estimate | None, float | None, str]:
    if len(a) < 2 or len(c) < 2:
        return None, None, "fewer than 2 participants in an arm: not compared"
    if spec.method == "welch":
        result = stats.ttest_ind(a, c, equal_var=False)
        ci = result.confidence_interval(0.95)
        return Estimate(float(np.mean(a) - np.mean(c)), float(ci.low), float(ci.high)), float(result.pvalue), ""
    if spec.method == "mann-whitney":
        p_value = float(stats.mannwhitneyu(a, c, alternative="two-sided").pvalue)
        return hodges_lehmann(a, c), p_value, ""
    if spec.method == "ancova":
        return _ancova(outcome, visit, arm)
    return _binary(spec, a, c)


def hodges_lehmann(a: list[float], c: list[float]) -> Estimate:
    """The median of all pairwise differences a − c, with the distribution-free 95% CI from the Mann–Whitney
    distribution (normal approximation to its critical value; Lehmann 1975, Hollander & Wolfe)."""
    differences = sorted(x - y for x in a for y in c)
    m, n = len(a), len(c)
    k = math.floor(m * n / 2 - stats.norm.ppf(0.975) * math.sqrt(m * n * (m + n + 1) / 12))
    k = max(k, 0)
    return Estimate(float(np.median(differences)), differences[k], differences[m * n - k - 1])


def _ancova(outcome: OutcomeData, visit: str, arm: str) -> tuple[Estimate | None, float | None, str]:
    values = outcome.visits[visit]
    rows = [
        (values[s], outcome.baseline[s], 1.0 if a == arm else 0.0)
        for s, a in outcome.arm_of.items()
        if a in (arm, outcome.control) and s in values and s in outcome.baseline
    ]
    if sum(r[2] for r in rows) < 2 or sum(1 - r[2] for r in rows) < 2:
        return None, None, "fewer than 2 participants with baseline and visit values in an arm: not compared"
    y, base, treated = (np.array(column) for column in zip(*rows, strict=True))
    fit = smf.ols("y ~ treated + base", data=pd.DataFrame({"y": y, "base": base, "treated": treated})).fit()
    low, high = fit.conf_int().loc["treated"]
    return Estimate(float(fit.params["treated"]), float(low), float(high)), float(fit.pvalues["treated"]), ""


def _binary(spec: OutcomeSpec, a: list[float], c: list[float]) -> tuple[Estimate | None, float | None, str]:
    if any(v not in (0.0, 1.0) for v in (*a, *c)):
        return None, None, "a binary comparison needs values 0 or 1"
    na, nc = int(sum(a)), int(sum(c))
    diff = risk_difference(na, len(a), nc, len(c))
    if spec.method == "fisher":
        return diff, fisher_p(na, len(a), nc, len(c)), ""
    table = [[na, len(a) - na], [nc, len(c) - nc]]
    if min(sum(col) for col in zip(*table, strict=True)) == 0:
        return diff, None, "no variation in the outcome: chi-square undefined"
    return diff, float(stats.chi2_contingency(table, correction=False).pvalue), ""
