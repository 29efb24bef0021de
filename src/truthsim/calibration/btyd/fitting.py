"""Maximum likelihood on log-parameters, shared by the customer-base models.

Every parameter of these models is positive, so the search runs over theta = log(param)
with scipy.optimize: BFGS from several starting points (L-BFGS-B found the same optima but
was about five times slower on these small problems with scipy 1.17), then a Nelder-Mead
polish of the best. The covariance is the inverse of the numerical Hessian of the negative
log-likelihood in theta (statsmodels ``approx_hess3``). Standard errors on the natural scale
follow by the delta method, se(p) = p * se(theta); intervals are exp(theta +/- z se(theta)).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from statsmodels.tools.numdiff import approx_hess3

__all__ = ["Fit", "maximise", "unpack"]

_BOUND = 25.0  # |log parameter| clipped to this in the search


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit: ``params`` (natural scale), ``loglike`` (total), ``covariance``
    of the log-parameters (in ``params`` order), delta-method ``se`` on the natural scale, and
    ``n`` the number of customers (sum of weights)."""

    params: dict[str, float]
    loglike: float
    covariance: np.ndarray
    se: dict[str, float]
    n: int

    def intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Wald intervals on the log scale mapped back: exp(log p -/+ z se(log p))."""
        z = stats.norm.ppf(0.5 + level / 2)
        sd = np.sqrt(np.clip(np.diag(self.covariance), 0, np.inf))
        return {
            k: (float(v * np.exp(-z * s)), float(v * np.exp(z * s)))
            for (k, v), s in zip(self.params.items(), sd, strict=True)
        }


def unpack(params: Mapping[str, float] | Sequence[float], names: Sequence[str]) -> list[float]:
    """Parameter values in ``names`` order from a mapping (e.g. ``Fit.params``) or a sequence."""
    if isinstance(params, Mapping):
        return [float(params[k]) for k in names]
    values = [float(v) for v in params]
    if len(values) != len(names):
        raise ValueError(f"expected {len(names)} parameters {tuple(names)}")
    return values


def maximise(
    loglike: Callable[[Sequence[float]], np.ndarray],
    names: Sequence[str],
    starts: Sequence[Sequence[float]],
    weights: np.ndarray | None = None,
) -> Fit:
    """Fit by maximum likelihood; ``loglike(params)`` returns per-customer log-likelihoods,
    ``starts`` are starting points on the natural scale, ``weights`` optional counts."""
    w = None if weights is None else np.asarray(weights, dtype=np.float64)

    def negll(theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            ll = loglike(np.exp(np.clip(theta, -_BOUND, _BOUND)))
            total = float(ll.sum() if w is None else ll @ w)
        return -total if np.isfinite(total) else 1e300

    best: optimize.OptimizeResult | None = None
    for start in starts:
        res = optimize.minimize(negll, np.log(start), method="BFGS", options={"gtol": 1e-6})
        if not res.fun < 1e299:  # a start where BFGS cannot move: simplex search instead
            res = optimize.minimize(negll, np.log(start), method="Nelder-Mead")
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    polish = optimize.minimize(
        negll, best.x, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000}
    )
    theta = np.clip(polish.x if polish.fun <= best.fun else best.x, -_BOUND, _BOUND)
    hess = approx_hess3(theta, negll)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
    values = np.exp(theta)
    sd = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
    n = len(loglike(values)) if w is None else round(float(w.sum()))
    return Fit(
        params={k: float(v) for k, v in zip(names, values, strict=True)},
        loglike=-negll(theta),
        covariance=cov,
        se={k: float(v * s) for k, v, s in zip(names, values, sd, strict=True)},
        n=int(n),
    )
