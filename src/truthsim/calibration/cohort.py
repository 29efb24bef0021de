"""Retention of one cohort: the shifted-beta-geometric law (Fader & Hardie 2007), fitted.

Each customer's chance of leaving at each renewal is a draw from Beta(alpha, beta) and stays
theirs; so the share still active after t periods is B(alpha, beta + t) / B(alpha, beta). In
truthsim's words a customer's return probability is Beta(beta, alpha): with no moments that
matter, the engine's segment with ``baseline_return: {churn_alpha, churn_beta}`` is exactly
this law. Maximum likelihood on the counts leaving in each period (the survivors of the last
period censored), with scipy.optimize, standard errors from the observed information.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from truthsim.calibration.data import Cohort
from truthsim.calibration.estimates import Draws, FitResult, Unidentified, wald

METHOD = "shifted-beta-geometric maximum likelihood (scipy.optimize)"


def sbg_survival(alpha: float, beta: float, periods: int) -> np.ndarray:
    """Share of the cohort active at periods 0..periods."""
    t = np.arange(periods + 1)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def sbg_loglike(log_params: np.ndarray, active: np.ndarray) -> float:
    """Log-likelihood of the cohort counts; ``log_params`` = (log alpha, log beta)."""
    alpha, beta = np.exp(log_params)
    periods = len(active) - 1
    survival = sbg_survival(alpha, beta, periods)
    leaving = -np.diff(active)
    churn = survival[:-1] - survival[1:]
    return float(
        np.sum(leaving * np.log(np.maximum(churn, 1e-300)))
        + active[-1] * math.log(max(survival[-1], 1e-300))
    )


def fit_sbg(active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log alpha, log beta) and their covariance."""
    from statsmodels.tools.numdiff import approx_hess3

    best = optimize.minimize(
        lambda x: -sbg_loglike(x, active),
        np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000},
    )
    hessian = approx_hess3(best.x, lambda x: sbg_loglike(x, active))
    return np.asarray(best.x), np.linalg.inv(-hessian)


def fit_cohort(cohort: Cohort, segment: str, spread: bool) -> FitResult:
    """The segment's baseline return (and spread) from one cohort's retention."""
    out = FitResult()
    path = f"segments.{segment}.baseline_return"
    active = np.asarray(cohort.active, dtype=float)
    source = f"a cohort of {active[0]:,.0f} over {len(active) - 1} periods in cohort.csv"
    if len(active) < 2:
        out.unidentified.append(Unidentified(path, "cohort.csv has period 0 only"))
        return out
    if not spread:
        # every customer alike: a geometric law, the return probability is the survival ratio
        survivors, exposed = active[1:].sum(), active[:-1].sum()
        p = survivors / exposed
        se = math.sqrt(1.0 / (exposed * p * (1 - p))) if 0 < p < 1 else math.nan
        out.fitted.append(
            wald(
                path,
                math.log(p / (1 - p)),
                se,
                source,
                "geometric maximum likelihood (the same return chance for all)",
                "logit",
            )
        )
        out.draws.append(
            Draws(
                np.array([math.log(p / (1 - p))]), np.array([[se * se]]), [("logit", [0], [path])]
            )
        )
        out.notes.append(
            "this engine has no spread of baselines within a segment, so the cohort is fitted "
            "with one return chance for all (a geometric law); the spread is not estimated"
        )
        out.unidentified.append(
            Unidentified(f"{path} (spread)", "the engine has no spread within a segment")
        )
        return out
    if len(active) < 3:
        out.unidentified.append(Unidentified(path, "a spread needs at least periods 0, 1 and 2"))
        return out
    log_params, cov = fit_sbg(active)
    se = np.sqrt(np.diag(cov))
    out.fitted.append(wald(f"{path}.churn_alpha", log_params[0], se[0], source, METHOD, "log"))
    out.fitted.append(wald(f"{path}.churn_beta", log_params[1], se[1], source, METHOD, "log"))
    out.draws.append(
        Draws(
            log_params,
            cov,
            [("log", [0], [f"{path}.churn_alpha"]), ("log", [1], [f"{path}.churn_beta"])],
        )
    )
    alpha, beta = np.exp(log_params)
    fitted = sbg_survival(alpha, beta, len(active) - 1) * active[0]
    out.diagnostics["cohort"] = [
        {"period": k, "observed": float(a), "fitted": float(f)}
        for k, (a, f) in enumerate(zip(active, fitted, strict=True))
    ]
    return out
