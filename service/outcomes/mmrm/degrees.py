"""Degrees of freedom and standard errors for a contrast lᵀβ of an MMRM fit.

- Kenward–Roger (1997): the covariance of β̂ adjusted for the estimation of θ, Φ_A = Φ + 2Φ[Σᵢⱼ Wᵢⱼ(Qᵢⱼ −
  PᵢΦPⱼ)]Φ, with W the inverse of the expected information about θ, and the denominator degrees of freedom of
  their section 4 (for one contrast, 2/A with A = Σᵢⱼ Wᵢⱼ aᵢaⱼ, aᵢ = lᵀΦPᵢΦl / lᵀΦl). The second-derivative term
  Rᵢⱼ is left out: it is zero for the structures linear in their parameters (unstructured, compound symmetry,
  Toeplitz, as SAS parameterises them) and the adjustment without it does not depend on how θ is parameterised —
  as R's pbkrtest, SAS's DDFM=KR(LINEAR) and R mmrm's vcov = "Kenward-Roger-Linear" compute it.
- Satterthwaite: 2(lᵀΦl)² / gᵀWg with gᵢ = ∂(lᵀΦl)/∂θᵢ and W the inverse of the observed information (the
  Hessian), as R's lmerTest, emmeans on nlme::gls and mmrm compute it.
- Residual: the number of observations less the number of coefficients (emmeans' "df.error", mmrm "Residual").
- Wald: a normal (z) reference, no degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.outcomes.mmrm.fit import Fit, kr_weighted_q, pieces

DF_METHODS = ("kenward-roger", "satterthwaite", "residual", "wald")
DF_WORDS = {
    "kenward-roger": "Kenward–Roger degrees of freedom and adjusted standard errors (Kenward & Roger 1997)",
    "satterthwaite": "Satterthwaite degrees of freedom",
    "residual": "residual degrees of freedom (observations less coefficients)",
    "wald": "Wald z tests and intervals (no small-sample degrees of freedom)",
}


@dataclass(frozen=True)
class Inferential:
    """What a contrast's test needs: the covariance of β̂ to use, and how to get a contrast's df."""

    method: str
    phi: np.ndarray  # (XᵀV̂⁻¹X)⁻¹
    cov_beta: np.ndarray  # the covariance the standard errors use: Φ, or Kenward–Roger's Φ_A
    p: np.ndarray | None  # (k, p, p)
    weights: np.ndarray | None  # W, the covariance of θ̂ the df use
    residual_df: float

    def df(self, contrast: np.ndarray) -> float | None:
        if self.method == "wald":
            return None
        if self.method == "residual":
            return self.residual_df
        assert self.p is not None and self.weights is not None
        phi = self.phi
        variance = float(contrast @ phi @ contrast)
        a = np.einsum("p,kpq,q->k", contrast @ phi, self.p, phi @ contrast, optimize=True) / variance
        spread = float(a @ self.weights @ a)
        return 2.0 / spread if spread > 0 else float("inf")


def inferential(fit: Fit, method: str) -> Inferential:
    residual = float(fit.data.n_obs - fit.data.p)
    if method in ("wald", "residual"):
        return Inferential(method, fit.cov_beta, fit.cov_beta, None, None, residual)
    found = pieces(fit.data, fit.structure, fit.theta, fit.state, fit.reml)
    if method == "satterthwaite":
        return Inferential(method, fit.cov_beta, fit.cov_beta, found.p, np.linalg.inv(found.observed), residual)
    weights = np.linalg.pinv(found.expected)
    phi = fit.cov_beta
    q = kr_weighted_q(fit.data, fit.structure, fit.theta, fit.state, weights)
    ppp = np.einsum("kl,kab,bc,lcd->ad", weights, found.p, phi, found.p, optimize=True)
    adjusted = phi + 2 * phi @ (q - ppp) @ phi
    return Inferential(method, phi, (adjusted + adjusted.T) / 2, found.p, weights, residual)
