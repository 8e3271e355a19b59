"""Counts of events per participant (hypoglycaemic episodes, exacerbations): each arm's total and mean, and the
rate ratio by Poisson or negative binomial (NB2) regression with a Wald interval."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
import statsmodels.formula.api as smf

from service.outcomes.data import OutcomeData
from service.outcomes.estimates import ArmResult, MethodResult, PairResult
from service.outcomes.fits import (
    RANK_DEFICIENT,
    analysis_frame,
    arm_contrast,
    combine,
    design_of,
    full_rank,
    pairs,
)
from service.outcomes.inference import infer
from service.stats import summarise

METHOD_WORDS = {
    "poisson": "Poisson regression (log link, maximum likelihood); rate ratio with Wald interval and Wald p",
    "negative-binomial": "Negative binomial (NB2) regression, dispersion estimated by maximum likelihood; rate ratio "
    "with Wald interval and Wald p",
}


def count(outcome: OutcomeData, visit: str) -> MethodResult:
    spec = outcome.spec
    frame = analysis_frame(outcome, visit, outcome.arms)
    data = frame.frame
    result = MethodResult(METHOD_WORDS[spec.method], "poisson" if spec.method == "poisson" else "negbin")
    for arm in outcome.arms:
        values = data.loc[data["arm"] == arm, "y"].tolist()
        s = summarise(values)
        result.arms.append(ArmResult(arm, "Count", s.n, float(sum(values)) if values else None,
                                     n_events=int(sum(values)), sd=s.sd, q1=s.q1, q3=s.q3, minimum=s.minimum,
                                     maximum=s.maximum))  # fmt: skip
    fit = None
    if len(frame.arms) >= 2 and data["y"].sum() > 0:
        formula = "y ~ C(arm)" + frame.terms
        if spec.method == "poisson":
            fit = smf.glm(formula, data=data, family=sm.families.Poisson()).fit()
        else:
            fit = smf.negativebinomial(formula, data=data).fit(disp=0, maxiter=200)
    for a, c in pairs(outcome, outcome.arms):
        na, nc = int((data["arm"] == a).sum()), int((data["arm"] == c).sum())
        if fit is None or a not in frame.arms or c not in frame.arms:
            result.pairs.append(PairResult(a, c, "rate-ratio", None, na, nc, "no events, or an arm has no data"))
            continue
        if not full_rank(fit.model):
            result.pairs.append(PairResult(a, c, "rate-ratio", None, na, nc, RANK_DEFICIENT))
            continue
        design = design_of(fit.model)
        vector = arm_contrast(design, frame, a, c)
        params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        k = len(vector)
        log_ratio = combine(params[:k], cov[:k, :k], vector)  # NB2's dispersion parameter comes last
        result.pairs.append(PairResult(a, c, "rate-ratio", infer(log_ratio.estimate, log_ratio.std_error, spec,
                                                                 ratio=True), na, nc))  # fmt: skip
    return result
