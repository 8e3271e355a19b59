"""The MMRM's likelihood over the covariance parameters, with β profiled out, and its maximisation.

Participants are grouped by their pattern of observed visits; a participant with missing visits contributes the
observed ones (the likelihood is valid under MAR). Within a group only sums are needed — Σ XᵢᵀXᵢ blocks, Σ Xᵢᵀyᵢ and
Σ yᵢyᵢᵀ — so one evaluation costs the same for 100 participants as for 10,000.

With V = blockdiag(Σ[Sᵢ, Sᵢ]), A = XᵀV⁻¹X, β̂ = A⁻¹XᵀV⁻¹y and r = y − Xβ̂, the REML log-likelihood is
ℓ = −½(log|V| + log|A| + rᵀV⁻¹r + (n − p) log 2π) (ML: without log|A|, with n log 2π). Its derivative with
respect to Σ is ½ Σᵢ [−Wᵢ + Wᵢ(rᵢrᵢᵀ + XᵢA⁻¹Xᵢᵀ)Wᵢ] with Wᵢ = Σ[Sᵢ, Sᵢ]⁻¹ (ML: without XᵢA⁻¹Xᵢᵀ), and its
Hessian with respect to θ follows (Harville 1977; Kenward & Roger 1997, section 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from service.outcomes.mmrm import covariance


@dataclass(frozen=True)
class Pattern:
    visits: np.ndarray  # indices of the visits observed
    n: int
    xx: np.ndarray  # (s, p, s, p): Σ Xᵢ[s, a] Xᵢ[t, b]
    xy: np.ndarray  # (s, p, s): Σ Xᵢ[s, a] yᵢ[t]
    yy: np.ndarray  # (s, s)


@dataclass(frozen=True)
class Data:
    patterns: tuple[Pattern, ...]
    n_obs: int
    p: int
    visits: int
    offset: np.ndarray  # y was analysed as y − X·offset (least squares), for accuracy


class NotConverged(Exception):
    """The fit did not converge, or its covariance is not positive definite."""


def group(y: np.ndarray, x: np.ndarray, subject: np.ndarray, visit: np.ndarray, visits: int) -> Data:
    """Participants by pattern of observed visits; rows of one participant have distinct visits."""
    offset = np.linalg.lstsq(x, y, rcond=None)[0]
    centred = y - x @ offset
    order = np.lexsort((visit, subject))
    subject, visit, centred, x = subject[order], visit[order], centred[order], x[order]
    starts = np.flatnonzero(np.r_[True, subject[1:] != subject[:-1]])
    bounds = np.r_[starts, len(subject)]
    by_pattern: dict[tuple[int, ...], list[int]] = {}
    for i, start in enumerate(starts):
        by_pattern.setdefault(tuple(visit[start : bounds[i + 1]].tolist()), []).append(int(start))
    patterns = []
    p = x.shape[1]
    for key, first_rows in by_pattern.items():
        s = len(key)
        rows = np.asarray(first_rows)[:, None] + np.arange(s)[None, :]
        xs, ys = x[rows], centred[rows]  # (n, s, p), (n, s)
        flat = xs.reshape(len(first_rows), s * p)
        patterns.append(
            Pattern(
                np.asarray(key),
                len(first_rows),
                (flat.T @ flat).reshape(s, p, s, p),
                (flat.T @ ys).reshape(s, p, s),
                ys.T @ ys,
            )
        )
    return Data(tuple(patterns), len(y), p, visits, offset)


@dataclass
class State:
    """Everything the likelihood and its derivatives need at one θ."""

    sigma: np.ndarray
    inverses: list[np.ndarray]  # W per pattern
    a: np.ndarray  # XᵀV⁻¹X
    a_inv: np.ndarray
    beta: np.ndarray  # of the centred y
    minus_two_ll: float
    residual: list[np.ndarray]  # Σ rᵢrᵢᵀ per pattern
    leverage: list[np.ndarray]  # Σ XᵢA⁻¹Xᵢᵀ per pattern
    cross: list[np.ndarray]  # Σ Xᵢ[s, a] rᵢ[t] per pattern


def evaluate(data: Data, structure: str, theta: np.ndarray, reml: bool) -> State:
    sigma = covariance.covariance(structure, theta, data.visits)
    p = data.p
    a, b = np.zeros((p, p)), np.zeros(p)
    logdet, yvy = 0.0, 0.0
    inverses = []
    for g in data.patterns:
        block = sigma[np.ix_(g.visits, g.visits)]
        try:
            factor = linalg.cho_factor(block, lower=True)
        except linalg.LinAlgError as error:
            raise NotConverged("the covariance is not positive definite") from error
        w = linalg.cho_solve(factor, np.eye(len(g.visits)))
        inverses.append(w)
        logdet += g.n * 2 * float(np.sum(np.log(np.diag(factor[0]))))
        a += np.einsum("st,sptq->pq", w, g.xx)
        b += np.einsum("st,spt->p", w, g.xy)
        yvy += float(np.sum(w * g.yy))
    try:
        a_factor = linalg.cho_factor(a, lower=True)
    except linalg.LinAlgError as error:
        raise NotConverged("XᵀV⁻¹X is not positive definite") from error
    beta = linalg.cho_solve(a_factor, b)
    a_inv = linalg.cho_solve(a_factor, np.eye(p))
    quad = yvy - float(b @ beta)
    value = logdet + quad
    if reml:
        value += 2 * float(np.sum(np.log(np.diag(a_factor[0])))) + (data.n_obs - p) * math.log(2 * math.pi)
    else:
        value += data.n_obs * math.log(2 * math.pi)
    residual, leverage, cross = [], [], []
    for g in data.patterns:
        xb_y = np.einsum("spt,p->st", g.xy, beta)
        xb_xb = np.einsum("sptq,p,q->st", g.xx, beta, beta, optimize=True)
        residual.append(g.yy - xb_y - xb_y.T + xb_xb)
        leverage.append(np.einsum("sptq,pq->st", g.xx, a_inv) if reml else np.zeros_like(g.yy))
        cross.append(g.xy - np.einsum("sptq,q->spt", g.xx, beta))
    return State(sigma, inverses, a, a_inv, beta, value, residual, leverage, cross)


def sigma_gradient(data: Data, state: State) -> np.ndarray:
    """∂ℓ/∂Σ as a t × t matrix (each entry of Σ taken as its own variable, Σ symmetric by construction)."""
    out = np.zeros((data.visits, data.visits))
    for g, w, rr, h in zip(data.patterns, state.inverses, state.residual, state.leverage, strict=True):
        out[np.ix_(g.visits, g.visits)] += 0.5 * (-g.n * w + w @ (rr + h) @ w)
    return out


def objective(data: Data, structure: str, theta: np.ndarray, reml: bool) -> tuple[float, np.ndarray]:
    """−2ℓ and its gradient in θ."""
    try:
        state = evaluate(data, structure, theta, reml)
    except NotConverged:
        return math.inf, np.zeros_like(theta)
    jac = covariance.jacobian(structure, theta, data.visits)
    return state.minus_two_ll, -2 * np.einsum("kst,st->k", jac, sigma_gradient(data, state))


@dataclass(frozen=True)
class Pieces:
    """Kenward & Roger's (1997) P_i = −XᵀV⁻¹VᵢV⁻¹X, and the information about θ."""

    p: np.ndarray  # (k, p, p)
    expected: np.ndarray  # (k, k): ½ tr(P Vᵢ P Vⱼ) (REML) or ½ tr(V⁻¹VᵢV⁻¹Vⱼ) (ML)
    observed: np.ndarray  # (k, k): −∂²ℓ/∂θᵢ∂θⱼ
    weighted_q: np.ndarray | None  # set by kr_q: Σᵢⱼ Wᵢⱼ Qᵢⱼ for a given W


def pieces(data: Data, structure: str, theta: np.ndarray, state: State, reml: bool) -> Pieces:
    t = data.visits
    jac = covariance.jacobian(structure, theta, t)
    second = covariance.second_derivatives(structure, theta, t)
    k = len(theta)
    p_mats = np.zeros((k, data.p, data.p))
    trace_ww = np.zeros((k, k))  # Σ tr(W Dᵢ W Dⱼ)
    trace_h = np.zeros((k, k))  # Σ tr(W Dᵢ W Dⱼ W H)
    trace_u = np.zeros((k, k))  # Σ tr(Dᵢ W Dⱼ U), U = Σ uuᵀ
    c = np.zeros((k, data.p))  # Σ Xᵀ W Dᵢ u
    curvature = np.einsum("klst,st->kl", second, sigma_gradient(data, state))  # Σ ⟨∂ℓ/∂Σ, ∂²Σ/∂θᵢ∂θⱼ⟩
    for g, w, rr, h, cr in zip(data.patterns, state.inverses, state.residual, state.leverage, state.cross,
                               strict=True):  # fmt: skip
        d = jac[:, g.visits][:, :, g.visits]  # (k, s, s)
        wd = np.einsum("st,ktu->ksu", w, d)  # W Dᵢ
        wdw = wd @ w  # W Dᵢ W
        p_mats -= np.einsum("kst,sptq->kpq", wdw, g.xx)
        trace_ww += g.n * np.einsum("ksu,lus->kl", wd, wd)
        trace_h += np.einsum("kst,ltu,us->kl", wdw, d, w @ h, optimize=True)
        u = w @ rr @ w
        trace_u += np.einsum("kst,ltu,us->kl", d, wd, u, optimize=True)
        c += np.einsum("kst,spt->kp", wdw, cr)
    a_inv = state.a_inv
    pap = np.einsum("pq,kqr->kpr", a_inv, p_mats)
    trace_pp = np.einsum("kpq,lqp->kl", pap, pap)
    projected = trace_ww - 2 * trace_h + trace_pp if reml else trace_ww
    expected = 0.5 * projected
    upv = trace_u - c @ a_inv @ c.T
    hessian = curvature + 0.5 * projected - upv
    sym = lambda m: (m + m.T) / 2  # noqa: E731
    return Pieces(p_mats, sym(expected), sym(-hessian), None)


def kr_weighted_q(data: Data, structure: str, theta: np.ndarray, state: State, weights: np.ndarray) -> np.ndarray:
    """Σᵢⱼ Wᵢⱼ Qᵢⱼ with Qᵢⱼ = XᵀV⁻¹VᵢV⁻¹VⱼV⁻¹X."""
    jac = covariance.jacobian(structure, theta, data.visits)
    out = np.zeros((data.p, data.p))
    for g, w in zip(data.patterns, state.inverses, strict=True):
        d = jac[:, g.visits][:, :, g.visits]
        wd = np.einsum("st,ktu->ksu", w, d)
        middle = np.einsum("kl,ksu,luv->sv", weights, wd, wd, optimize=True) @ w
        out += np.einsum("st,sptq->pq", middle, g.xx)
    return (out + out.T) / 2


@dataclass(frozen=True)
class Fit:
    structure: str
    reml: bool
    theta: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    cov_beta: np.ndarray  # (XᵀV̂⁻¹X)⁻¹
    minus_two_ll: float
    data: Data
    state: State
    iterations: int


def fit(data: Data, structure: str, reml: bool, empirical: np.ndarray) -> Fit:
    """Maximise the (restricted) likelihood by Newton's method in a trust region, with the analytic gradient and
    Hessian; raise NotConverged when it does not converge."""
    theta0 = covariance.starting_values(structure, empirical)

    def fun(theta: np.ndarray) -> float:
        return objective(data, structure, theta, reml)[0]

    def jac(theta: np.ndarray) -> np.ndarray:
        return objective(data, structure, theta, reml)[1]

    def hess(theta: np.ndarray) -> np.ndarray:
        state = evaluate(data, structure, theta, reml)
        return 2 * pieces(data, structure, theta, state, reml).observed

    if not math.isfinite(fun(theta0)):
        raise NotConverged("the starting covariance is not positive definite")
    try:
        result = optimize.minimize(fun, theta0, jac=jac, hess=hess, method="trust-exact",
                                   options={"gtol": 1e-7, "maxiter": 200})  # fmt: skip
    except (NotConverged, np.linalg.LinAlgError, ValueError) as error:
        raise NotConverged(str(error)) from error
    gradient = jac(result.x)
    scale = max(1.0, abs(float(result.fun)))
    if not (math.isfinite(result.fun) and float(np.max(np.abs(gradient))) < 1e-4 * scale):
        raise NotConverged(result.message)
    state = evaluate(data, structure, result.x, reml)
    if np.min(np.linalg.eigvalsh(state.sigma)) <= 1e-10 * np.max(np.abs(state.sigma)):
        raise NotConverged("the fitted covariance is not positive definite")
    return Fit(structure, reml, result.x, state.sigma, state.beta + data.offset, state.a_inv, result.fun, data, state,
               int(result.nit))  # fmt: skip
