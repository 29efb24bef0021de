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
from scipy import optimize, special, stats

from truthsim.calibration.data import Cohort
from truthsim.calibration.estimates import LEVEL, Draws, FitResult, Unidentified, wald
from truthsim.calibration.layout import SBG, at_no_spread

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


def geometric_loglike(p: float, active: np.ndarray) -> float:
    """Log-likelihood of the cohort counts when every customer returns with chance ``p``."""
    t = np.arange(len(active))
    survival = p**t
    leaving = -np.diff(active)
    churn = survival[:-1] - survival[1:]
    return float(
        np.sum(leaving * np.log(np.maximum(churn, 1e-300)))
        + active[-1] * math.log(max(survival[-1], 1e-300))
    )


def fit_sbg(active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log alpha, log beta) and their covariance (NaN where the curvature gives none)."""
    from statsmodels.tools.numdiff import approx_hess3

    best = optimize.minimize(
        lambda x: -sbg_loglike(x, active),
        np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000},
    )
    hessian = approx_hess3(best.x, lambda x: sbg_loglike(x, active))
    try:
        cov = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    return np.asarray(best.x), cov


def fit_cohort(cohort: Cohort, segment: str, form: str | None) -> FitResult:
    """The segment's baseline return, with its spread when ``form`` is MEAN or SBG (the
    sBG law), from one cohort's retention; and the likelihood-ratio test of a spread."""
    out = FitResult()
    path = f"segments.{segment}.baseline_return"
    active = np.asarray(cohort.active, dtype=float)
    source = f"a cohort of {active[0]:,.0f} over {len(active) - 1} periods in cohort.csv"
    if len(active) < 2:
        out.unidentified.append(Unidentified(path, "cohort.csv has period 0 only"))
        return out
    # every customer alike: a geometric law, the return probability is the survival ratio
    survivors, exposed = active[1:].sum(), active[:-1].sum()
    p = survivors / exposed
    sbg: tuple[np.ndarray, np.ndarray] | None = None
    if len(active) >= 3 and 0 < p < 1:
        sbg = fit_sbg(active)
        statistic = max(0.0, 2 * (sbg_loglike(sbg[0], active) - geometric_loglike(p, active)))
        p_value = 0.5 * float(stats.chi2.sf(statistic, 1)) if statistic > 0 else 1.0
        out.diagnostics["heterogeneity"] = [
            {
                "segment": segment,
                "spread_fitted": form is not None,
                "statistic": statistic,
                "p_value": p_value,
                "test": "likelihood ratio of the sBG against the geometric law, chi-bar-squared "
                "50:50 mixture of chi2(0) and chi2(1)",
            }
        ]
        if form is None and p_value < LEVEL:
            out.notes.append(
                f"cohort.csv: the cohort's customers differ in how likely they are to come back "
                f"(likelihood-ratio test of the geometric against the shifted-beta-geometric "
                f"law: p = {p_value:.2g}, below {LEVEL:g}); segment {segment} is written as one "
                "number, so calibrate with --spread to fit the spread"
            )
        empty = at_no_spread(SBG, list(sbg[0])) or not np.all(np.isfinite(sbg[1]))
        if form is not None and empty:
            out.notes.append(
                f"cohort.csv: the likelihood is highest when the cohort's customers share one "
                f"return chance, so segment {segment}'s baseline is fitted as one number"
            )
            sbg = None
    if form is None or sbg is None:
        if form is not None and len(active) < 3:
            out.unidentified.append(
                Unidentified(f"{path} (spread)", "a spread needs at least periods 0, 1 and 2")
            )
        se = math.sqrt(1.0 / (exposed * p * (1 - p))) if 0 < p < 1 else math.nan
        logit_p = math.log(p / (1 - p)) if 0 < p < 1 else math.nan
        if not math.isfinite(logit_p):
            out.unidentified.append(
                Unidentified(path, "every customer of the cohort " + ("stayed" if p else "left"))
            )
            return out
        method = "geometric maximum likelihood (the same return chance for all)"
        out.fitted.append(wald(path, logit_p, se, source, method, "logit"))
        out.draws.append(
            Draws(np.array([logit_p]), np.array([[se * se]]), [("logit", [0], [path])])
        )
        return out
    log_params, cov = sbg
    alpha, beta = np.exp(log_params)
    if form == SBG:
        latent, scales, parts = log_params, "log", ("churn_alpha", "churn_beta")
    else:
        # mean = beta / (alpha + beta), polarisation = 1 / (alpha + beta + 1): on the logit
        # scale both are linear in (log alpha, log beta) up to the polarisation's curvature
        latent = np.array([math.log(beta / alpha), -math.log(alpha + beta)])
        jacobian = np.array([[-1.0, 1.0], [-alpha / (alpha + beta), -beta / (alpha + beta)]])
        cov = jacobian @ cov @ jacobian.T
        scales, parts = "logit", ("mean", "polarisation")
    se = np.sqrt(np.diag(cov))
    for i, part in enumerate(parts):
        out.fitted.append(wald(f"{path}.{part}", latent[i], se[i], source, METHOD, scales))
    out.draws.append(
        Draws(latent, cov, [(scales, [i], [f"{path}.{part}"]) for i, part in enumerate(parts)])
    )
    fitted = sbg_survival(alpha, beta, len(active) - 1) * active[0]
    out.diagnostics["cohort"] = [
        {"period": k, "observed": float(a), "fitted": float(f)}
        for k, (a, f) in enumerate(zip(active, fitted, strict=True))
    ]
    return out
