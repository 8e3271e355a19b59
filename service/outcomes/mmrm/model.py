"""The SAP's mixed model for repeated measures on one outcome: the design, the fit (with its fallbacks), and the
LS means and differences between arms at each visit asked for.

Fixed effects: visit, arm × visit, each `adjust` covariate, and covariate × visit for those in `by_visit` (by
default baseline × visit, as SAPs specify). LS means follow emmeans and SAS LSMEANS on the long data: numeric
covariates at their mean over the analysed records, every factor's levels weighted equally.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from service.outcomes.data import OutcomeData
from service.outcomes.estimates import ArmResult, MethodResult, PairResult
from service.outcomes.fits import analysis_frame, column, pairs
from service.outcomes.inference import infer
from service.outcomes.mmrm import degrees
from service.outcomes.mmrm.covariance import STRUCTURE_WORDS
from service.outcomes.mmrm.fit import Fit, NotConverged, fit, group

VARIABLE_WORDS = {"value": "value", "change": "change from baseline", "percent-change": "percent change from baseline"}
ESTIMATION_WORDS = {"reml": "REML", "ml": "maximum likelihood"}


@dataclass(frozen=True)
class Design:
    x: np.ndarray
    columns: list[str]
    visits: list[str]
    arms: list[str]  # control first
    vectors: dict[tuple[str, str], np.ndarray]  # (arm, visit) -> L of the LS mean


def long_frame(outcome: OutcomeData) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...], int]:
    """Every post-baseline visit's analysis frame stacked: the records the model uses."""
    frames, excluded = [], 0
    factors: tuple[str, ...] = ()
    numerics: tuple[str, ...] = ()
    for visit, observations in outcome.visits.items():
        if all(o.is_baseline for o in observations.values()):
            continue
        frame = analysis_frame(outcome, visit, outcome.arms)
        excluded = max(excluded, frame.excluded)
        factors, numerics = (
            tuple(dict.fromkeys(factors + frame.factors)),
            tuple(dict.fromkeys(numerics + frame.numerics)),
        )
        if not frame.frame.empty:
            frames.append(frame.frame.assign(visit=visit, arm=frame.frame["arm"].astype(str)))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return data, factors, numerics, excluded


def design(outcome: OutcomeData, data: pd.DataFrame, factors: Sequence[str], numerics: Sequence[str]) -> Design:
    visits = [v for v in outcome.visits if v in set(data["visit"])]
    present = set(data["arm"])
    arms = sorted((a for a in outcome.arms if a in present), key=lambda a: a != outcome.control)
    by_visit = {column(name) for name in outcome.spec.by_visit}
    cols: dict[str, np.ndarray] = {}
    visit_of = data["visit"].to_numpy()
    arm_of = data["arm"].to_numpy()
    for v in visits:
        cols[f"visit {v}"] = (visit_of == v).astype(float)
    for a in arms[1:]:
        for v in visits:
            cols[f"{a} at {v}"] = ((arm_of == a) & (visit_of == v)).astype(float)
    levels = {f: sorted(data[f].unique()) for f in factors}
    terms: dict[str, np.ndarray] = {n: data[n].to_numpy(float) for n in numerics}
    for f in factors:
        for level in levels[f][1:]:
            terms[f"{f}={level}"] = (data[f].to_numpy() == level).astype(float)
    owner = {n: n for n in numerics} | {f"{f}={lv}": f for f in factors for lv in levels[f][1:]}
    for name, values in terms.items():
        cols[name] = values
        if owner[name] in by_visit:
            for v in visits[1:]:
                cols[f"{name} at {v}"] = values * (visit_of == v)
    names = list(cols)
    at_mean = {n: float(data[n].mean()) for n in numerics} | {
        f"{f}={lv}": 1.0 / len(levels[f]) for f in factors for lv in levels[f][1:]
    }
    vectors = {}
    for a in arms:
        for v in visits:
            row = dict.fromkeys(names, 0.0)
            row[f"visit {v}"] = 1.0
            if a != arms[0]:
                row[f"{a} at {v}"] = 1.0
            for name, value in at_mean.items():
                row[name] = value
                if f"{name} at {v}" in row:
                    row[f"{name} at {v}"] = value
            vectors[(a, v)] = np.array([row[n] for n in names])
    return Design(np.column_stack([cols[n] for n in names]), names, visits, arms, vectors)


def _empirical(data: pd.DataFrame, residual: np.ndarray, visits: list[str]) -> np.ndarray:
    wide = pd.DataFrame({"s": data["subject"], "v": data["visit"], "r": residual}).pivot(
        index="s", columns="v", values="r"
    )
    cov = wide.reindex(columns=visits).cov().to_numpy()
    variance = float(np.nanmean(np.diag(cov))) if np.isfinite(np.diag(cov)).any() else 1.0
    diag = np.where(np.isfinite(np.diag(cov)), np.diag(cov), variance)
    cov = np.where(np.isfinite(cov), cov, 0.0)
    np.fill_diagonal(cov, diag)
    return cov


def fit_with_fallback(
    outcome: OutcomeData, data: pd.DataFrame, model: Design
) -> tuple[Fit | None, str, list[tuple[str, str]]]:
    """The first structure of `covariance` then `fallback` that converges; the ones that did not, and why."""
    spec = outcome.spec
    visit_index = {v: i for i, v in enumerate(model.visits)}
    grouped = group(data["y"].to_numpy(float), model.x, pd.factorize(data["subject"])[0],
                    data["visit"].map(visit_index).to_numpy(), len(model.visits))  # fmt: skip
    empirical = _empirical(data, data["y"].to_numpy(float) - model.x @ grouped.offset, model.visits)
    failed: list[tuple[str, str]] = []
    for structure in dict.fromkeys((spec.covariance, *spec.fallback)):
        used = structure if len(model.visits) > 1 else "unstructured"  # one visit: one variance, whatever the name
        try:
            return fit(grouped, used, spec.estimation == "reml", empirical), structure, failed
        except NotConverged as error:
            failed.append((structure, str(error)))
    return None, "", failed


def method_words(outcome: OutcomeData, structure: str, failed: list[tuple[str, str]]) -> str:
    spec = outcome.spec
    terms = ["arm × visit"]
    for name in spec.adjust:
        terms.append(f"{name} × visit" if name in spec.by_visit else name)
    used = STRUCTURE_WORDS.get(structure, structure)
    text = (
        f"Mixed model for repeated measures ({ESTIMATION_WORDS[spec.estimation]}): "
        f"{VARIABLE_WORDS.get(spec.variable, 'value')} ~ {' + '.join(terms)}; covariance over the visits: {used}"
    )
    if failed:
        text += " (fallback: " + "; ".join(f"{STRUCTURE_WORDS[s]} did not converge" for s, _ in failed) + ")"
    return (
        text + "; participants with missing visits contribute the visits they have (MAR); LS means with numeric "
        "covariates at their mean over the analysed records and factor levels weighted equally; "
        + degrees.DF_WORDS[spec.df]
    )


def mmrm(outcome: OutcomeData, visits: Sequence[str]) -> dict[str, MethodResult]:
    """One mixed model over every post-baseline visit; LS means and differences at each visit asked for."""
    spec = outcome.spec
    data, factors, numerics, excluded = long_frame(outcome)
    results = {visit: MethodResult(method_words(outcome, spec.covariance, []), "mmrm") for visit in visits}
    if data.empty:
        return results
    model = design(outcome, data, factors, numerics)
    why = ""
    if len(model.arms) < 2:
        why = "fewer than 2 arms with data: not estimated"
    elif int(np.linalg.matrix_rank(model.x)) < model.x.shape[1]:
        why = "not estimable: the model's design is not of full rank (an arm without data at a visit, or confounding)"
    found, structure, failed = (None, "", []) if why else fit_with_fallback(outcome, data, model)
    if not why and found is None:
        why = "not estimated: the mixed model did not converge with " + ", ".join(STRUCTURE_WORDS[s] for s, _ in failed)
    method = method_words(outcome, structure or spec.covariance, failed)
    inference = degrees.inferential(found, spec.df) if found is not None else None
    for visit in visits:
        result = results[visit] = MethodResult(method, "mmrm")
        if excluded:
            result.notes.append(f"{spec.parameter}: {excluded} participant(s) without a covariate value are not in "
                                "the mixed model.")  # fmt: skip
        at = data[data["visit"] == visit]
        counts = at["arm"].value_counts()
        for arm in outcome.arms:
            n = int(counts.get(arm, 0))
            if inference is None or found is None or (arm, visit) not in model.vectors:
                result.arms.append(ArmResult(arm, "LS mean", n, None))
                continue
            vector = model.vectors[(arm, visit)]
            est, se = float(vector @ found.beta), float(np.sqrt(vector @ inference.cov_beta @ vector))
            low, high = _interval(est, se, spec.ci_level, inference.df(vector))
            result.arms.append(ArmResult(arm, "LS mean", n, est, se, low, high))
        for a, c in pairs(outcome, outcome.arms):
            na, nc = int(counts.get(a, 0)), int(counts.get(c, 0))
            if inference is None or found is None or (a, visit) not in model.vectors or (c, visit) not in model.vectors:
                result.pairs.append(PairResult(a, c, "ls-mean-difference", None, na, nc, why or "an arm has no data"))
                continue
            vector = model.vectors[(a, visit)] - model.vectors[(c, visit)]
            est, se = float(vector @ found.beta), float(np.sqrt(vector @ inference.cov_beta @ vector))
            result.pairs.append(PairResult(a, c, "ls-mean-difference", infer(est, se, spec, df=inference.df(vector)),
                                           na, nc))  # fmt: skip
    return results


def _interval(estimate: float, se: float, level: float, df: float | None) -> tuple[float | None, float | None]:
    if not (math.isfinite(se) and se > 0):
        return None, None
    reference = stats.norm if df is None or not math.isfinite(df) else stats.t(df)
    half = float(reference.ppf(1 - (1 - level) / 2)) * se
    return estimate - half, estimate + half
