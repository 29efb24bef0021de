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

import numpy as np
from scipy import optimize

from truthsim.calibration.data import Moments
from truthsim.calibration.estimates import (
    PROFILE_DROP,
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
    counted,
)
from truthsim.calibration.load import moment_loads
from truthsim.calibration.load_fit import (
    LOAD_METHOD,
    PROFILE_LOAD,
    LoadData,
    load_doubling,
    load_se,
    loaded_draws,
    loaded_without_wait,
)
from truthsim.calibration.ordered_logit import (
    fit_ordered,
    grouped_fit,
    outcome_draws,
    profile,
    shares,
    shares_without,
)
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "ordered logit, maximum likelihood (statsmodels OrderedModel)"


PROFILE = "profile likelihood over the tolerance (statsmodels OrderedModel at each)"


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
                fits[key] = grouped_fit(gy, gx, count, start, beyond)
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
        se = load_se(gy, gx, count, params, np.maximum(gb - t, 0.0), tolerance is not None)
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
        out.fitted += shares_without(name, counts, source)
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
        best = profile(y, wait, factor, waited, plain, other)
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
            out.extend(loaded_without_wait(name, plain, load, source))
            return out
        out.fitted += shares(name, plain.params, plain.cov, source, METHOD)
        out.draws.append(outcome_draws(name, plain.params, plain.cov))
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
            out.extend(loaded_without_wait(name, plain, load, source))
            return out
        out.fitted += shares(name, plain.params, plain.cov, source, METHOD)
        out.draws.append(outcome_draws(name, plain.params, plain.cov))
        return out
    method = METHOD if load is None else LOAD_METHOD
    out.fitted += shares(name, fit.params[1 + k :], fit.cov[1 + k :, 1 + k :], source, method)
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
        doubling_of_load = load_doubling(name, fit, 1, load, source)
        if isinstance(doubling_of_load, Unidentified):
            out.unidentified.append(doubling_of_load)
            return out  # the caller fits again without load
        out.fitted.append(doubling_of_load)
        out.draws.append(loaded_draws(name, fit, wait_at=0, load_at=1))
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
