"""Fitting the return model: maximum likelihood (scipy.optimize), standard errors from the
observed information (statsmodels' numerical Hessian), the forgetting half-life by profile
likelihood over a grid."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, special

from truthsim.calibration.estimates import (
    PROFILE_DROP,
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
    wald,
)
from truthsim.calibration.history import CENSORED, Histories
from truthsim.calibration.returns import (
    Layout,
    ReturnModel,
    shift_from_log_odds,
    shifts_to_estimate,
)
from truthsim.scenario.model import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "maximum likelihood of the engine's return model (scipy.optimize; statsmodels Hessian)"
#: half-lives (days) the profile likelihood is evaluated at; None: memory never fades
HALF_LIVES: tuple[float | None, ...] = (30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, None)
HESSIAN_STEP = 1e-3  #: finite-difference step on the log-odds scale
BOUND = 12.0  #: parameters stay within +-BOUND on their logit / log-odds scale


def fit_returns(
    histories: Histories, scenario: Scenario, spread: bool, profile_half_life: bool = True
) -> FitResult:
    """Baselines (and their spread when ``spread``), shifts and the half-life from histories."""
    out = FitResult()
    segments = list(scenario.segments)
    touchpoints = scenario.touchpoint_order()
    present = set(histories.segment.tolist())
    for i, name in enumerate(segments):
        if i not in present:
            out.unidentified.append(
                Unidentified(
                    f"segments.{name}.baseline_return",
                    f"no journeys of segment {name} in journeys.csv",
                )
            )
    if not present:
        return out
    chosen, why = shifts_to_estimate(histories, touchpoints) if histories.with_moments else ([], {})
    if not histories.with_moments:
        out.notes.append(
            "no moments.csv: baseline returns are fitted without the moments, so they include "
            "the average effect of the moments on return; shifts cannot be estimated"
        )
    out.unidentified += [Unidentified(p, r) for p, r in why.items()]
    layout = Layout(segments, [spread and i in present for i in range(len(segments))], chosen)
    model = ReturnModel(histories, scenario, layout, scenario.memory.forgetting_half_life_days)
    theta = _fit(model, _start(model, histories, scenario))
    source = f"{histories.customers:,} customers' {len(histories):,} journeys in journeys.csv" + (
        " with their moments" if histories.with_moments else ""
    )
    if histories.left_out:
        out.notes.append(
            f"{histories.left_out:,} customers gave no outcome for some moments: their histories "
            "are used up to the first such journey (after it their memory is not known)"
        )
    if profile_half_life and chosen and int(histories.position.max()) > 0:
        theta = _half_life(model, theta, scenario, out, source)
    else:
        out.unidentified.append(
            Unidentified(
                "memory.forgetting_half_life_days",
                "needs customers with several journeys and moments that matter",
            )
        )
    cov = _covariance(model, theta)
    _report(model, theta, cov, source, out)
    out.diagnostics["retention"] = _retention(model, theta)
    return out


def _start(model: ReturnModel, h: Histories, scenario: Scenario) -> np.ndarray:
    """The scenario's own values as the starting point: a valid scenario, so its reference
    return lies below the memory ceiling and its fixed shifts stay probabilities (a start from
    the observed return rate can leave that region when most returns are censored)."""
    theta = np.zeros(model.layout.size())
    for s, slots in enumerate(model.layout.baseline_slots()):
        segment = scenario.segments[model.layout.segments[s]]
        mean = min(max(segment.mean_return, 0.02), 0.98)
        theta[slots[0]] = special.logit(mean)
        if len(slots) == 2:
            theta[slots[1]] = special.logit(0.05)
    ref = scenario.reference_return
    start = sum(2 if s else 1 for s in model.layout.spread)
    for k, (t, o) in enumerate(model.layout.shifts):
        shift = getattr(scenario.touchpoints[model.touchpoints[t]].shifts, OUTCOMES[o])
        theta[start + k] = special.logit(ref + shift) - special.logit(ref)
    return theta


def _fit(model: ReturnModel, start: np.ndarray) -> np.ndarray:
    result = optimize.minimize(
        lambda x: -model.loglike(x),
        start,
        method="L-BFGS-B",
        bounds=[(-BOUND, BOUND)] * len(start),
        options={"maxiter": 500},
    )
    return np.asarray(result.x)


def _covariance(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    from statsmodels.tools.numdiff import approx_hess3

    # central differences over a step wide enough to average the likelihood's kinks (each
    # customer whose experience reaches the memory ceiling adds one): the default step, far
    # smaller, can land on a kink and report a curvature that is not there
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hessian = approx_hess3(theta, model.loglike, epsilon=HESSIAN_STEP)
    try:
        cov = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full_like(hessian, np.nan)
    if np.any(np.diag(cov) <= 0):
        return np.full_like(hessian, np.nan)
    return cov


def _half_life(
    model: ReturnModel, theta: np.ndarray, scenario: Scenario, out: FitResult, source: str
) -> np.ndarray:
    """Profile the log-likelihood over half-lives; keep the best fit."""
    profile, fits = [], []
    for half_life in HALF_LIVES:
        model.set_half_life(half_life)
        fit = _fit(model, theta)
        fits.append(fit)
        profile.append(model.loglike(fit))
    values = np.array(profile)
    best = int(np.argmax(values))
    inside = [
        h for h, v in zip(HALF_LIVES, values, strict=True) if v >= values[best] - PROFILE_DROP
    ]
    path = "memory.forgetting_half_life_days"
    model.set_half_life(HALF_LIVES[best])
    out.diagnostics["half_life_profile"] = [
        {"half_life_days": h, "loglike": float(v)} for h, v in zip(HALF_LIVES, values, strict=True)
    ]
    if len(inside) == len(HALF_LIVES) or HALF_LIVES[best] is None:
        reason = (
            "every half-life from 30 days to never fits within the 95% profile interval"
            if len(inside) == len(HALF_LIVES)
            else "the likelihood is highest when memory never fades"
        )
        out.unidentified.append(Unidentified(path, reason + "; kept as the scenario has it"))
        model.set_half_life(scenario.memory.forgetting_half_life_days)
        return _fit(model, fits[best])
    finite = [h for h in inside if h is not None]
    low = min(finite) if finite else math.nan
    high = math.inf if None in inside else max(finite)
    # the grid is coarse: the interval reaches to the next grid point not in it
    low = _neighbour(low, -1)
    high = high if math.isinf(high) else _neighbour(high, +1)
    estimate = float(HALF_LIVES[best])  # type: ignore[arg-type]
    se = (math.log(high) - math.log(low)) / (2 * Z95) if math.isfinite(high) else math.nan
    out.fitted.append(
        Fitted(
            path,
            estimate,
            low,
            high,
            estimate * se,
            source,
            "profile likelihood over half-lives 30..1920 days and never (interval to the "
            "next grid point outside it)",
        )
    )
    if math.isfinite(se):
        out.draws.append(
            Draws(np.array([math.log(estimate)]), np.array([[se * se]]), [("log", [0], [path])])
        )
    return fits[best]


def _neighbour(value: float, step: int) -> float:
    grid = [h for h in HALF_LIVES if h is not None]
    i = grid.index(value)
    j = i + step
    if j < 0:
        return 0.0 if step < 0 else value
    if j >= len(grid):
        return math.inf
    return grid[j]


def _report(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray, source: str, out: FitResult
) -> None:
    layout = model.layout
    se = np.sqrt(np.diag(cov))
    targets: list[tuple[str, list[int], list[str]]] = []
    for s, slots in enumerate(layout.baseline_slots()):
        name = layout.segments[s]
        if not layout.spread[s] and s not in set(model.h.segment.tolist()):
            continue
        if len(slots) == 1:
            path = f"segments.{name}.baseline_return"
            out.fitted.append(wald(path, theta[slots[0]], se[slots[0]], source, METHOD, "logit"))
            targets.append(("logit", [slots[0]], [path]))
        else:
            for slot, part in zip(slots, ("mean", "polarisation"), strict=True):
                path = f"segments.{name}.baseline_return.{part}"
                out.fitted.append(wald(path, theta[slot], se[slot], source, METHOD, "logit"))
                targets.append(("logit", [slot], [path]))
    start = sum(2 if s else 1 for s in layout.spread)
    for k, (t, o) in enumerate(layout.shifts):
        path = f"touchpoints.{model.touchpoints[t]}.shifts.{OUTCOMES[o]}"

        def shift(x: np.ndarray, slot: int = start + k) -> float:
            return shift_from_log_odds(float(x[slot]), model.reference(x))

        value = shift(theta)
        grad = optimize.approx_fprime(theta, shift, 1e-6)
        s_e = (
            math.sqrt(max(float(grad @ cov @ grad), 0.0)) if np.all(np.isfinite(cov)) else math.nan
        )
        out.fitted.append(
            Fitted(
                path,
                value,
                value - Z95 * s_e,
                value + Z95 * s_e,
                s_e,
                source,
                METHOD + "; delta method",
            )
        )
        targets.append(("shift", [start + k], [path]))
    if np.all(np.isfinite(cov)):
        out.draws.append(Draws(theta.copy(), cov, targets))


def _retention(model: ReturnModel, theta: np.ndarray) -> list[dict[str, float]]:
    """By journey number: decisions seen, the share that returned, and the fitted chance."""
    e = model.experience(theta)
    rows = []
    known = model.decision != CENSORED
    baselines = model.baselines(theta)
    mean_logit = np.array([special.logit(m) for m, _ in baselines])[model.journey_segment]
    fitted = special.expit(mean_logit + e)
    for k, idx in enumerate(model.by_position):
        seen = idx[known[idx]]
        if len(seen) == 0:
            continue
        rows.append(
            {
                "journey": k,
                "decisions": len(seen),
                "observed_return": float(model.decision[seen].mean()),
                "fitted_return": float(fitted[seen].mean()),
            }
        )
    return rows
