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
from truthsim.calibration.history import CENSORED, RETURNED, Histories
from truthsim.calibration.identification import flat, hold, outside, unbounded, unbounded_notes
from truthsim.calibration.layout import HALF_LIFE_BOUNDS, MEAN, PLAIN, SBG, Layout, beta_shape
from truthsim.calibration.profile import NON_SMOOTH, profile_intervals, se_from_ends
from truthsim.calibration.return_mle import covariance, fit
from truthsim.calibration.returns import ReturnModel, shift_from_log_odds, shifts_to_estimate
from truthsim.calibration.rhythm import start_values
from truthsim.calibration.rhythm_fit import fit_rhythm
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
    model, theta = _report(model, theta, cov, source, out)
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


def _targets(model: ReturnModel) -> list[tuple[str, int, str]]:
    """Each reported value: (scenario path, slot, scale the slot is fitted on)."""
    layout = model.layout
    out: list[tuple[str, int, str]] = []
    present = set(model.h.segment.tolist())
    parts = {PLAIN: [("", "logit")], MEAN: [(".mean", "logit"), (".polarisation", "logit")]}
    parts[SBG] = [(".churn_alpha", "log"), (".churn_beta", "log")]
    for s, slots in enumerate(layout.baseline_slots()):
        if s not in present or not slots:
            continue
        path = f"segments.{layout.segments[s]}.baseline_return"
        for slot, (part, scale) in zip(slots, parts[layout.spread[s]], strict=True):
            out.append((path + part, slot, scale))
    for s, slots in enumerate(layout.rhythm_slots()):
        form = layout.rhythm_of(s)
        if not slots or form is None:
            continue
        path = f"segments.{layout.segments[s]}.days_between_journeys"
        out += [
            (f"{path}.{field}", k, "log") for field, k in zip(form.fields(), slots, strict=True)
        ]
    start = layout.shift_start()
    for k, (t, o) in enumerate(layout.shifts):
        out.append((f"touchpoints.{model.touchpoints[t]}.shifts.{OUTCOMES[o]}", start + k, "shift"))
    if layout.half_life:
        out.append(("memory.forgetting_half_life_days", model.layout.size() - 1, "log"))
    return out


def _method(path: str) -> str:
    if path == "memory.forgetting_half_life_days":
        return METHOD.replace("return model", "return model and its memory fading")
    return METHOD


def _report(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray, source: str, out: FitResult
) -> tuple[ReturnModel, np.ndarray]:
    """Each value with its interval: Wald on the fitting scale where the likelihood is smooth
    and its curvature usable, the profile likelihood otherwise. Returns the model and its
    maximum (a profile may find a higher one, or hold a shift the data do not bound)."""
    targets = _targets(model)
    smooth = model.scenario.memory.model not in NON_SMOOTH and bool(np.all(np.isfinite(cov)))
    if not smooth:
        return _report_profiles(model, theta, source, out, targets)
    se = np.sqrt(np.diag(cov))
    for path, slot, scale in targets:
        if scale != "shift":
            out.fitted.append(wald(path, theta[slot], se[slot], source, _method(path), scale))
            continue

        def shift(x: np.ndarray, slot: int = slot) -> float:
            return shift_from_log_odds(float(x[slot]), model.reference(x))

        # the interval's ends are the log-odds interval's, mapped (the change in return
        # probability is bounded and bends, so a symmetric interval on its scale would not hold
        # its coverage); the standard error is the delta method's
        grad = optimize.approx_fprime(theta, shift, 1e-6)
        ends = [theta.copy(), theta.copy()]
        ends[0][slot] -= Z95 * se[slot]
        ends[1][slot] += Z95 * se[slot]
        out.fitted.append(
            Fitted(
                path,
                shift(theta),
                shift(ends[0]),
                shift(ends[1]),
                math.sqrt(max(float(grad @ cov @ grad), 0.0)),
                source,
                METHOD + "; interval mapped from the log-odds scale, standard error by the "
                "delta method",
            )
        )
    out.draws.append(
        Draws(theta.copy(), cov, [(scale, [slot], [path]) for path, slot, scale in targets])
    )
    return model, theta


def _report_profiles(
    model: ReturnModel,
    theta: np.ndarray,
    source: str,
    out: FitResult,
    targets: list[tuple[str, int, str]],
) -> tuple[ReturnModel, np.ndarray]:
    """Profile-likelihood intervals. A shift whose profile does not fall far enough before its
    bound is not identified: it is held at the scenario's value and the rest fitted and
    profiled again. Draws: a normal law per value on its fitting scale, with the standard error
    its profile interval implies (the correlations are not known here). The rhythm, whose
    likelihood is smooth, has Wald intervals from its own curvature (and is held while the
    others are profiled)."""
    smooth = {k for slots in model.layout.rhythm_slots() for k in slots}
    rhythm = [t for t in targets if t[1] in smooth]
    targets = [t for t in targets if t[1] not in smooth]
    theta, ends = profile_intervals(model, theta, [slot for _, slot, _ in targets])
    loose = {slot for _, slot, _ in targets if None in (ends[slot][0].value, ends[slot][1].value)}
    layout = model.layout
    start = layout.shift_start()
    loose_shifts = [pair for k, pair in enumerate(layout.shifts) if start + k in loose]
    loose_segments = [
        s
        for s, slots in enumerate(layout.baseline_slots())
        if slots and (loose & set(slots)) and layout.spread[s] != SBG
    ]
    held_slots = {start + k for k, pair in enumerate(layout.shifts) if pair in loose_shifts}
    held_slots |= {k for s in loose_segments for k in layout.baseline_slots()[s]}
    for path, slot, _ in targets:
        if slot not in loose:
            continue
        side = "below" if ends[slot][0].value is None else "above"
        out.unidentified.append(
            Unidentified(
                path,
                f"its profile likelihood stays within the 95% limit all the way {side} the "
                "estimate (to the edge of the search), so the data do not bound it; "
                + (
                    "kept as the scenario has it and the other values fitted with it so"
                    if slot in held_slots
                    else "left as the scenario has it (the other values were fitted with it at "
                    "its most likely value)"
                ),
            )
        )
    if held_slots:
        held, theta = hold(model, theta, loose_segments, loose_shifts)
        theta = fit(held, theta)
        targets = [t for t in _targets(held) if t[0] not in {u.path for u in out.unidentified}]
        return _report_profiles(held, theta, source, out, targets)
    variances = np.zeros(len(theta))
    drawn: list[tuple[str, list[int], list[str]]] = []
    method = (
        "profile likelihood of the engine's return model (scipy.optimize): under "
        f"{model.scenario.memory.model} memory the likelihood jumps where the remembered moment "
        "changes, so its curvature says nothing"
    )
    for path, slot, scale in targets:
        if slot in loose:
            continue
        low, high = ends[slot]
        assert low.value is not None and high.value is not None
        value = _back(model, scale, theta, slot, float(theta[slot]))
        lo = _back(model, scale, low.theta, slot, low.value)
        hi = _back(model, scale, high.theta, slot, high.value)
        lo, hi = min(lo, value), max(hi, value)
        out.fitted.append(Fitted(path, value, lo, hi, se_from_ends(lo, hi), source, method))
        variances[slot] = se_from_ends(low.value, high.value) ** 2
        drawn.append((scale, [slot], [path]))
    if drawn:
        out.draws.append(Draws(theta.copy(), np.diag(variances), drawn))
    if rhythm:
        _rhythm_wald(model, theta, rhythm, source, out)
    return model, theta


def _rhythm_wald(
    model: ReturnModel,
    theta: np.ndarray,
    targets: list[tuple[str, int, str]],
    source: str,
    out: FitResult,
) -> None:
    """Wald intervals of the rhythm from the curvature along its own slots (the rest held)."""
    from statsmodels.tools.numdiff import approx_hess3

    slots = [slot for _, slot, _ in targets]

    def along(x: np.ndarray) -> float:
        point = theta.copy()
        point[slots] = x
        return model.loglike(point)

    try:
        cov = np.linalg.inv(-approx_hess3(theta[slots], along))
    except np.linalg.LinAlgError:
        cov = np.full((len(slots), len(slots)), np.nan)
    se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    for (path, slot, scale), s in zip(targets, se, strict=True):
        out.fitted.append(wald(path, theta[slot], float(s), source, METHOD, scale))
    if np.all(np.isfinite(se)):
        drawn = [(scale, [i], [path]) for i, (path, _, scale) in enumerate(targets)]
        out.draws.append(Draws(theta[slots].copy(), cov, drawn))


def _back(model: ReturnModel, scale: str, at: np.ndarray | None, slot: int, x: float) -> float:
    """A slot's value on the scenario's scale (a shift needs the reference return at ``at``)."""
    if scale == "logit":
        return float(special.expit(x))
    if scale == "log":
        return math.exp(min(x, 709.0))
    point = np.array(at, dtype=float)
    point[slot] = x
    return shift_from_log_odds(x, model.reference(point))


def _retention(model: ReturnModel, theta: np.ndarray) -> list[dict[str, float]]:
    """By journey number: decisions seen, the share that returned, and the fitted chance."""
    e = model.experience(theta) if model.h.with_moments else np.zeros(len(model.h))
    known = model.decision != CENSORED
    baselines = model.baselines(theta)
    mean_logit = np.array([special.logit(m) for m, _ in baselines])[model.journey_segment]
    fitted = special.expit(mean_logit + e)
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
