"""BG/NBD model: Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.

While active a customer buys as a Poisson process of rate lambda ~ gamma(r, alpha); after
each repeat purchase she drops out with probability p ~ beta(a, b). Parameters
(r, alpha, a, b); time in the unit of the summary (CDNOW: weeks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from truthsim.calibration.btyd.fitting import Fit, maximise, unpack
from truthsim.calibration.btyd.summary import Summary, poisson_log

__all__ = [
    "NAMES",
    "conditional_expected",
    "expected",
    "fit",
    "loglike",
    "p_alive",
    "simulate",
]

NAMES = ("r", "alpha", "a", "b")
Params = Mapping[str, float] | Sequence[float]


def loglike(params: Params, summary: Summary) -> np.ndarray:
    """Per-customer log-likelihood, the likelihood of FHL (2005) section 3 in logs:
    L = B(a,b+x)/B(a,b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x>0] B(a+1,b+x-1)/B(a,b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))."""
    r, alpha, a, b = unpack(params, NAMES)
    x, t_x, T = summary.x, summary.t_x, summary.T
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    term1 = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    xm = np.maximum(x, 1.0)
    term2 = betaln(a + 1, b + xm - 1) - (r + x) * np.log(alpha + t_x)
    term2 = np.where(x > 0, term2, -np.inf)
    return head + np.logaddexp(term1, term2)


def _starts(summary: Summary) -> list[tuple[float, ...]]:
    scale = max(float(np.mean(summary.T)), 1e-9) / max(float(np.mean(summary.x)), 0.1)
    return [(1.0, scale, 1.0, 1.0), (0.3, 0.3 * scale, 0.7, 2.5), (3.0, 3 * scale, 2.0, 5.0)]


def fit(summary: Summary, weights: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood fit of (r, alpha, a, b); ``weights`` counts customers per row."""
    return maximise(lambda p: loglike(p, summary), NAMES, _starts(summary), weights)


def _mean_until_dropout(r: float, alpha: np.ndarray, a: float, b: np.ndarray, t: np.ndarray):
    """E[(1 - exp(-lambda p t)) / p] for lambda ~ gamma(r, alpha), p ~ beta(a, b): FHL (2005)
    eq. (9) (and, with posterior parameters, the bracket of eq. (10))."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def expected(params: Params, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)], expected repeat transactions in (0, t] of a new customer: FHL (2005) eq. (9)."""
    r, alpha, a, b = unpack(params, NAMES)
    t = np.asarray(t, dtype=np.float64)
    return _mean_until_dropout(r, np.float64(alpha), a, np.float64(b), t)


def p_alive(params: Params, summary: Summary) -> np.ndarray:
    """P(active at T | x, t_x, T), as in Fader, Hardie & Lee's note "Computing P(alive) using
    the BG/NBD model" (2008):
    1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    r, alpha, a, b = unpack(params, NAMES)
    x, t_x, T = summary.x, summary.t_x, summary.T
    xm = np.maximum(x, 1.0)
    log_odds = np.log(a) - np.log(b + xm - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, expit(-log_odds), 1.0)


def conditional_expected(params: Params, t: np.ndarray | float, summary: Summary) -> np.ndarray:
    """E[Y(t) | x, t_x, T], expected transactions in (T, T+t]: FHL (2005) eq. (10), i.e.
    P(alive) times eq. (9) at the posterior parameters (r+x, alpha+T, a, b+x)."""
    r, alpha, a, b = unpack(params, NAMES)
    x, T = summary.x, summary.T
    t = np.asarray(t, dtype=np.float64)
    alive_mean = _mean_until_dropout(r + x, alpha + T, a, b + x, t)
    return p_alive(params, summary) * alive_mean


def simulate(
    params: Params, n_customers: int, T: float | np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic log: customer i (0..n-1) buys at 0, then buys at Poisson rate lambda_i until
    she drops out (probability p_i after each repeat purchase), observed on [0, T]."""
    r, alpha, a, b = unpack(params, NAMES)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    cap = rng.geometric(p)  # repeat purchase after which she drops out
    return poisson_log(rng, lam, np.broadcast_to(np.asarray(T, float), lam.shape), cap)
