"""Each touchpoint's base outcome mix and wait effect: the engine's ordered logit, fitted.

The engine draws a moment's outcome from an ordered logit: the base shares set two cut-points,
and each minute waited beyond ``tolerance`` (times the segment's patience) moves both toward
misery by ``log(2) / doubling``. With ``excess = max(0, wait - tolerance x patience)`` that is
statsmodels' ``OrderedModel`` with excess as the one regressor, so it is fitted with it. The
tolerance enters through a kink, so it is profiled: the model is fitted over a grid of
tolerances and the interval is the set the likelihood-ratio test does not reject. Moments that
failed (a different outcome rule) or were abandoned (no outcome drawn) are left out.

Where the touchpoint's servers serve worse under load, the servers' busy share beyond the
threshold is a second regressor, fitted jointly (the busy share of each moment measured from the
data, :mod:`truthsim.calibration.load`; the window and threshold as the scenario writes them).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from truthsim.calibration.data import Moments
from truthsim.calibration.estimates import (
    PROFILE_DROP,
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
    counted,
    wald,
)
from truthsim.calibration.load import moment_loads
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "ordered logit, maximum likelihood (statsmodels OrderedModel)"
PROFILE = "profile likelihood over the tolerance (statsmodels OrderedModel at each)"
PROFILE_LOAD = (
    "profile likelihood over the load's threshold (the ordered logit at each, at the fitted "
    "tolerance)"
)
#: tolerances tried before the best is refined
GRID = 14


LOAD_METHOD = (
    "ordered logit, maximum likelihood (statsmodels OrderedModel), the servers' busy share "
    "beyond the threshold a regressor beside the excess wait"
)


@dataclass
class OrderedFit:
    loglike: float
    #: (-per_minute, c1, log(c2 - c1)) or (c1, log(c2 - c1)) without waits; where load moves
    #: outcomes, -per_load follows -per_minute (or comes first without waits)
    params: np.ndarray
    cov: np.ndarray


@dataclass
class LoadData:
    """A loaded touchpoint's moments' busy share beyond the threshold, and how it was read."""

    excess: np.ndarray  #: max(0, busy share - threshold) of each moment fitted
    threshold: float
    window: float
    source: str  #: what the busy share rests on, in words
    busy: np.ndarray | None = None  #: each moment's busy share (where the threshold is fitted)


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


def fit_outcomes(
    moments: Moments,
    factor: np.ndarray,
    scenario: Scenario,
    source: str = "moments.csv",
    origin: float | None = None,
    load_threshold: bool = False,
) -> FitResult:
    """Fit every touchpoint's outcome mix, and its wait tolerance and doubling where waits vary,
    and its load's doubling where the scenario lets load move outcomes there.

    ``factor`` is each moment's segment patience (it scales the tolerance, as in the engine).
    ``origin``: the data's clock as minutes since 1970 where times were timestamps (a staffing
    schedule is read at the hours they show). ``load_threshold``: fit the load's threshold too,
    by profile likelihood (else it is kept as written).
    """
    out = FitResult()
    names = scenario.touchpoint_order()
    has_wait = "wait" in moments.columns
    for t, name in enumerate(names):
        use = (moments.touchpoint == t) & (moments.outcome >= 0) & ~moments.abandoned
        use &= ~moments.failed
        here = f"touchpoints.{name}"
        if scenario.touchpoints[name].failure.rate > 0 and "failed" not in moments.columns:
            out.notes.append(
                f"{name}: moments.csv has no 'failed' column, so failed moments are counted in "
                "the base outcome mix (which the scenario keeps apart from failures)"
            )
        y = moments.outcome[use].astype(int)
        if len(y) == 0:
            reason = f"no moment at {name} with an outcome in moments.csv"
            out.unidentified += [Unidentified(f"{here}.outcomes", reason)]
            out.unidentified += [Unidentified(f"{here}.wait", reason)]
            continue
        wait = np.nan_to_num(moments.wait[use], nan=0.0) if has_wait else np.zeros(len(y))
        rule = scenario.touchpoints[name].load
        if rule is None:
            out.extend(_touchpoint(name, y, wait, factor[use], has_wait, source))
            continue
        servers = scenario.touchpoints[name].servers
        assert servers is not None  # the scenario refuses load without servers
        loads, why = moment_loads(moments, t, servers, rule.window, origin)
        if loads is None:
            out.unidentified.append(Unidentified(f"{here}.load.doubling", f"{name}: {why}"))
            out.extend(_touchpoint(name, y, wait, factor[use], has_wait, source))
            continue
        excess = np.maximum(loads[use] - rule.threshold, 0.0)
        load = LoadData(excess, rule.threshold, rule.window, why)
        fitted = _loaded_touchpoint(name, y, wait, factor[use], has_wait, source, load)
        if load_threshold and any(p.path == f"{here}.load.doubling" for p in fitted.fitted):
            load.busy = loads[use]
            fitted = _threshold(name, y, wait, factor[use], has_wait, source, load, fitted)
        out.extend(fitted)
    return out


def _threshold(
    name: str,
    y: np.ndarray,
    wait: np.ndarray,
    factor: np.ndarray,
    has_wait: bool,
    file: str,
    load: LoadData,
    written: FitResult,
) -> FitResult:
    """The fit with the load's threshold profiled too: over a grid of thresholds, the ordered
    logit on the wait (at the tolerance fitted with the written threshold) and the excess load;
    the most likely threshold, refined, its likelihood-ratio interval, and the load's doubling
    with an interval over every threshold in it. Where the profile gives no interval (it stays
    within the limit to the grid's end, or the most likely threshold leaves too few moments
    beyond it) the written threshold's fit stands, with the reason."""
    here = f"touchpoints.{name}"
    busy = load.busy
    assert busy is not None
    by_path = {p.path: p.estimate for p in written.fitted}
    tolerance = by_path.get(f"{here}.wait.tolerance")
    excess = np.zeros(len(y)) if tolerance is None else np.maximum(0.0, wait - tolerance * factor)
    keys = np.stack([y.astype(float), excess, busy], axis=1)
    groups, count = np.unique(keys, axis=0, return_counts=True)
    gy, gx, gb = groups[:, 0].astype(int), groups[:, 1], groups[:, 2]
    plain = fit_ordered(y, None if tolerance is None else excess, other=load.excess)
    start = plain.params if tolerance is not None else np.concatenate([[0.0], plain.params])
    fits: dict[float, tuple[float, np.ndarray]] = {}

    def fit_at(threshold: float) -> tuple[float, np.ndarray]:
        key = round(float(threshold), 9)
        if key not in fits:
            beyond = np.maximum(gb - threshold, 0.0)
            if np.sum(count[beyond > 0]) < 10:
                fits[key] = (-math.inf, start)
            else:
                fits[key] = _grouped_fit(gy, gx, count, start, beyond)
        return fits[key]

    grid = np.unique(np.concatenate([np.linspace(0.0, 0.95, 20), [load.threshold]]))
    profile = np.array([fit_at(t)[0] for t in grid])
    k = int(np.argmax(profile))
    best = float(grid[k])
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    refined = optimize.minimize_scalar(
        lambda t: -fit_at(t)[0], bounds=(lo, hi), method="bounded", options={"xatol": 1e-3}
    )
    if -refined.fun > profile[k]:
        best = float(refined.x)
    best_ll = fit_at(best)[0]
    floor = best_ll - PROFILE_DROP
    path = f"{here}.load.threshold"

    def gap(t: float) -> float:
        return fit_at(t)[0] - floor

    inside = [t for t in grid if gap(t) >= 0] + [best]
    low, high = min(inside), max(inside)
    if high >= grid[-1] or -fit_at(best)[1][1] <= 0:
        written.unidentified.append(
            Unidentified(
                path,
                f"the profile likelihood of the load's threshold at {name} stays within the "
                f"95% limit up to a busy share of {grid[-1]:g}: these data do not bound it; "
                "kept as written",
            )
        )
        return written
    if low > 0:
        low = optimize.brentq(gap, max(t for t in grid if t < low), low, xtol=1e-4)
    high = optimize.brentq(gap, high, min(t for t in grid if t > high), xtol=1e-4)
    at_best = LoadData(np.maximum(busy - best, 0.0), best, load.window, load.source, busy)
    out = _loaded_touchpoint(name, y, wait, factor, has_wait, file, at_best)
    doubling = next((p for p in out.fitted if p.path == f"{here}.load.doubling"), None)
    if doubling is None:
        written.unidentified.append(
            Unidentified(
                path,
                f"at its most likely threshold ({best:.3g}) load shows no measurable harm; "
                "kept as written",
            )
        )
        return written
    rates = []
    for t in sorted({low, high, best, *(g for g in grid if low <= g <= high)}):
        ll, params = fit_at(t)
        if ll < floor - 1e-6:
            continue
        se = _load_se(gy, gx, count, params, np.maximum(gb - t, 0.0), tolerance is not None)
        rates += [-params[1] - Z95 * se, -params[1] + Z95 * se]
    fastest, slowest = max(rates), min(rates)
    doubling.low = math.log(2) / fastest
    doubling.high = math.log(2) / slowest if slowest > 0 else math.inf
    doubling.method = (
        f"{LOAD_METHOD}; window {load.window:g} as the scenario writes it, the threshold "
        "profiled; interval over the threshold's interval"
    )
    se_t = (high - low) / (2 * Z95)
    out.fitted.append(Fitted(path, best, low, high, se_t, doubling.source, PROFILE_LOAD))
    clipped = min(max(best, 1e-3), 1 - 1e-3)
    out.draws.append(
        Draws(
            np.array([math.log(clipped / (1 - clipped))]),
            np.array([[(se_t / (clipped * (1 - clipped))) ** 2]]),
            [("logit", [0], [path])],
        )
    )
    return out


def _loaded_touchpoint(
    name: str,
    y: np.ndarray,
    wait: np.ndarray,
    factor: np.ndarray,
    has_wait: bool,
    file: str,
    load: LoadData,
) -> FitResult:
    """The outcome mix, wait effect and load's doubling fitted jointly; where the data show no
    harm from load, the fit without it (as for a touchpoint without load), saying why."""
    path = f"touchpoints.{name}.load.doubling"
    beyond = int(np.count_nonzero(load.excess > 0))
    if beyond < 10:
        why = (
            f"too few moments at {name} with an outcome were served beyond the busy share "
            f"{load.threshold:g} ({beyond}) to see an effect"
        )
        out = _touchpoint(name, y, wait, factor, has_wait, file)
        out.unidentified.append(Unidentified(path, why))
        return out
    out = _touchpoint(name, y, wait, factor, has_wait, file, load)
    if any(u.path == path for u in out.unidentified):
        plain = _touchpoint(name, y, wait, factor, has_wait, file)
        plain.unidentified += [u for u in out.unidentified if u.path == path]
        return plain
    return out


def _touchpoint(
    name: str,
    y: np.ndarray,
    wait: np.ndarray,
    factor: np.ndarray,
    has_wait: bool,
    file: str,
    load: LoadData | None = None,
) -> FitResult:
    out = FitResult()
    here = f"touchpoints.{name}"
    source = counted(len(y), f"moments at {name}", file)
    counts = np.bincount(y, minlength=3)
    if np.any(counts == 0):
        missing = ", ".join(o for o, c in zip(OUTCOMES, counts, strict=True) if c == 0)
        out.fitted += _shares_without(name, counts, source)
        out.unidentified.append(
            Unidentified(
                f"{here}.wait",
                f"no {missing} seen at {name}: the ordered logit's "
                "wait effect needs all three outcomes",
            )
        )
        if load is not None:
            out.unidentified.append(
                Unidentified(
                    f"{here}.load.doubling",
                    f"no {missing} seen at {name}: the ordered logit's "
                    "load effect needs all three outcomes",
                )
            )
        return out
    other = None if load is None else load.excess
    k = 0 if load is None else 1  # regressors besides the wait
    scaled = wait / np.maximum(factor, 1e-12)
    waited = scaled[scaled > 0]
    plain = fit_ordered(y, None, other=other)
    best = None
    if has_wait and len(waited) >= 10:
        best = _profile(y, wait, factor, waited, plain, other)
    if best is None:
        why = (
            "moments.csv has no 'wait' column"
            if not has_wait
            else f"too few moments at {name} waited ({len(waited)}) to see an effect"
            if len(waited) < 10
            else f"the {len(waited):,} moments at {name} that waited show no harm from waiting"
        )
        out.unidentified.append(Unidentified(f"{here}.wait", why))
        if load is not None:
            out.extend(_loaded_without_wait(name, plain, load, source))
            return out
        out.fitted += _shares(name, plain.params, plain.cov, source, METHOD)
        out.draws.append(_outcome_draws(name, plain.params, plain.cov))
        return out
    tolerance, fit, interval, doubling_range = best
    per_minute = -fit.params[0]
    se = math.sqrt(max(fit.cov[0, 0], 0.0))
    if per_minute <= 0 or per_minute - Z95 * se <= 0:
        out.unidentified.append(
            Unidentified(
                f"{here}.wait",
                f"waits at {name} show no measurable effect on outcomes "
                f"(odds change per minute beyond tolerance {per_minute:+.3f}, "
                f"se {se:.3f})",
            )
        )
        if load is not None:
            out.extend(_loaded_without_wait(name, plain, load, source))
            return out
        out.fitted += _shares(name, plain.params, plain.cov, source, METHOD)
        out.draws.append(_outcome_draws(name, plain.params, plain.cov))
        return out
    method = METHOD if load is None else LOAD_METHOD
    out.fitted += _shares(name, fit.params[1 + k :], fit.cov[1 + k :, 1 + k :], source, method)
    doubling = math.log(2) / per_minute
    low_d, high_d = doubling_range
    out.fitted.append(
        Fitted(
            f"{here}.wait.doubling",
            doubling,
            low_d,
            high_d,
            doubling * se / per_minute,
            source,
            method + "; interval over the tolerance's interval",
        )
    )
    low_t, high_t = interval
    out.fitted.append(
        Fitted(
            f"{here}.wait.tolerance",
            tolerance,
            low_t,
            high_t,
            (high_t - low_t) / (2 * Z95),
            source,
            PROFILE,
        )
    )
    if load is not None:
        doubling_of_load = _load_doubling(name, fit, 1, load, source)
        if isinstance(doubling_of_load, Unidentified):
            out.unidentified.append(doubling_of_load)
            return out  # the caller fits again without load
        out.fitted.append(doubling_of_load)
        out.draws.append(_loaded_draws(name, fit, wait_at=0, load_at=1))
    else:
        latent = np.array([fit.params[1], fit.params[2], math.log(per_minute)])
        cov = fit.cov[[1, 2, 0]][:, [1, 2, 0]].copy()
        cov[2, :] /= -per_minute
        cov[:, 2] /= -per_minute
        outcomes = [f"{here}.outcomes.{o}" for o in OUTCOMES]
        out.draws.append(
            Draws(
                latent,
                cov,
                [("outcomes", [0, 1], outcomes), ("doubling", [2], [f"{here}.wait.doubling"])],
            )
        )
    out.draws.append(
        Draws(
            np.array([tolerance]),
            np.array([[((high_t - low_t) / (2 * Z95)) ** 2]]),
            [("nonnegative", [0], [f"{here}.wait.tolerance"])],
        )
    )
    return out


def _loaded_without_wait(name: str, plain: OrderedFit, load: LoadData, source: str) -> FitResult:
    """The outcome mix and the load's doubling where waits show nothing: params (-per_load,
    c1, log(c2 - c1))."""
    out = FitResult()
    doubling = _load_doubling(name, plain, 0, load, source)
    if isinstance(doubling, Unidentified):
        out.unidentified.append(doubling)
        return out  # the caller fits again without load
    out.fitted += _shares(name, plain.params[1:], plain.cov[1:, 1:], source, LOAD_METHOD)
    out.fitted.append(doubling)
    out.draws.append(_loaded_draws(name, plain, wait_at=None, load_at=0))
    return out


def _load_doubling(
    name: str, fit: OrderedFit, at: int, load: LoadData, source: str
) -> Fitted | Unidentified:
    """The load's doubling, ln 2 over the log-odds per unit of busy share beyond the threshold
    (the coefficient at ``at``), with the Wald interval of that rate mapped over (a rate whose
    interval reaches 0 shows no measurable harm: not identified, as for waits)."""
    path = f"touchpoints.{name}.load.doubling"
    per_load = -float(fit.params[at])
    se = math.sqrt(max(float(fit.cov[at, at]), 0.0))
    if not (per_load > 0 and per_load - Z95 * se > 0 and math.isfinite(se)):
        return Unidentified(
            path,
            f"the servers' load at {name} shows no measurable effect on outcomes (odds change "
            f"per unit of busy share beyond {load.threshold:g}: {per_load:+.3f}, se {se:.3f})",
        )
    doubling = math.log(2) / per_load
    return Fitted(
        path,
        doubling,
        math.log(2) / (per_load + Z95 * se),
        math.log(2) / (per_load - Z95 * se),
        doubling * se / per_load,
        f"{source}; {load.source}",
        f"{LOAD_METHOD}; window {load.window:g} and threshold {load.threshold:g} as the "
        "scenario writes them; delta method",
    )


def _loaded_draws(name: str, fit: OrderedFit, wait_at: int | None, load_at: int) -> Draws:
    """The outcome mix and the doublings drawn together: cut-points, then the log of each rate
    (its covariance by the delta method)."""
    here = f"touchpoints.{name}"
    rates = ([] if wait_at is None else [wait_at]) + [load_at]
    cuts = len(rates)
    order = [cuts, cuts + 1, *rates]
    latent = np.array([fit.params[cuts], fit.params[cuts + 1]] +
                      [math.log(-fit.params[i]) for i in rates])  # fmt: skip
    cov = fit.cov[order][:, order].copy()
    for j, i in enumerate(rates, start=2):
        cov[j, :] /= fit.params[i]
        cov[:, j] /= fit.params[i]
    targets = [("outcomes", [0, 1], [f"{here}.outcomes.{o}" for o in OUTCOMES])]
    if wait_at is not None:
        targets.append(("doubling", [2], [f"{here}.wait.doubling"]))
    targets.append(("doubling", [len(order) - 1], [f"{here}.load.doubling"]))
    return Draws(latent, cov, targets)


def _profile(
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
            fits[key] = _grouped_fit(gy, excess, count, start, go)
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
        se = _rate_se(gy, np.maximum(0.0, gw - t * gf), count, params, go)
        rates += [-params[0] - Z95 * se, -params[0] + Z95 * se]
    fastest, slowest = max(rates), min(rates)
    doubling = (math.log(2) / fastest, math.log(2) / slowest if slowest > 0 else math.inf)
    return tolerance, best, (low, high), doubling


def _grouped_loglike(
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


def _grouped_fit(
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    start: np.ndarray,
    other: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    result = optimize.minimize(
        lambda x: -_grouped_loglike(x, y, excess, n, other), start, method="BFGS"
    )
    return -float(result.fun), np.asarray(result.x)


def _rate_se(
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

    hessian = approx_hess3(params, lambda x: _grouped_loglike(x, y, excess, n, other))
    try:
        return math.sqrt(max(float(np.linalg.inv(-hessian)[at, at]), 0.0))
    except np.linalg.LinAlgError:
        return math.inf


def _load_se(
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    params: np.ndarray,
    beyond: np.ndarray,
    waits: bool,
) -> float:
    """Standard error of the load's coefficient (params[1]) from the observed information;
    without a wait effect its coefficient (params[0], which nothing moves) is left out."""
    if waits:
        return _rate_se(y, excess, n, params, beyond, at=1)
    from statsmodels.tools.numdiff import approx_hess3

    def loglike(x: np.ndarray) -> float:
        return _grouped_loglike(np.concatenate([[0.0], x]), y, excess, n, beyond)

    hessian = approx_hess3(params[1:], loglike)
    try:
        return math.sqrt(max(float(np.linalg.inv(-hessian)[0, 0]), 0.0))
    except np.linalg.LinAlgError:
        return math.inf


def _shares(name: str, cuts: np.ndarray, cov: np.ndarray, source: str, method: str) -> list[Fitted]:
    """Misery, mediocrity and magic from cut-points (c1, log(c2 - c1)) and their covariance."""
    c1, spread = float(cuts[0]), float(cuts[1])
    c2 = c1 + math.exp(spread)
    grad_c2 = np.array([1.0, math.exp(spread)])
    var_c1 = float(cov[0, 0])
    var_c2 = float(grad_c2 @ cov @ grad_c2)
    here = f"touchpoints.{name}.outcomes"
    misery = wald(f"{here}.misery", c1, math.sqrt(var_c1), source, method, "logit")
    magic_c = wald(f"{here}.magic", -c2, math.sqrt(var_c2), source, method, "logit")
    p1, p2 = _sig(c1), _sig(c2)
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


def _shares_without(name: str, counts: np.ndarray, source: str) -> list[Fitted]:
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


def _outcome_draws(name: str, cuts: np.ndarray, cov: np.ndarray) -> Draws:
    paths = [f"touchpoints.{name}.outcomes.{o}" for o in OUTCOMES]
    return Draws(
        np.asarray(cuts[:2], dtype=float), np.asarray(cov[:2, :2]), [("outcomes", [0, 1], paths)]
    )


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
