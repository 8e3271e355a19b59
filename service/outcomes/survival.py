"""Time to event: each arm's Kaplan–Meier median with its CI, events and censored; the log-rank test; the Cox
proportional-hazards hazard ratio (Efron's method for ties), adjusted for the definition's covariates."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from service.outcomes.data import OutcomeData
from service.outcomes.estimates import ArmResult, MethodResult, PairResult
from service.outcomes.fits import (
    Frame,
    analysis_frame,
    arm_contrast,
    combine,
    design_of,
    full_rank,
    pairs,
)
from service.outcomes.inference import Inference, infer

KM_WORDS = ("Kaplan–Meier median (the first time the survival estimate is at or below 0.5) with the "
            "Brookmeyer–Crowley interval on the complementary log-log scale")  # fmt: skip


def time_to_event(outcome: OutcomeData, visit: str) -> MethodResult:
    spec = outcome.spec
    frame = analysis_frame(outcome, visit, outcome.arms)
    data = frame.frame.assign(event=(~frame.frame["censored"].fillna(False).astype(bool)).astype(float))
    p_words = ("p by the log-rank test" + (" stratified by " + ", ".join(frame.terms_named) if frame.factors else "")
               if spec.method == "logrank" else "p by the Cox model's Wald test")  # fmt: skip
    result = MethodResult(
        f"{KM_WORDS}; hazard ratio by Cox proportional-hazards regression (Efron ties"
        + (f"; adjusted for {frame.adjusted_for}" if frame.terms_named else "")
        + f") with Wald interval; {p_words}",
        "logrank" if spec.method == "logrank" else "cox",
    )
    if data["censored"].isna().any():
        result.notes.append(f"{spec.parameter}: records without a censoring indicator (CNSR) are taken as events.")
    for arm in outcome.arms:
        part = data[data["arm"] == arm]
        events = int(part["event"].sum())
        if part.empty:
            result.arms.append(ArmResult(arm, "Kaplan–Meier median", 0, None, n_events=0, n_censored=0))
            continue
        survival = SurvfuncRight(part["y"].to_numpy(), part["event"].to_numpy())
        median = _finite(survival.quantile(0.5))
        low, high = (None, None)
        if events:
            with np.errstate(divide="ignore", invalid="ignore"):  # a limit not reached is inf/NaN: "not estimable"
                bounds = survival.quantile_ci(0.5, alpha=1 - spec.ci_level)
            low, high = _finite(bounds[0]), _finite(bounds[1])
        result.arms.append(ArmResult(arm, "Kaplan–Meier median", len(part), median, None, low, high,
                                     n_events=events, n_censored=len(part) - events,
                                     minimum=float(part["y"].min()), maximum=float(part["y"].max())))  # fmt: skip
    cox = _cox(frame, data)
    for a, c in pairs(outcome, outcome.arms):
        pair = data[data["arm"].isin([a, c])]
        na, nc = int((pair["arm"] == a).sum()), int((pair["arm"] == c).sum())
        if na == 0 or nc == 0 or pair["event"].sum() == 0:
            result.pairs.append(PairResult(a, c, "hazard-ratio", None, na, nc, "no events, or an arm has no data"))
            continue
        hazard = None
        if cox is not None:
            design, params, cov = cox
            vector = arm_contrast(design, frame, a, c)
            log_hr = combine(params, cov, vector)
            hazard = infer(log_hr.estimate, log_hr.std_error, spec, ratio=True)
        p = _logrank(pair, frame) if spec.method == "logrank" else (hazard.p_value if hazard else None)
        if hazard is None:
            result.pairs.append(PairResult(a, c, "hazard-ratio", Inference(math.nan, None, None, None, p), na, nc,
                                           "the Cox model cannot be fitted, or did not converge"))  # fmt: skip
            continue
        estimate = Inference(hazard.estimate, hazard.std_error, hazard.ci_low, hazard.ci_high, p)
        result.pairs.append(PairResult(a, c, "hazard-ratio", estimate, na, nc))
    return result


def _cox(frame: Frame, data: pd.DataFrame) -> tuple[Any, np.ndarray, np.ndarray] | None:
    if len(frame.arms) < 2 or data["event"].sum() == 0:
        return None
    model = sm.PHReg.from_formula("y ~ C(arm)" + frame.terms, data=data, status=data["event"].to_numpy(),
                                  ties="efron")  # fmt: skip
    if not full_rank(model):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # said in the row's note instead
        fit = model.fit()
    if not (getattr(fit, "mle_retvals", None) or {}).get("converged", True):
        return None  # no hazard ratio from a partial likelihood that did not converge (e.g. an arm without events)
    return design_of(model), np.asarray(fit.params), np.asarray(fit.cov_params())


def _logrank(pair: pd.DataFrame, frame: Frame) -> float | None:
    strata = None
    if frame.factors:
        strata = pair[list(frame.factors)].astype(str).agg("|".join, axis=1).to_numpy()
    _, p = survdiff(pair["y"].to_numpy(), pair["event"].to_numpy(), pair["arm"].astype(str).to_numpy(),
                    strata=strata)  # fmt: skip
    return float(p)


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None
