"""The engine's ordered logit of a moment's outcome, fitted: statsmodels' ``OrderedModel`` on
the excess wait (and, where staff load moves outcomes, the excess load), the tolerance's profile
likelihood, and the outcome shares with their intervals and draws (see
:mod:`truthsim.calibration.outcomes`, which fits each touchpoint with these)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from truthsim.calibration.estimates import (
    PROFILE_DROP,
    Z95,
    Draws,
    Fitted,
    wald,
)
from truthsim.scenario.probability import sigmoid
from truthsim.scenario.touchpoint import OUTCOMES


@dataclass
class OrderedFit:
    loglike: float
    #: (-per_minute, c1, log(c2 - c1)) or (c1, log(c2 - c1)) without waits; where load moves
    #: outcomes, -per_load follows -per_minute (or comes first without waits)
    params: np.ndarray
    cov: np.ndarray


def ordered_model() -> type:
    """statsmodels' OrderedModel, or a clear message that the calibration extra is missing."""
    try:
        from statsmodels.miscmodels.ordinal_model import OrderedModel
    except ImportError:  # pragma: no cover - depends on the environment
        from truthsim.errors import DataError

        raise DataError(
            "calibration needs statsmodels: pip install 'truthsim[calibration]'"
        ) from None
    return OrderedModel


def fit_ordered(
    y: np.ndarray,
    excess: np.ndarray | None,
    start: np.ndarray | None = None,
    other: np.ndarray | None = None,
) -> OrderedFit:
    """The ordered logit of outcomes 0 < 1 < 2 on the excess wait (None: cut-points only), and
    on the excess load where ``other`` gives it."""
    model_type = ordered_model()
    exog = np.zeros((len(y), 0)) if excess is None else excess[:, None]
    if other is not None:
        exog = np.column_stack([exog, other])
    model = model_type(y, exog, distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(method="bfgs", disp=False, start_params=start, maxiter=500)
        cov = np.asarray(result.cov_params())
    return OrderedFit(float(result.llf), np.asarray(result.params, dtype=float), cov)


#: tolerances tried before the best is refined
GRID = 14


def profile(
    y: np.ndarray,
    wait: np.ndarray,
    factor: np.ndarray,
    waited: np.ndarray,
    plain: OrderedFit,
    other: np.ndarray | None = None,
) -> tuple[float, OrderedFit, tuple[float, float], tuple[float, float]] | None:
    """(tolerance, fit there, tolerance interval, doubling interval) from the profile likelihood.

    The profile is searched with the same ordered logit on data grouped by (outcome, wait,
    patience), which is exact and fast (most moments did not wait); the model at the chosen
    tolerance, and the intervals of the others, come from statsmodels' OrderedModel. ``other``:
    a second regressor (the excess load), fitted jointly at every tolerance.
    """
    columns = [y.astype(float), wait, factor] + ([] if other is None else [other])
    keys = np.stack(columns, axis=1)
    groups, count = np.unique(keys, axis=0, return_counts=True)
    gy, gw, gf = groups[:, 0].astype(int), groups[:, 1], groups[:, 2]
    go = None if other is None else groups[:, 3]
    start = np.concatenate([[-0.01], plain.params])
    fits: dict[float, tuple[float, np.ndarray]] = {}

    def fit_at(tolerance: float) -> tuple[float, np.ndarray]:
        key = round(float(tolerance), 9)
        if key not in fits:
            excess = np.maximum(0.0, gw - tolerance * gf)
            fits[key] = grouped_fit(gy, excess, count, start, go)
        return fits[key]

    top = float(np.quantile(waited, 0.95))
    grid = np.unique(np.concatenate([[0.0], np.quantile(waited, np.linspace(0, 0.9, GRID - 1))]))
    profile = np.array([fit_at(t)[0] for t in grid])
    k = int(np.argmax(profile))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    tolerance = float(grid[k])
    if hi > lo:
        refined = optimize.minimize_scalar(
            lambda t: -fit_at(t)[0],
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-3 * max(top, 1.0), "maxiter": 20},
        )
        if -refined.fun > profile[k]:
            tolerance = float(refined.x)
    best_ll, best_params = fit_at(tolerance)
    if -best_params[0] <= 0 or np.ptp(np.maximum(0.0, wait - tolerance * factor)) == 0.0:
        return None  # no harm from waiting, or no moment waited past the tolerance
    floor = best_ll - PROFILE_DROP

    def gap(t: float) -> float:
        return fit_at(t)[0] - floor

    inside = [t for t in grid if gap(t) >= 0] + [tolerance]
    low = min(inside)
    if low > 0:
        below = max(t for t in grid if t < low)
        low = optimize.brentq(gap, below, low, xtol=1e-3 * max(top, 1.0))
    high = max(inside)
    above = [t for t in grid if t > high]
    if above:
        high = optimize.brentq(gap, high, min(above), xtol=1e-3 * max(top, 1.0))
    best = fit_ordered(y, np.maximum(0.0, wait - tolerance * factor), best_params, other)
    rates = []
    for t in sorted({low, high, tolerance, *(g for g in grid if low <= g <= high)}):
        ll, params = fit_at(t)
        if ll < floor - 1e-6:
            continue
        se = rate_se(gy, np.maximum(0.0, gw - t * gf), count, params, go)
        rates += [-params[0] - Z95 * se, -params[0] + Z95 * se]
    fastest, slowest = max(rates), min(rates)
    doubling = (math.log(2) / fastest, math.log(2) / slowest if slowest > 0 else math.inf)
    return tolerance, best, (low, high), doubling


def grouped_loglike(
    params: np.ndarray,
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    other: np.ndarray | None = None,
) -> float:
    """The ordered logit's log-likelihood on grouped data: P(y <= k) = F(c_k - b x) (and
    - b' x' where a second regressor ``other`` is given, its coefficient after b)."""
    if other is None:
        b, c1, spread = params
        push = -b * excess
    else:
        b, b_other, c1, spread = params
        push = -b * excess - b_other * other
    low = special.expit(c1 + push)
    high = special.expit(c1 + math.exp(spread) + push)
    p = np.choose(y, [low, high - low, 1.0 - high])
    return float(np.sum(n * np.log(np.maximum(p, 1e-300))))


def grouped_fit(
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    start: np.ndarray,
    other: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    result = optimize.minimize(
        lambda x: -grouped_loglike(x, y, excess, n, other), start, method="BFGS"
    )
    return -float(result.fun), np.asarray(result.x)


def rate_se(
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    params: np.ndarray,
    other: np.ndarray | None = None,
    at: int = 0,
) -> float:
    """Standard error of the wait coefficient (or the one ``at``) from the observed information
    (statsmodels)."""
    from statsmodels.tools.numdiff import approx_hess3

    hessian = approx_hess3(params, lambda x: grouped_loglike(x, y, excess, n, other))
    try:
        return math.sqrt(max(float(np.linalg.inv(-hessian)[at, at]), 0.0))
    except np.linalg.LinAlgError:
        return math.inf


def shares(name: str, cuts: np.ndarray, cov: np.ndarray, source: str, method: str) -> list[Fitted]:
    """Misery, mediocrity and magic from cut-points (c1, log(c2 - c1)) and their covariance."""
    c1, spread = float(cuts[0]), float(cuts[1])
    c2 = c1 + math.exp(spread)
    grad_c2 = np.array([1.0, math.exp(spread)])
    var_c1 = float(cov[0, 0])
    var_c2 = float(grad_c2 @ cov @ grad_c2)
    here = f"touchpoints.{name}.outcomes"
    misery = wald(f"{here}.misery", c1, math.sqrt(var_c1), source, method, "logit")
    magic_c = wald(f"{here}.magic", -c2, math.sqrt(var_c2), source, method, "logit")
    p1, p2 = sigmoid(c1), sigmoid(c2)
    middle = p2 - p1
    grad = np.array([p2 * (1 - p2) - p1 * (1 - p1), p2 * (1 - p2) * math.exp(spread)])
    se_mid = math.sqrt(max(float(grad @ cov @ grad), 0.0)) / (middle * (1 - middle))
    mediocrity = wald(
        f"{here}.mediocrity",
        math.log(middle / (1 - middle)),
        se_mid,
        source,
        method + "; delta method",
        "logit",
    )
    return [misery, mediocrity, magic_c]


def shares_without(name: str, counts: np.ndarray, source: str) -> list[Fitted]:
    """Shares when an outcome was never seen: the proportions, with exact (Clopper-Pearson)
    intervals, since the ordered logit's cut-point would be infinite."""
    n = int(counts.sum())
    out = []
    for outcome, count in zip(OUTCOMES, counts, strict=True):
        ci = stats.binomtest(int(count), n).proportion_ci(0.95, method="exact")
        share = count / n
        out.append(
            Fitted(
                f"touchpoints.{name}.outcomes.{outcome}",
                share,
                ci.low,
                ci.high,
                math.sqrt(share * (1 - share) / n),
                source,
                "proportion with an exact binomial interval (scipy)",
            )
        )
    return out


def outcome_draws(name: str, cuts: np.ndarray, cov: np.ndarray) -> Draws:
    paths = [f"touchpoints.{name}.outcomes.{o}" for o in OUTCOMES]
    return Draws(
        np.asarray(cuts[:2], dtype=float), np.asarray(cov[:2, :2]), [("outcomes", [0, 1], paths)]
    )

