"""MBG/NBD model: Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison
of models for customer base analysis", International Journal of Research in Marketing 24(3),
201-209.

As the BG/NBD (Fader, Hardie & Lee 2005), but a customer may drop out right after *any*
purchase, including the first (at time 0), with probability p ~ beta(a, b); while active she
buys at Poisson rate lambda ~ gamma(r, alpha). Parameters (r, alpha, a, b). So a customer with
no repeat purchase need not be alive, unlike in the BG/NBD.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from truthsim.calibration.btyd.bgnbd import NAMES, _mean_until_dropout, _starts
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

Params = Mapping[str, float] | Sequence[float]


def loglike(params: Params, summary: Summary) -> np.ndarray:
    """Per-customer log-likelihood (Batislam et al. 2007, the BG/NBD likelihood with the
    extra dropout chance at time 0), in logs:
    L = G(r+x) alpha^r / G(r) [ B(a,b+x+1)/B(a,b) (alpha+T)^-(r+x)
                                + B(a+1,b+x)/B(a,b) (alpha+t_x)^-(r+x) ]  for all x >= 0."""
    r, alpha, a, b = unpack(params, NAMES)
    x, t_x, T = summary.x, summary.t_x, summary.T
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    term1 = betaln(a, b + x + 1) - (r + x) * np.log(alpha + T)
    term2 = betaln(a + 1, b + x) - (r + x) * np.log(alpha + t_x)
    return head + np.logaddexp(term1, term2)


def fit(summary: Summary, weights: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood fit of (r, alpha, a, b); ``weights`` counts customers per row."""
    return maximise(lambda p: loglike(p, summary), NAMES, _starts(summary), weights)


def expected(params: Params, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)] for a new customer (Batislam et al. 2007):
    b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))],
    i.e. E[(1-p)(1 - exp(-lambda p t))/p]: survive time 0, then BG/NBD with p ~ beta(a, b+1)."""
    r, alpha, a, b = unpack(params, NAMES)
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))


def p_alive(params: Params, summary: Summary) -> np.ndarray:
    """P(active at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), all x
    (Batislam et al. 2007, appendix A)."""
    r, alpha, a, b = unpack(params, NAMES)
    x, t_x, T = summary.x, summary.t_x, summary.T
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return expit(-log_odds)


def conditional_expected(params: Params, t: np.ndarray | float, summary: Summary) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (Batislam et al. 2007):
    P(alive) (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; .)],
    the BG/NBD mean at the posterior (r+x, alpha+T, a, b+x+1) of an active customer."""
    r, alpha, a, b = unpack(params, NAMES)
    x, T = summary.x, summary.T
    t = np.asarray(t, dtype=np.float64)
    alive_mean = _mean_until_dropout(r + x, alpha + T, a, b + x + 1, t)
    return p_alive(params, summary) * alive_mean


def simulate(
    params: Params, n_customers: int, T: float | np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic log: customer i (0..n-1) buys at 0 and drops out with probability p_i right
    after that and after every later purchase; while active she buys at rate lambda_i."""
    r, alpha, a, b = unpack(params, NAMES)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    cap = rng.geometric(p) - 1  # repeat purchases before the purchase that ends her life
    return poisson_log(rng, lam, np.broadcast_to(np.asarray(T, float), lam.shape), cap)
