"""Fitting the return model: baselines (with their spread where asked), shifts and the
forgetting half-life by maximum likelihood, with intervals, the heterogeneity test per segment
and what the data cannot identify."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import special

from truthsim.behaviour.returns import return_probabilities
from truthsim.calibration.estimates import (
    Z95,
    FitResult,
    Unidentified,
)
from truthsim.calibration.history import CENSORED, RETURNED, Histories
from truthsim.calibration.identification import flat, hold, outside, unbounded, unbounded_notes
from truthsim.calibration.layout import HALF_LIFE_BOUNDS, MEAN, PLAIN, SBG, Layout, beta_shape
from truthsim.calibration.profile import NON_SMOOTH, profile_intervals
from truthsim.calibration.return_mle import covariance, fit
from truthsim.calibration.return_report import report
from truthsim.calibration.returns import ReturnModel, shifts_to_estimate
from truthsim.calibration.rhythm import start_values
from truthsim.calibration.rhythm_fit import fit_rhythm
from truthsim.calibration.spread_fit import (
    START_POLARISATION,
    drop_empty_spreads,
    heterogeneity,
    log_half_life,
    relayout,
)
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

#: a half-life whose interval holds all of this range (days) is reported as not identified
WIDE = (30.0, 5 * 365.0)


def fit_returns(
    histories: Histories,
    scenario: Scenario,
    spread: Sequence[str | None],
    profile_half_life: bool = True,
    rhythm: bool = True,
    file: str = "journeys.csv",
) -> FitResult:
    """Baselines (with their spread where ``spread`` gives a segment's form: MEAN or SBG), the
    rhythm of coming back (with ``rhythm``: see rhythm_fit), shifts and the half-life from
    histories; and per segment a likelihood-ratio test of whether its customers differ in
    baseline return."""
    out = FitResult()
    segments = list(scenario.segments)
    touchpoints = scenario.touchpoint_order()
    present = set(histories.segment.tolist())
    for i, name in enumerate(segments):
        if i not in present:
            out.unidentified.append(
                Unidentified(
                    f"segments.{name}.baseline_return",
                    f"no journeys of segment {name} in {file}",
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
    # a segment without journeys would only move the reference return: held as written
    model, _ = hold(
        model, np.zeros(layout.size()), [i for i in range(len(segments)) if i not in present]
    )
    model, theta = fit_rhythm(model, rhythm, out, _best_fit, _starts)
    model, theta = drop_empty_spreads(model, theta, out)
    source = f"{histories.customers:,} customers' {len(histories):,} journeys in {file}" + (
        " with their moments" if histories.with_moments else ""
    )
    if histories.left_out:
        out.notes.append(
            f"{histories.left_out:,} customers gave no outcome for some moments: their histories "
            "are used up to the first such journey (after it their memory is not known)"
        )
    path = "memory.forgetting_half_life_days"
    cov = _curvature(model, theta)
    if fit_half_life:
        why = _half_life_unidentified(model, theta, cov)
        if why is not None:
            out.unidentified.append(Unidentified(path, why + "; kept as the scenario has it"))
            model, theta = relayout(model, theta, replace(model.layout, half_life=False))
            model.set_half_life(scenario.memory.forgetting_half_life_days)
            theta = fit(model, theta)
            model, theta = drop_empty_spreads(model, theta, out)
            cov = _curvature(model, theta)
    else:
        out.unidentified.append(
            Unidentified(
                path,
                "not fitted (--no-half-life)"
                if not profile_half_life
                else "needs customers with several journeys and moments that matter",
            )
        )
    model, theta, cov = _bounded(model, theta, cov, out)
    free = [s for s in sorted(present) if not model.layout.is_held(s)]
    out.diagnostics["heterogeneity"] = heterogeneity(model, theta, free, out)
    model, theta = report(model, theta, cov, source, out)
    out.diagnostics["retention"] = _retention(model, theta)
    return out


def _bounded(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray, out: FitResult
) -> tuple[ReturnModel, np.ndarray, np.ndarray]:
    """The fit with what the data do not bound held as the scenario has it (see
    identification), and with the baselines held where the maximum leaves the region the
    scenario allows; each hold is reported."""
    smooth = model.scenario.memory.model not in NON_SMOOTH
    while smooth and len(theta):
        usable = bool(np.all(np.isfinite(cov)))
        segments, shifts = unbounded(model, theta, cov) if usable else flat(model, theta)
        if not segments and not shifts:
            break
        if segments:  # free baselines leave every shift free: hold them first, then look again
            shifts = {}
        out.unidentified += unbounded_notes(model, segments, shifts)
        model, theta = hold(model, theta, list(segments), list(shifts))
        theta = _best_fit(model, [theta, *_starts(model)])
        cov = _curvature(model, theta)
    why = outside(model, theta)
    if why is not None:
        free = [s for s in range(len(model.layout.segments)) if not model.layout.is_held(s)]
        out.unidentified += [
            Unidentified(
                f"segments.{model.layout.segments[s]}.baseline_return",
                f"{why}; kept as the scenario has it and the rest fitted with it so",
            )
            for s in free
        ]
        out.diagnostics["outside_region"] = why
        model, theta = hold(model, theta, free)
        theta = _best_fit(model, [theta, *_starts(model)])
        cov = _curvature(model, theta)
    return model, theta, cov


def _best_fit(model: ReturnModel, starts: list[np.ndarray]) -> np.ndarray:
    """The most likely of the fits from each start (the maximum must not depend on where the
    search began: the scenario's values are only one guess)."""
    fits = [fit(model, start) for start in starts]
    return max(fits, key=model.loglike)


def _curvature(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    """The covariance from the Hessian; not computed (NaN) where the likelihood jumps."""
    if model.scenario.memory.model in NON_SMOOTH:
        return np.full((len(theta), len(theta)), np.nan)
    return covariance(model, theta)


def _half_life_unidentified(model: ReturnModel, theta: np.ndarray, cov: np.ndarray) -> str | None:
    """Why the fitted half-life says nothing (None when it does): from its Wald interval, or
    its profile likelihood under a memory model whose likelihood jumps."""
    if theta[-1] >= HALF_LIFE_BOUNDS[1] - 0.05:
        return "the likelihood is highest when memory never fades"
    if model.scenario.memory.model in NON_SMOOTH:
        _, ends = profile_intervals(model, theta, [len(theta) - 1])
        low_end, high_end = ends[len(theta) - 1]
        low = math.exp(low_end.value) if low_end.value is not None else 0.0
        high = math.exp(min(high_end.value, 700.0)) if high_end.value is not None else math.inf
    else:
        se = math.sqrt(cov[-1, -1]) if np.all(np.isfinite(cov)) else math.inf
        low, high = math.exp(theta[-1] - Z95 * se), math.exp(min(theta[-1] + Z95 * se, 700.0))
    if low <= WIDE[0] and high >= WIDE[1]:
        return (
            f"its 95% interval ({low:.3g} to {high:.3g} days) holds every half-life from "
            f"{WIDE[0]:g} days to {WIDE[1] / 365:g} years"
        )
    return None


def _starts(model: ReturnModel) -> list[np.ndarray]:
    """Where the search begins: the scenario's own values; the same with each baseline at the
    share of its segment's known decisions that were returns; and that with no moment moving
    anyone. Small samples leave several local maxima, and a search from one guess would
    report whichever lay nearest it."""
    h = model.h
    first = _start(model, h, model.scenario)
    second = first.copy()
    known = h.decision != CENSORED
    for s, slots in enumerate(model.layout.baseline_slots()):
        here = known & (model.journey_segment == s)
        if not slots or model.layout.spread[s] == SBG or not here.any():
            continue
        share = float(np.mean(h.decision[here] == RETURNED))
        second[slots[0]] = special.logit(min(max(share, 0.02), 0.98))
    bounds = model.layout.bounds()
    second = np.clip(second, [lo for lo, _ in bounds], [hi for _, hi in bounds])
    third = second.copy()
    start = model.layout.shift_start()
    third[start : start + len(model.layout.shifts)] = 0.0
    out: list[np.ndarray] = []
    for theta in (first, second, third):
        if not any(np.allclose(theta, seen, atol=0.1) for seen in out):
            out.append(theta)
    return out


def _start(model: ReturnModel, h: Histories, scenario: Scenario) -> np.ndarray:
    """The scenario's own values as the starting point: a valid scenario, so its reference
    return lies below the memory ceiling and its fixed shifts stay probabilities."""
    theta = np.zeros(model.layout.size())
    for s, slots in enumerate(model.layout.baseline_slots()):
        if not slots:
            continue
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
    for s, slots in enumerate(model.layout.rhythm_slots()):
        if slots:  # the rhythm from the gaps themselves
            form = model.layout.rhythm_of(s)
            gaps = model.gaps.take(model.by_segment[s])
            theta[list(slots)] = start_values(form, gaps, model.written[s])  # type: ignore[arg-type]
    ref = scenario.reference_return
    start = model.layout.shift_start()
    for k, (t, o) in enumerate(model.layout.shifts):
        shift = getattr(scenario.touchpoints[model.touchpoints[t]].shifts, OUTCOMES[o])
        theta[start + k] = special.logit(ref + shift) - special.logit(ref)
    if model.layout.half_life:
        theta[-1] = log_half_life(scenario.memory.forgetting_half_life_days)
    bounds = model.layout.bounds()
    return np.clip(theta, [lo for lo, _ in bounds], [hi for _, hi in bounds])


def _retention(model: ReturnModel, theta: np.ndarray) -> list[dict[str, float]]:
    """By journey number: decisions seen, the share that returned, and the fitted chance."""
    e = model.experience(theta) if model.h.with_moments else np.zeros(len(model.h))
    known = model.decision != CENSORED
    baselines = model.baselines(theta)
    mean_logit = np.array([special.logit(m) for m, _ in baselines])[model.journey_segment]
    fitted = return_probabilities(mean_logit + e)
    position = model.h.position[known]
    decisions = np.bincount(position)
    returned = np.bincount(position, weights=model.decision[known] == RETURNED)
    chance = np.bincount(position, weights=fitted[known])
    return [
        {
            "journey": k,
            "decisions": int(n),
            "observed_return": float(returned[k] / n),
            "fitted_return": float(chance[k] / n),
        }
        for k, n in enumerate(decisions.tolist())
        if n
    ]
