"""Binary outcomes (responders, or a 0/1 value): each arm's responders with a Wilson interval; the risk difference
with a Newcombe or Miettinen–Nurminen interval; Fisher's exact and Pearson's chi-square; the odds ratio by
logistic regression or, stratified, by Cochran–Mantel–Haenszel."""

from __future__ import annotations

import math

import numpy as np
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from service.errors import DataError
from service.outcomes import score_interval
from service.outcomes.data import OutcomeData
from service.outcomes.estimates import ArmResult, MethodResult, PairResult
from service.outcomes.fits import (
    RANK_DEFICIENT,
    Frame,
    analysis_frame,
    arm_contrast,
    combine,
    design_of,
    full_rank,
    pairs,
)
from service.outcomes.inference import Inference, infer
from service.outcomes.stratified_risk import Stratum, mantel_haenszel_difference
from service.stats import fisher_p

METHOD_WORDS = {
    "newcombe": "Risk difference with the Newcombe hybrid-score interval (Newcombe 1998, method 10); p by Pearson's "
    "chi-square test without continuity correction",
    "miettinen-nurminen": "Risk difference with the Miettinen–Nurminen score interval and score test",
    "fisher": "Risk difference with the Newcombe hybrid-score interval; p by Fisher's exact test (two-sided)",
    "chi-square": "Risk difference with the Newcombe hybrid-score interval; p by Pearson's chi-square test without "
    "continuity correction",
    "logistic": "Logistic regression (maximum likelihood); odds ratio with Wald interval and Wald p",
    "cmh": "Cochran–Mantel–Haenszel: Mantel–Haenszel common odds ratio with the Robins–Breslow–Greenland interval; "
    "p by the CMH test without continuity correction",
    "mh-risk-difference": "Mantel–Haenszel risk difference over the strata with Sato's variance (Sato 1989); Wald "
    "interval and z test",
}
# Each arm's interval for its proportion: Wilson's score interval, or Clopper & Pearson's (1934) exact one (the
# beta quantiles, R's binom.test) where the SAP declares it.
ARM_INTERVALS = {"wilson": ("wilson", "the Wilson score interval"),
                 "clopper-pearson": ("beta", "the Clopper–Pearson exact interval")}  # fmt: skip
CONTEXTS = {"newcombe": "newcombe", "miettinen-nurminen": "miettinen-nurminen", "fisher": "fisher",
            "chi-square": "chisq", "logistic": "logistic", "cmh": "cmh",
            "mh-risk-difference": "mh-risk-difference"}  # fmt: skip


def binary(outcome: OutcomeData, visit: str) -> MethodResult:
    spec = outcome.spec
    method = spec.method
    words = METHOD_WORDS[method]
    if spec.responder is not None:
        words = f"Responders ({spec.responder.text}); " + words
    interval, interval_words = ARM_INTERVALS[spec.ci_method]
    words += f"; each arm's proportion with {interval_words}"
    result = MethodResult(words, CONTEXTS[method])
    frame = analysis_frame(outcome, visit, outcome.arms)
    data = frame.frame
    bad = data[~data["y"].isin([0.0, 1.0])]
    if not bad.empty:
        row = bad.iloc[0]
        raise DataError(f"outcome {spec.parameter} is analysed as binary, but {row['subject']} has {row['y']:g} at "
                        f"{visit}", file=outcome.dataset or "measurements", column="AVAL",
                        hint="A binary value is 0 or 1; for other values define variable = \"responder\".")  # fmt: skip
    counts = {arm: (int(data.loc[data["arm"] == arm, "y"].sum()), int((data["arm"] == arm).sum()))
              for arm in outcome.arms}  # fmt: skip
    for arm, (events, n) in counts.items():
        if n == 0:
            result.arms.append(ArmResult(arm, "Responders", 0, None, n_events=0))
            continue
        low, high = proportion_confint(events, n, alpha=1 - spec.ci_level, method=interval)
        result.arms.append(ArmResult(arm, "Responders", n, 100 * events / n, None, 100 * float(low),
                                     100 * float(high), n_events=events))  # fmt: skip
    if method == "logistic":
        result.pairs = _logistic(outcome, frame, counts)
        return result
    if method == "cmh":
        result.pairs = _cmh(outcome, frame, counts)
        return result
    if method == "mh-risk-difference":
        result.pairs = _mh_risk_difference(outcome, frame, counts)
        return result
    for a, c in pairs(outcome, outcome.arms):
        (xa, na), (xc, nc) = counts[a], counts[c]
        if na == 0 or nc == 0:
            result.pairs.append(PairResult(a, c, "risk-difference", None, na, nc, "an arm has no data"))
            continue
        result.pairs.append(PairResult(a, c, "risk-difference", _risk_difference(outcome, xa, na, xc, nc), na, nc))
    return result


def _risk_difference(outcome: OutcomeData, xa: int, na: int, xc: int, nc: int) -> Inference:
    """In percentage points."""
    spec = outcome.spec
    alpha = 1 - spec.ci_level
    difference = xa / na - xc / nc
    if spec.method == "miettinen-nurminen":
        low, high = score_interval.interval(xa, na, xc, nc, spec.ci_level)
        value = 0.0
        alternative = "two-sided"
        if spec.test == "non-inferiority":
            assert spec.margin is not None
            value = -spec.margin / 100 if spec.direction == "higher" else spec.margin / 100
            alternative = "larger" if spec.direction == "higher" else "smaller"
        elif spec.sides == 1:
            alternative = "larger" if spec.direction == "higher" else "smaller"
        score_p = score_interval.p_value(xa, na, xc, nc, value, alternative)
        return Inference(100 * difference, None, 100 * low, 100 * high, score_p)
    low, high = confint_proportions_2indep(xa, na, xc, nc, method="newcomb", compare="diff", alpha=alpha)
    table = [[xa, na - xa], [xc, nc - xc]]
    if spec.method == "fisher":
        p: float | None = fisher_p(xa, na, xc, nc)
    elif min(sum(col) for col in zip(*table, strict=True)) == 0:
        p = None  # no variation in the outcome: chi-square undefined
    else:
        p = float(stats.chi2_contingency(table, correction=False).pvalue)
    return Inference(100 * difference, None, 100 * float(low), 100 * float(high), p)


def _logistic(outcome: OutcomeData, frame: Frame, counts: dict[str, tuple[int, int]]) -> list[PairResult]:
    found: list[PairResult] = []
    data = frame.frame
    usable = len(frame.arms) >= 2 and data["y"].nunique() == 2
    fit = None
    if usable:
        try:
            fit = smf.logit("y ~ C(arm)" + frame.terms, data=data).fit(disp=0)
        except np.linalg.LinAlgError:
            fit = None
    for a, c in pairs(outcome, outcome.arms):
        na, nc = counts[a][1], counts[c][1]
        if fit is not None and not full_rank(fit.model):
            found.append(PairResult(a, c, "odds-ratio", None, na, nc, RANK_DEFICIENT))
            continue
        if fit is None or a not in frame.arms or c not in frame.arms or not fit.mle_retvals.get("converged", True):
            found.append(PairResult(a, c, "odds-ratio", None, na, nc,
                                    "the logistic model cannot be fitted (no variation, or separation)"))  # fmt: skip
            continue
        design = design_of(fit.model)
        vector = arm_contrast(design, frame, a, c)
        log_odds = combine(fit.params.to_numpy(), fit.cov_params().to_numpy(), vector)
        found.append(PairResult(a, c, "odds-ratio", infer(log_odds.estimate, log_odds.std_error, outcome.spec,
                                                          ratio=True), na, nc))  # fmt: skip
    return found


def _strata(frame: Frame, a: str, c: str) -> list[Stratum]:
    """The pair's 2 × 2 table in each stratum of the adjusting variables that holds both arms."""
    data = frame.frame
    strata_columns = list(frame.factors) + [n for n in frame.numerics if n != "base"]
    pair = data[data["arm"].isin([a, c])]
    found = []
    for _, stratum in pair.groupby(strata_columns, observed=True):
        xa = int(stratum.loc[stratum["arm"] == a, "y"].sum())
        ta = int((stratum["arm"] == a).sum())
        xc = int(stratum.loc[stratum["arm"] == c, "y"].sum())
        tc = int((stratum["arm"] == c).sum())
        if ta and tc:
            found.append(Stratum(xa, ta, xc, tc))
    return found


def _mh_risk_difference(outcome: OutcomeData, frame: Frame, counts: dict[str, tuple[int, int]]) -> list[PairResult]:
    """In percentage points, as the unstratified risk difference."""
    found = []
    for a, c in pairs(outcome, outcome.arms):
        na, nc = counts[a][1], counts[c][1]
        strata = _strata(frame, a, c)
        if not strata:
            found.append(PairResult(a, c, "risk-difference", None, na, nc, "no stratum holds both arms"))
            continue
        mh = mantel_haenszel_difference(strata)
        inference = infer(100 * mh.difference, 100 * mh.std_error, outcome.spec)
        found.append(PairResult(a, c, "risk-difference", inference, na, nc,
                                f"{len(strata)} strata by {', '.join(frame.terms_named)}"))  # fmt: skip
    return found


def _cmh(outcome: OutcomeData, frame: Frame, counts: dict[str, tuple[int, int]]) -> list[PairResult]:
    found = []
    for a, c in pairs(outcome, outcome.arms):
        na, nc = counts[a][1], counts[c][1]
        tables = [np.array([[s.events_arm, s.n_arm - s.events_arm], [s.events_control, s.n_control - s.events_control]],
                           dtype=float) for s in _strata(frame, a, c)]  # fmt: skip
        if not tables:
            found.append(PairResult(a, c, "odds-ratio", None, na, nc, "no stratum holds both arms"))
            continue
        table = StratifiedTable(tables)
        odds = float(table.oddsratio_pooled)
        if not math.isfinite(odds) or odds <= 0:
            found.append(PairResult(a, c, "odds-ratio", None, na, nc, "the common odds ratio is 0 or infinite"))
            continue
        low, high = table.oddsratio_pooled_confint(alpha=1 - outcome.spec.ci_level)
        p = float(table.test_null_odds(correction=False).pvalue)
        se = float(table.logodds_pooled_se)
        found.append(PairResult(a, c, "odds-ratio", Inference(odds, se, float(low), float(high), p), na, nc,
                                f"{len(tables)} strata by {', '.join(frame.terms_named)}"))  # fmt: skip
    return found
