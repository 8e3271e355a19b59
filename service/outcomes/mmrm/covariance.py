"""The covariance structures over the visits, each Σ(θ) of an unconstrained θ (log-Cholesky for unstructured).

Every structure is written once, as Σ of θ in arithmetic that also takes complex numbers, so that its first
derivatives are exact by the complex step (Squire & Trapp 1998) and its second by central differences of those.
The likelihood's own derivatives with respect to Σ are analytic (service.outcomes.mmrm.fit).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STRUCTURE_WORDS = {
    "unstructured": "unstructured",
    "compound-symmetry": "compound symmetry",
    "heterogeneous-compound-symmetry": "heterogeneous compound symmetry",
    "ar1": "first-order autoregressive, AR(1)",
    "heterogeneous-ar1": "heterogeneous first-order autoregressive, ARH(1)",
    "toeplitz": "Toeplitz",
}


def _correlation(z: np.ndarray) -> np.ndarray:
    """(-1, 1) from the real line: z / √(1 + z²)."""
    return z / np.sqrt(1 + z * z)


def _unstructured(theta: np.ndarray, t: int) -> np.ndarray:
    lower = np.zeros((t, t), dtype=theta.dtype)
    lower[np.diag_indices(t)] = np.exp(theta[:t])
    lower[np.tril_indices(t, -1)] = theta[t:]
    return lower @ lower.T


def _equicorrelation(z: np.ndarray, t: int) -> np.ndarray:
    # ρ in (-1/(t-1), 1), where an equicorrelation matrix is positive definite
    rho = (np.exp(z) - 1) / (np.exp(z) + t - 1) if t > 1 else z * 0
    return rho + (1 - rho) * np.eye(t)


def _compound_symmetry(theta: np.ndarray, t: int) -> np.ndarray:
    return np.exp(theta[0]) * _equicorrelation(theta[1], t)


def _heterogeneous_cs(theta: np.ndarray, t: int) -> np.ndarray:
    sd = np.exp(theta[:t])
    return np.outer(sd, sd) * _equicorrelation(theta[t], t)


def _lags(t: int) -> np.ndarray:
    return np.abs(np.subtract.outer(np.arange(t), np.arange(t)))


def _ar1(theta: np.ndarray, t: int) -> np.ndarray:
    return np.exp(theta[0]) * _correlation(theta[1]) ** _lags(t)


def _heterogeneous_ar1(theta: np.ndarray, t: int) -> np.ndarray:
    sd = np.exp(theta[:t])
    return np.outer(sd, sd) * _correlation(theta[t]) ** _lags(t)


def _toeplitz(theta: np.ndarray, t: int) -> np.ndarray:
    """σ² times the autocorrelations of the partial autocorrelations θ[1:] (mapped into (-1, 1)), by the
    Durbin–Levinson recursion: positive definite for every θ."""
    partial = _correlation(theta[1:])
    r = [theta[0] * 0 + 1]
    coefficients: list = []
    innovation = theta[0] * 0 + 1
    for k in range(1, t):
        phi = partial[k - 1]
        r.append(sum(coefficients[j] * r[k - 1 - j] for j in range(k - 1)) + phi * innovation)
        coefficients = [coefficients[j] - phi * coefficients[k - 2 - j] for j in range(k - 1)] + [phi]
        innovation = innovation * (1 - phi * phi)
    rho = np.array(r)
    return np.exp(theta[0]) * rho[_lags(t)]


BUILD: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "unstructured": _unstructured,
    "compound-symmetry": _compound_symmetry,
    "heterogeneous-compound-symmetry": _heterogeneous_cs,
    "ar1": _ar1,
    "heterogeneous-ar1": _heterogeneous_ar1,
    "toeplitz": _toeplitz,
}
STRUCTURES = tuple(BUILD)


def parameter_count(structure: str, t: int) -> int:
    return {
        "unstructured": t * (t + 1) // 2,
        "compound-symmetry": 2,
        "heterogeneous-compound-symmetry": t + 1,
        "ar1": 2,
        "heterogeneous-ar1": t + 1,
        "toeplitz": t,
    }[structure]


def covariance(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    return BUILD[structure](theta, t)


def jacobian(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    """∂Σ/∂θ_k for every k, shape (k, t, t), exact to rounding (complex step)."""
    step = 1e-30
    out = np.empty((len(theta), t, t))
    for k in range(len(theta)):
        shifted = theta.astype(complex)
        shifted[k] += step * 1j
        out[k] = BUILD[structure](shifted, t).imag / step
    return out


def second_derivatives(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    """∂²Σ/∂θ_k∂θ_l, shape (k, k, t, t): central differences of the exact first derivatives."""
    out = np.empty((len(theta), len(theta), t, t))
    for k in range(len(theta)):
        h = 1e-5 * max(1.0, abs(float(theta[k])))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        out[k] = (jacobian(structure, up, t) - jacobian(structure, down, t)) / (2 * h)
    return (out + out.transpose(1, 0, 2, 3)) / 2


def starting_values(structure: str, empirical: np.ndarray) -> np.ndarray:
    """θ whose Σ is near an empirical covariance of the visits (pairwise residual covariances)."""
    t = len(empirical)
    sd = np.sqrt(np.clip(np.diag(empirical), 1e-8 * max(1.0, float(np.max(np.diag(empirical)))), None))
    corr = np.clip(empirical / np.outer(sd, sd), -0.95, 0.95)
    np.fill_diagonal(corr, 1.0)
    off = corr[np.triu_indices(t, 1)]
    mean_corr = float(np.clip(off.mean() if off.size else 0.0, -0.9 / max(t - 1, 1), 0.9))
    lag1 = float(np.clip(np.mean(np.diag(corr, 1)) if t > 1 else 0.0, -0.9, 0.9))
    log_var = float(np.log(np.mean(sd**2)))
    equi = np.log((1 + mean_corr * (t - 1)) / (1 - mean_corr)) if t > 1 else 0.0
    if structure == "unstructured":
        values, vectors = np.linalg.eigh(corr)
        corr = vectors @ np.diag(np.clip(values, 1e-3, None)) @ vectors.T
        lower = np.linalg.cholesky(np.outer(sd, sd) * corr)
        return np.concatenate([np.log(np.diag(lower)), lower[np.tril_indices(t, -1)]])
    if structure == "compound-symmetry":
        return np.array([log_var, equi])
    if structure == "heterogeneous-compound-symmetry":
        return np.concatenate([np.log(sd), [equi]])
    ar = lag1 / np.sqrt(1 - lag1**2)
    if structure == "ar1":
        return np.array([log_var, ar])
    if structure == "heterogeneous-ar1":
        return np.concatenate([np.log(sd), [ar]])
    return np.concatenate([[log_var], [ar], np.zeros(t - 2)]) if t > 1 else np.array([log_var])
