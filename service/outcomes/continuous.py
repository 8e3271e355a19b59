"""Continuous outcomes: ANCOVA with LS means and a dose-response trend, Welch's t-test and the Mann–Whitney test
with the Hodges–Lehmann shift. The mixed model for repeated measures is service.outcomes.mmrm."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import statsmodels.formula.api as smf
from scipy import stats

from service.outcomes.data import OutcomeData
from service.outcomes.estimates import ArmResult, MethodResult, PairResult
from service.outcomes.fits import (
    RANK_DEFICIENT,
    Frame,
    analysis_frame,
    combine,
    design_of,
    full_rank,
    grid_vector,
    pairs,
    reference_grid,
)
from service.outcomes.inference import Inference, infer
from service.outcomes.rank_sum import EXACT_MAX_GROUP, rank_sum_test
from service.stats import summarise

VARIABLE_WORDS = {"value": "value", "change": "change from baseline", "percent-change": "percent change from baseline"}


def _words(outcome: OutcomeData) -> str:
    return VARIABLE_WORDS.get(outcome.spec.variable, "value")


def wald_interval(estimate: float, se: float, level: float, df: float | None) -> tuple[float | None, float | None]:
    if not (math.isfinite(se) and se > 0):
        return None, None
    quantile = float((stats.norm if df is None else stats.t(df)).ppf(1 - (1 - level) / 2))
    return estimate - quantile * se, estimate + quantile * se


def _not_estimable(outcome: OutcomeData, frame: Frame, result: MethodResult, kind: str, why: str) -> MethodResult:
    counts = frame.frame["arm"].value_counts()
    result.arms = [ArmResult(arm, "LS mean", int(counts.get(arm, 0)), None) for arm in outcome.arms]
    result.pairs = [PairResult(a, c, kind, None, int(counts.get(a, 0)), int(counts.get(c, 0)), why)
                    for a, c in pairs(outcome, outcome.arms)]  # fmt: skip
    return result


def ancova(outcome: OutcomeData, visit: str) -> MethodResult:
    spec = outcome.spec
    frame = analysis_frame(outcome, visit, outcome.arms)
    result = MethodResult(
        f"ANCOVA by ordinary least squares ({_words(outcome)} ~ arm + {frame.adjusted_for}); LS means with numeric "
        "covariates at their mean and factor levels weighted equally; t tests on the residual degrees of freedom",
        "ancova",
    )
    if frame.excluded:
        result.notes.append(f"{spec.parameter} at {visit}: {frame.excluded} participant(s) without a value of "
                            f"{frame.adjusted_for} are not in the ANCOVA.")  # fmt: skip
    data = frame.frame
    counts = data["arm"].value_counts()
    if len(frame.arms) < 2 or min(counts.get(a, 0) for a in frame.arms) < 2:
        return _not_estimable(outcome, frame, result, "ls-mean-difference",
                              "fewer than 2 participants with data in an arm: not estimated")  # fmt: skip
    fit = smf.ols("y ~ C(arm)" + frame.terms, data=data).fit()
    if not full_rank(fit.model):
        return _not_estimable(outcome, frame, result, "ls-mean-difference", RANK_DEFICIENT)
    if fit.df_resid < 1:
        return _not_estimable(outcome, frame, result, "ls-mean-difference", "no residual degrees of freedom")
    design = design_of(fit.model)
    params, cov = fit.params.to_numpy(), fit.cov_params().to_numpy()
    vectors = {arm: grid_vector(design, reference_grid(frame, arm)) for arm in frame.arms}
    _ls_means(outcome, result, params, cov, vectors, counts, fit.df_resid)
    if spec.dose_response:
        result.pairs.append(dose_response(outcome, frame))
    return result


def _ls_means(outcome: OutcomeData, result: MethodResult, params: np.ndarray, cov: np.ndarray,
              vectors: Mapping[str, np.ndarray], counts: Mapping[str, int], df: float | None) -> None:  # fmt: skip
    """Each arm's LS mean (L·β with its CI) and each pair's difference of LS means, from a fit's coefficients and
    the arms' grid vectors; `df` None for Wald z intervals and tests."""
    for arm in outcome.arms:
        if arm not in vectors:
            result.arms.append(ArmResult(arm, "LS mean", 0, None))
            continue
        mean = combine(params, cov, vectors[arm])
        low, high = wald_interval(mean.estimate, mean.std_error, outcome.spec.ci_level, df)
        result.arms.append(ArmResult(arm, "LS mean", int(counts.get(arm, 0)), mean.estimate, mean.std_error, low,
                                     high))  # fmt: skip
    for a, c in pairs(outcome, outcome.arms):
        na, nc = int(counts.get(a, 0)), int(counts.get(c, 0))
        if a not in vectors or c not in vectors:
            result.pairs.append(PairResult(a, c, "ls-mean-difference", None, na, nc, "an arm has no data"))
            continue
        difference = combine(params, cov, vectors[a] - vectors[c])
        inference = infer(difference.estimate, difference.std_error, outcome.spec, df=df)
        result.pairs.append(PairResult(a, c, "ls-mean-difference", inference, na, nc))


def dose_response(outcome: OutcomeData, frame: Frame) -> PairResult:
    """The trend over the arms' doses: the slope of the outcome on the dose, in the ANCOVA's covariates."""
    data = frame.frame.assign(dose=frame.frame["arm"].astype(str).map(outcome.doses).astype(float))
    fit = smf.ols("y ~ dose" + frame.terms, data=data).fit()
    slope, se = float(fit.params["dose"]), float(fit.bse["dose"])
    low, high = wald_interval(slope, se, outcome.spec.ci_level, fit.df_resid)
    p = float(fit.pvalues["dose"])
    return PairResult("", "", "slope", Inference(slope, se, low, high, p), len(data), 0,
                      "trend: slope per unit dose over every arm, doses " +
                      ", ".join(f"{arm} {outcome.doses[arm]:g}" for arm in frame.arms))  # fmt: skip


def _values(outcome: OutcomeData, visit: str, arm: str) -> list[float]:
    observations = outcome.visits.get(visit, {})
    return [o.y for s, o in observations.items() if outcome.arm_of.get(s) == arm and o.y is not None]


def _descriptive(outcome: OutcomeData, visit: str, estimate_type: str) -> list[ArmResult]:
    rows = []
    for arm in outcome.arms:
        values = _values(outcome, visit, arm)
        s = summarise(values)
        se = s.sd / math.sqrt(s.n) if s.sd is not None else None
        low, high = wald_interval(s.mean, se, outcome.spec.ci_level, s.n - 1) if s.mean is not None and se else (
            None, None)  # fmt: skip
        centre = s.mean if estimate_type == "Mean" else s.median
        rows.append(ArmResult(arm, estimate_type, s.n, centre, se if estimate_type == "Mean" else None,
                              low if estimate_type == "Mean" else None, high if estimate_type == "Mean" else None,
                              sd=s.sd, q1=s.q1, q3=s.q3, minimum=s.minimum, maximum=s.maximum))  # fmt: skip
    return rows


def _two_samples(
    outcome: OutcomeData, visit: str, result: MethodResult, estimate_type: str, kind: str,
    compare: Callable[[list[float], list[float]], Inference],
) -> MethodResult:  # fmt: skip
    """Each arm described, and each pair compared on its raw values (no model, no covariates)."""
    result.arms = _descriptive(outcome, visit, estimate_type)
    for a, c in pairs(outcome, outcome.arms):
        x, y = _values(outcome, visit, a), _values(outcome, visit, c)
        if len(x) < 2 or len(y) < 2:
            result.pairs.append(PairResult(a, c, kind, None, len(x), len(y),
                                           "fewer than 2 participants in an arm: not compared"))  # fmt: skip
            continue
        result.pairs.append(PairResult(a, c, kind, compare(x, y), len(x), len(y)))
    return result


def welch(outcome: OutcomeData, visit: str) -> MethodResult:
    def compare(x: list[float], y: list[float]) -> Inference:
        test = stats.ttest_ind(x, y, equal_var=False)
        difference = float(np.mean(x) - np.mean(y))
        se = math.sqrt(float(np.var(x, ddof=1)) / len(x) + float(np.var(y, ddof=1)) / len(y))
        return infer(difference, se, outcome.spec, df=float(test.df))

    method = "Welch two-sample t-test (unequal variances, Welch–Satterthwaite degrees of freedom)"
    return _two_samples(outcome, visit, MethodResult(method, "welch"), "Mean", "mean-difference", compare)


def mann_whitney(outcome: OutcomeData, visit: str) -> MethodResult:
    level = outcome.spec.ci_level
    result = MethodResult(
        f"Mann–Whitney U test (two-sided; exact when both arms have at most {EXACT_MAX_GROUP} values, else normal "
        f"approximation); Hodges–Lehmann shift with its distribution-free {100 * level:g}% confidence interval",
        "wilcoxon",
    )
    result.arms = _descriptive(outcome, visit, "Median")
    for a, c in pairs(outcome, outcome.arms):
        x, y = _values(outcome, visit, a), _values(outcome, visit, c)
        if len(x) < 2 or len(y) < 2:
            result.pairs.append(PairResult(a, c, "median-difference", None, len(x), len(y),
                                           "fewer than 2 participants in an arm: not compared"))  # fmt: skip
            continue
        test = rank_sum_test(x, y, level)
        inference = Inference(test.shift, None, test.ci_low, test.ci_high, test.p_value)
        result.pairs.append(PairResult(a, c, "median-difference", inference, len(x), len(y), test.how))
    return result
