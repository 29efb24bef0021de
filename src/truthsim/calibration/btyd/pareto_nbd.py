"""Pareto/NBD model: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who
Are They and What Will They Do Next?", Management Science 33(1), 1-24.

While alive a customer buys at Poisson rate lambda ~ gamma(r, alpha); her lifetime is
exponential with rate mu ~ gamma(s, beta). Parameters (r, alpha, s, beta). Formulas follow
Fader, Hardie & Lee (2005), "A Note on Deriving the Pareto/NBD Model and Related
Expressions" (brucehardie.com/notes/009), whose likelihood (eqs. 18-20) uses one Gauss
hypergeometric function per term, split by alpha >= beta / alpha < beta so that the argument
lies in [0, 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

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

NAMES = ("r", "alpha", "s", "beta")
Params = Mapping[str, float] | Sequence[float]


def _log_terms(params: Params, summary: Summary) -> tuple[np.ndarray, np.ndarray]:
    """log of the "alive at T" term 1/((alpha+T)^(r+x) (beta+T)^s) and of s/(r+s+x) A_0,
    where A_0 (note eqs. 19-20) is the "died in (t_x, T]" term, as a difference of two 2F1s."""
    r, alpha, s, beta = unpack(params, NAMES)
    x, t_x, T = summary.x, summary.t_x, summary.T
    rsx = r + s + x
    if alpha >= beta:
        big, b2 = alpha, s + 1
    else:
        big, b2 = beta, r + x
    gap = abs(alpha - beta)

    def part(y: np.ndarray) -> np.ndarray:
        return np.log(hyp2f1(rsx, b2, rsx + 1, gap / (big + y))) - rsx * np.log(big + y)

    l_tx, l_T = part(t_x), part(T)
    diff = np.minimum(l_T - l_tx, 0.0)
    with np.errstate(divide="ignore"):
        log_a0 = l_tx + np.log(-np.expm1(diff))
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return alive, np.log(s) - np.log(rsx) + log_a0


def loglike(params: Params, summary: Summary) -> np.ndarray:
    """Per-customer log-likelihood, note eq. (18):
    L = G(r+x) alpha^r beta^s / G(r) [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A_0 ]."""
    r, alpha, s, beta = unpack(params, NAMES)
    alive, dead = _log_terms(params, summary)
    head = gammaln(r + summary.x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + np.logaddexp(alive, dead)


def fit(summary: Summary, weights: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood fit of (r, alpha, s, beta); ``weights`` counts customers per row."""
    t_bar = max(float(np.mean(summary.T)), 1e-9)
    scale = t_bar / max(float(np.mean(summary.x)), 0.1)
    starts = [
        (1.0, scale, 1.0, t_bar),
        (0.5, 0.5 * scale, 0.5, 0.5 * t_bar),
        (2.0, 2 * scale, 2.0, 2 * t_bar),
    ]
    return maximise(lambda p: loglike(p, summary), NAMES, starts, weights)


def _lifetime_integral(s: float, u: np.ndarray) -> np.ndarray:
    """[1 - (1+u)^-(s-1)] / (s-1), with its limit log(1+u) at s = 1."""
    k = s - 1.0
    lu = np.log1p(u)
    if abs(k) < 1e-10:
        return lu
    return -np.expm1(-k * lu) / k


def expected(params: Params, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)] for a new customer, note eq. (27): r beta/(alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
    r, alpha, s, beta = unpack(params, NAMES)
    t = np.asarray(t, dtype=np.float64)
    return r * beta / alpha * _lifetime_integral(s, t / beta)


def p_alive(params: Params, summary: Summary) -> np.ndarray:
    """P(alive at T | x, t_x, T), note section 5.1: the "alive" term's share of the likelihood,
    1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0)."""
    alive, dead = _log_terms(params, summary)
    return expit(alive - dead)


def conditional_expected(params: Params, t: np.ndarray | float, summary: Summary) -> np.ndarray:
    """E[Y(t) | x, t_x, T], note eq. (41):
    P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]."""
    r, alpha, s, beta = unpack(params, NAMES)
    x, T = summary.x, summary.T
    t = np.asarray(t, dtype=np.float64)
    mean_alive = (r + x) * (beta + T) / (alpha + T) * _lifetime_integral(s, t / (beta + T))
    return p_alive(params, summary) * mean_alive


def simulate(
    params: Params, n_customers: int, T: float | np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic log: customer i (0..n-1) buys at 0, lives an exponential time of rate mu_i and
    buys at Poisson rate lambda_i while alive; observed on [0, T]."""
    r, alpha, s, beta = unpack(params, NAMES)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    mu = rng.gamma(s, 1.0 / beta, n_customers)
    life = rng.exponential(1.0, n_customers) / mu
    return poisson_log(rng, lam, np.minimum(life, T))
