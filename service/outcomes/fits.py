"""Model fits by statsmodels' formula API, and the linear combinations of their coefficients the SAP reports.

An analysis frame has one row per participant (or per participant and visit for a mixed model): `y`, the arm as
a factor `arm` whose first level is the control, `base` when the model adjusts for baseline, and each adjusting
variable (text as a factor, numbers as a covariate). LS means follow SAS's LSMEANS: each arm's prediction with
numeric covariates at their mean and every factor's levels weighted equally; a difference between two arms is
the difference of their LS means, the same as the contrast of their coefficients in a model without interactions.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from patsy import DesignInfo, build_design_matrices

from service.outcomes.data import OutcomeData
from service.outcomes.definition import BASELINE

_SAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class Frame:
    frame: pd.DataFrame
    arms: tuple[str, ...]  # the arm labels, control first, as the factor's levels
    factors: tuple[str, ...]  # column names of factor covariates
    numerics: tuple[str, ...]  # column names of numeric covariates (base included)
    terms: str  # the formula's right-hand side after the arm
    excluded: int  # participants with the outcome but without a covariate value

    @property
    def adjusted_for(self) -> str:
        return ", ".join(self.terms_named) if self.terms_named else "nothing"

    @property
    def terms_named(self) -> tuple[str, ...]:
        """The covariates as the footnote names them: baseline, numeric ones, then factors marked as such."""
        numeric = tuple("baseline" if c == "base" else c.removeprefix("v_") for c in self.numerics)
        return numeric + tuple(f"{c.removeprefix('v_')} (factor)" for c in self.factors)


def column(name: str) -> str:
    return "base" if name == BASELINE else "v_" + _SAFE.sub("_", name)


def analysis_frame(outcome: OutcomeData, visit: str, arms: Sequence[str]) -> Frame:
    """Participants of `arms` with the outcome at `visit` and every covariate."""
    observations = outcome.visits.get(visit, {})
    names = outcome.spec.adjust
    rows: list[dict[str, Any]] = []
    excluded = 0
    for subject, o in observations.items():
        arm = outcome.arm_of.get(subject)
        if arm not in arms or o.y is None:
            continue
        row: dict[str, Any] = {"subject": subject, "y": o.y, "arm": arm, "censored": o.censored}
        complete = True
        for name in names:
            value = o.base if name == BASELINE else outcome.covariates.get(subject, {}).get(name)
            if value is None:
                complete = False
                break
            row[column(name)] = value
        if complete:
            rows.append(row)
        else:
            excluded += 1
    frame = pd.DataFrame(rows, columns=["subject", "y", "arm", "censored", *(column(n) for n in names)])
    factors = tuple(
        column(n)
        for n in names
        if n != BASELINE and (n in outcome.spec.factors or frame[column(n)].map(type).eq(str).any())
    )
    for name in factors:
        frame[name] = frame[name].astype(str)
    numerics = tuple(column(n) for n in names if column(n) not in factors)
    for name in numerics:
        frame[name] = frame[name].astype(float)
    present = set(frame["arm"])
    ordered = tuple(sorted((a for a in arms if a in present), key=lambda a: a != outcome.control))
    frame["arm"] = pd.Categorical(frame["arm"], categories=list(ordered))
    terms = "".join(f" + C({f})" for f in factors) + "".join(f" + {n}" for n in numerics)
    return Frame(frame, ordered, factors, numerics, terms, excluded)


def reference_grid(frame: Frame, arm: str, extra: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The rows an LS mean averages: the arm, every combination of factor levels, numeric covariates at mean."""
    levels = [sorted(frame.frame[f].unique()) for f in frame.factors]
    combos = list(itertools.product(*levels)) or [()]
    data: dict[str, Any] = {"arm": pd.Categorical([arm] * len(combos), categories=list(frame.arms))}
    for index, factor in enumerate(frame.factors):
        data[factor] = [combo[index] for combo in combos]
    for numeric in frame.numerics:
        data[numeric] = [float(frame.frame[numeric].mean())] * len(combos)
    for key, value in (extra or {}).items():
        data[key] = [value] * len(combos)
    return pd.DataFrame(data)


def design_of(model: Any) -> Any:
    """The right-hand side's design of a formula-fitted model (patsy's DesignInfo, or formulaic's ModelSpec)."""
    return getattr(model.data, "design_info", None) or model.data.model_spec


def grid_vector(design: Any, grid: pd.DataFrame) -> np.ndarray:
    """The mean design row over the grid: L, with L·β the grid's average prediction on the model's scale."""
    if isinstance(design, DesignInfo):
        (matrix,) = build_design_matrices([design], grid, return_type="dataframe")
    else:
        matrix = design.get_model_matrix(grid)
    return np.asarray(np.asarray(matrix, dtype=float).mean(axis=0), dtype=float)


def arm_contrast(design: Any, frame: Frame, arm: str, other: str) -> np.ndarray:
    """L for `arm` against `other` at the same covariates: the difference of their LS-mean grid vectors (the
    log odds, hazard or rate ratio in a model with a log or logit link)."""
    return grid_vector(design, reference_grid(frame, arm)) - grid_vector(design, reference_grid(frame, other))


@dataclass(frozen=True)
class Linear:
    """A linear combination L·β of a fit's coefficients, with its standard error."""

    estimate: float
    std_error: float


def combine(params: np.ndarray, cov: np.ndarray, vector: np.ndarray) -> Linear:
    estimate = float(vector @ params)
    variance = float(vector @ cov @ vector)
    return Linear(estimate, math.sqrt(variance) if variance > 0 else math.nan)


RANK_DEFICIENT = "not estimable: the arm is confounded with the covariates (the model's design is not of full rank)"


def full_rank(model: Any) -> bool:
    """Whether every coefficient of the fitted model is identified (its design matrix has full column rank)."""
    exog = np.asarray(model.exog, dtype=float)
    return bool(exog.size) and int(np.linalg.matrix_rank(exog)) == exog.shape[1]


def pairs(outcome: OutcomeData, arms: Sequence[str]) -> list[tuple[str, str]]:
    """The comparisons the definition asks for, each (arm compared, the arm it is compared with): against control,
    else every pair with the later arm in the trial's order compared with the earlier (DESIGN.md); or, given a
    pair order, every pair of those arms, the earlier compared with the later."""
    if outcome.pair_order is not None:
        return list(itertools.combinations([a for a in outcome.pair_order if a in arms], 2))
    control = outcome.control
    if outcome.spec.comparisons == "pairwise":
        return [
            (earlier, later) if later == control else (later, earlier)
            for earlier, later in itertools.combinations(arms, 2)
        ]
    if outcome.control is None or outcome.control not in arms:
        return []
    return [(arm, outcome.control) for arm in arms if arm != outcome.control]
