"""BG/BB model: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting", Marketing Science 29(6), 1086-1108.

Discrete time: after the first transaction there are n transaction opportunities 1..n. An
alive customer transacts at each with probability p ~ beta(alpha, beta); at the start of each
opportunity she dies with probability theta ~ beta(gamma, delta). Parameters
(alpha, beta, gamma, delta). Summaries (x, t_x, n) are a :class:`Summary` with ``T = n``:
``x`` transactions in 1..n, ``t_x`` the opportunity of the last one (0 if none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import betaln, digamma, gammaln, logsumexp

from truthsim.calibration.btyd.fitting import Fit, maximise, unpack
from truthsim.calibration.btyd.summary import Summary

__all__ = [
    "NAMES",
    "conditional_expected",
    "expected",
    "fit",
    "loglike",
    "p_alive",
    "simulate",
]

NAMES = ("alpha", "beta", "gamma", "delta")
Params = Mapping[str, float] | Sequence[float]


def loglike(params: Params, summary: Summary) -> np.ndarray:
    """Per-customer log-likelihood, FHS (2010) section 3 (alive through n, or died after t_x):
    L = B(al+x, be+n-x)/B(al,be) B(ga, de+n)/B(ga,de)
        + sum_{i=0}^{n-t_x-1} B(al+x, be+t_x-x+i)/B(al,be) B(ga+1, de+t_x+i)/B(ga,de)."""
    al, be, ga, de = unpack(params, NAMES)
    x, t_x, n = summary.x, summary.t_x, summary.T
    base = -betaln(al, be) - betaln(ga, de)
    terms = [betaln(al + x, be + n - x) + betaln(ga, de + n)]
    i = np.arange(int(np.max(n - t_x, initial=0)))[:, None]  # loop-free over customers
    died = betaln(al + x, be + t_x - x + i) + betaln(ga + 1, de + t_x + i)
    terms.extend(np.where(i < n - t_x, died, -np.inf))
    return base + logsumexp(np.vstack(terms), axis=0)


def fit(summary: Summary, weights: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood fit of (alpha, beta, gamma, delta); ``weights`` counts customers per
    row (e.g. the donations data, one row per (x, t_x, n) pattern)."""
    starts = [(1.0, 1.0, 1.0, 1.0), (0.5, 0.5, 0.5, 3.0), (2.0, 1.0, 1.0, 5.0)]
    return maximise(lambda p: loglike(p, summary), NAMES, starts, weights)


def _survival_sum(ga: float, de: float, n0: np.ndarray, m: np.ndarray) -> np.ndarray:
    """sum_{k=1}^{m} B(ga, de+n0+k)/B(ga, de), in closed form (telescoping):
    G(ga+de)/(G(de)(ga-1)) [G(de+n0+1)/G(ga+de+n0) - G(de+n0+m+1)/G(ga+de+n0+m)],
    and de [psi(de+n0+m+1) - psi(de+n0+1)] in the limit ga = 1."""
    if abs(ga - 1) < 1e-9:
        return de * (digamma(de + n0 + m + 1) - digamma(de + n0 + 1))
    lead = gammaln(ga + de) - gammaln(de) - np.log(abs(ga - 1))
    first = gammaln(de + n0 + 1) - gammaln(ga + de + n0)
    last = gammaln(de + n0 + m + 1) - gammaln(ga + de + n0 + m)
    return np.sign(ga - 1) * np.exp(lead + first) * -np.expm1(last - first)


def expected(params: Params, n: np.ndarray | float) -> np.ndarray:
    """E[X(n)], expected transactions in the first n opportunities of a new customer,
    FHS (2010): al/(al+be) de/(ga-1) [1 - G(ga+de)/G(ga+de+n) G(1+de+n)/G(1+de)]."""
    al, be, ga, de = unpack(params, NAMES)
    n = np.asarray(n, dtype=np.float64)
    return al / (al + be) * _survival_sum(ga, de, np.zeros_like(n), n)


def p_alive(params: Params, summary: Summary) -> np.ndarray:
    """P(alive at opportunity n+1 | x, t_x, n), FHS (2010):
    B(al+x, be+n-x)/B(al,be) B(ga, de+n+1)/B(ga,de) / L."""
    al, be, ga, de = unpack(params, NAMES)
    x, n = summary.x, summary.T
    alive = betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + 1) - betaln(ga, de)
    return np.exp(alive - loglike(params, summary))


def conditional_expected(
    params: Params, n_star: np.ndarray | float, summary: Summary
) -> np.ndarray:
    """E[X(n, n+n*) | x, t_x, n], transactions in opportunities n+1..n+n*, FHS (2010):
    B(al+x+1, be+n-x)/B(al,be) sum_{k=1}^{n*} B(ga, de+n+k)/B(ga,de) / L."""
    al, be, ga, de = unpack(params, NAMES)
    x, n = summary.x, summary.T
    n_star = np.asarray(n_star, dtype=np.float64)
    buy = betaln(al + x + 1, be + n - x) - betaln(al, be) - loglike(params, summary)
    return np.exp(buy) * _survival_sum(ga, de, n, n_star)


def simulate(
    params: Params, n_customers: int, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic log: customer i (0..n_customers-1) transacts at 0, then at each opportunity
    1..n while alive with probability p_i; she dies at the start of an opportunity with
    probability theta_i. Times are opportunity numbers (floats), so ``summarise(c, t, n)``
    gives (x, t_x, n)."""
    al, be, ga, de = unpack(params, NAMES)
    p = rng.beta(al, be, n_customers)
    theta = rng.beta(ga, de, n_customers)
    alive = np.minimum(rng.geometric(theta) - 1, n)  # opportunities 1..alive are lived
    who = np.repeat(np.arange(n_customers), alive)
    when = np.arange(len(who)) - (np.cumsum(alive) - alive)[who] + 1
    buy = rng.random(len(who)) < p[who]
    customer = np.concatenate([np.arange(n_customers), who[buy]])
    time = np.concatenate([np.zeros(n_customers), when[buy].astype(np.float64)])
    order = np.lexsort((time, customer))
    return customer[order], time[order]
