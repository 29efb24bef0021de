"""Fitting the return model: baselines (with their spread where asked), shifts and the
forgetting half-life by maximum likelihood, with intervals, the heterogeneity test per segment
and what the data cannot identify."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import optimize, special

from truthsim.calibration.estimates import (
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
    wald,
)
from truthsim.calibration.history import CENSORED, Histories
from truthsim.calibration.return_mle import covariance, fit
from truthsim.calibration.returns import (
    HALF_LIFE_BOUNDS,
    MEAN,
    PLAIN,
    SBG,
    Layout,
    ReturnModel,
    beta_shape,
    shift_from_log_odds,
    shifts_to_estimate,
)
from truthsim.calibration.spread_fit import (
    START_POLARISATION,
    drop_empty_spreads,
    heterogeneity,
    log_half_life,
    relayout,
)
from truthsim.scenario.model import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "maximum likelihood of the engine's return model (scipy.optimize; statsmodels Hessian)"
#: a half-life whose interval holds all of this range (days) is reported as not identified
WIDE = (30.0, 5 * 365.0)


def fit_returns(
    histories: Histories,
    scenario: Scenario,
    spread: Sequence[str | None],
    profile_half_life: bool = True,
) -> FitResult:
    """Baselines (with their spread where ``spread`` gives a segment's form: MEAN or SBG), shifts
    and the half-life from histories; and per segment a likelihood-ratio test of whether its
    customers differ in baseline return."""
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
    forms = [spread[i] if i in present else PLAIN for i in range(len(segments))]
    fit_half_life = bool(profile_half_life and chosen and int(histories.position.max()) > 0)
    layout = Layout(segments, forms, chosen, half_life=fit_half_life)
    model = ReturnModel(histories, scenario, layout, scenario.memory.forgetting_half_life_days)
    theta = fit(model, _start(model, histories, scenario))
    model, theta = drop_empty_spreads(model, theta, out)
    source = f"{histories.customers:,} customers' {len(histories):,} journeys in journeys.csv" + (
        " with their moments" if histories.with_moments else ""
    )
    if histories.left_out:
        out.notes.append(
            f"{histories.left_out:,} customers gave no outcome for some moments: their histories "
            "are used up to the first such journey (after it their memory is not known)"
        )
    path = "memory.forgetting_half_life_days"
    cov = covariance(model, theta)
    if fit_half_life:
        why = _half_life_unidentified(theta, cov)
        if why is not None:
            out.unidentified.append(Unidentified(path, why + "; kept as the scenario has it"))
            model, theta = relayout(model, theta, replace(model.layout, half_life=False))
            model.set_half_life(scenario.memory.forgetting_half_life_days)
            theta = fit(model, theta)
            model, theta = drop_empty_spreads(model, theta, out)
            cov = covariance(model, theta)
    else:
        out.unidentified.append(
            Unidentified(
                path,
                "not fitted (--no-half-life)"
                if not profile_half_life
                else "needs customers with several journeys and moments that matter",
            )
        )
    out.diagnostics["heterogeneity"] = heterogeneity(model, theta, sorted(present), out)
    _report(model, theta, cov, source, out)
    out.diagnostics["retention"] = _retention(model, theta)
    return out


def _half_life_unidentified(theta: np.ndarray, cov: np.ndarray) -> str | None:
    """Why the fitted half-life says nothing (None when it does)."""
    if theta[-1] >= HALF_LIFE_BOUNDS[1] - 0.05:
        return "the likelihood is highest when memory never fades"
    se = math.sqrt(cov[-1, -1]) if np.all(np.isfinite(cov)) else math.inf
    low, high = math.exp(theta[-1] - Z95 * se), math.exp(min(theta[-1] + Z95 * se, 700.0))
    if low <= WIDE[0] and high >= WIDE[1]:
        return (
            f"its 95% interval ({low:.3g} to {high:.3g} days) holds every half-life from "
            f"{WIDE[0]:g} days to {WIDE[1] / 365:g} years"
        )
    return None


def _start(model: ReturnModel, h: Histories, scenario: Scenario) -> np.ndarray:
    """The scenario's own values as the starting point: a valid scenario, so its reference
    return lies below the memory ceiling and its fixed shifts stay probabilities (a start from
    the observed return rate can leave that region when most returns are censored)."""
    theta = np.zeros(model.layout.size())
    for s, slots in enumerate(model.layout.baseline_slots()):
        segment = scenario.segments[model.layout.segments[s]]
        mean = min(max(segment.mean_return, 0.02), 0.98)
        theta[slots[0]] = special.logit(mean)
        form = model.layout.spread[s]
        if form is None:
            continue
        written = segment.baseline_return
        a, b = (
            written.beta_parameters()
            if not isinstance(written, float | int)
            else beta_shape(mean, START_POLARISATION)
        )
        if form == MEAN:
            theta[slots[1]] = special.logit(min(max(1.0 / (a + b + 1.0), 1e-3), 0.9))
        else:
            theta[slots[0]], theta[slots[1]] = math.log(b), math.log(a)
    ref = scenario.reference_return
    start = sum(2 if s else 1 for s in model.layout.spread)
    for k, (t, o) in enumerate(model.layout.shifts):
        shift = getattr(scenario.touchpoints[model.touchpoints[t]].shifts, OUTCOMES[o])
        theta[start + k] = special.logit(ref + shift) - special.logit(ref)
    if model.layout.half_life:
        theta[-1] = log_half_life(scenario.memory.forgetting_half_life_days)
    bounds = model.layout.bounds()
    return np.clip(theta, [lo for lo, _ in bounds], [hi for _, hi in bounds])


def _report(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray, source: str, out: FitResult
) -> None:
    layout = model.layout
    se = np.sqrt(np.diag(cov))
    targets: list[tuple[str, list[int], list[str]]] = []
    present = set(model.h.segment.tolist())
    for s, slots in enumerate(layout.baseline_slots()):
        name = layout.segments[s]
        if s not in present:
            continue
        form = layout.spread[s]
        path = f"segments.{name}.baseline_return"
        parts = {PLAIN: [("", "logit")], MEAN: [(".mean", "logit"), (".polarisation", "logit")]}
        parts[SBG] = [(".churn_alpha", "log"), (".churn_beta", "log")]
        for slot, (part, scale) in zip(slots, parts[form], strict=True):
            out.fitted.append(wald(path + part, theta[slot], se[slot], source, METHOD, scale))
            targets.append((scale, [slot], [path + part]))
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
    if layout.half_life:
        path = "memory.forgetting_half_life_days"
        method = METHOD.replace("return model", "return model and its memory fading")
        out.fitted.append(wald(path, theta[-1], se[-1], source, method, "log"))
        targets.append(("log", [len(theta) - 1], [path]))
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
