"""Fitting the return model: maximum likelihood (scipy.optimize), standard errors from the
observed information (statsmodels' numerical Hessian), the forgetting half-life by profile
likelihood over a grid."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import optimize, special, stats

from truthsim.calibration.estimates import (
    LEVEL,
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
    wald,
)
from truthsim.calibration.history import CENSORED, Histories
from truthsim.calibration.returns import (
    HALF_LIFE_BOUNDS,
    MEAN,
    PLAIN,
    SBG,
    Layout,
    ReturnModel,
    at_no_spread,
    beta_shape,
    shift_from_log_odds,
    shifts_to_estimate,
)
from truthsim.scenario.model import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "maximum likelihood of the engine's return model (scipy.optimize; statsmodels Hessian)"
#: a half-life whose interval holds all of this range (days) is reported as not identified
WIDE = (30.0, 5 * 365.0)
#: step of the first pass along each axis, and the range of the Hessian's steps (fitting scale)
FIRST_STEP = 0.03
STEP_RANGE = (2e-3, 0.25)
#: polarisation a spread is started from
START_POLARISATION = 0.05
#: a spread small enough that the likelihood moves with it at its first-order rate
SLIGHT_POLARISATION = 1e-3


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
    theta = _fit(model, _start(model, histories, scenario))
    model, theta = _drop_empty_spreads(model, theta, out)
    source = f"{histories.customers:,} customers' {len(histories):,} journeys in journeys.csv" + (
        " with their moments" if histories.with_moments else ""
    )
    if histories.left_out:
        out.notes.append(
            f"{histories.left_out:,} customers gave no outcome for some moments: their histories "
            "are used up to the first such journey (after it their memory is not known)"
        )
    path = "memory.forgetting_half_life_days"
    cov = _covariance(model, theta)
    if fit_half_life:
        why = _half_life_unidentified(theta, cov)
        if why is not None:
            out.unidentified.append(Unidentified(path, why + "; kept as the scenario has it"))
            model, theta = relayout(model, theta, replace(model.layout, half_life=False))
            model.set_half_life(scenario.memory.forgetting_half_life_days)
            theta = _fit(model, theta)
            model, theta = _drop_empty_spreads(model, theta, out)
            cov = _covariance(model, theta)
    else:
        out.unidentified.append(
            Unidentified(
                path,
                "not fitted (--no-half-life)"
                if not profile_half_life
                else "needs customers with several journeys and moments that matter",
            )
        )
    out.diagnostics["heterogeneity"] = _heterogeneity(model, theta, sorted(present), out)
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


def relayout(
    model: ReturnModel, theta: np.ndarray, layout: Layout
) -> tuple[ReturnModel, np.ndarray]:
    """The model on another layout, and ``theta`` carried over to it: baselines keep their mean
    (a spread newly added starts at a small polarisation), shifts are kept."""
    other = copy.copy(model)
    other.layout = layout
    new = np.zeros(layout.size())
    old_slots, new_slots = model.layout.baseline_slots(), layout.baseline_slots()
    for s, (mean, beta) in enumerate(model.baselines(theta)):
        before, after = model.layout.spread[s], layout.spread[s]
        if before == after:
            new[list(new_slots[s])] = theta[list(old_slots[s])]
            continue
        new[new_slots[s][0]] = special.logit(mean)
        if after is PLAIN:
            continue
        polarisation = START_POLARISATION if beta is None else 1.0 / (sum(beta) + 1.0)
        if after == MEAN:
            new[new_slots[s][1]] = special.logit(polarisation)
        else:
            a, b = beta_shape(mean, polarisation) if beta is None else beta
            new[list(new_slots[s])] = [math.log(b), math.log(a)]  # churn alpha, churn beta
    k0, k1 = sum(len(x) for x in old_slots), sum(len(x) for x in new_slots)
    n = len(layout.shifts)
    new[k1 : k1 + n] = theta[k0 : k0 + n]
    if layout.half_life:
        new[-1] = theta[-1] if model.layout.half_life else _log_half_life(model.half_life)
    return other, new


def _log_half_life(days: float | None) -> float:
    """A half-life on the fitting scale (never fading: a decade, to start from)."""
    return math.log(days if days is not None else 3650.0)


def _drop_empty_spreads(
    model: ReturnModel, theta: np.ndarray, out: FitResult
) -> tuple[ReturnModel, np.ndarray]:
    """A spread whose likelihood is highest at 'customers alike' is no spread: refit those
    segments with one baseline each (a polarisation of 0 cannot be written, nor its interval
    found from the curvature at the boundary)."""
    layout = model.layout
    empty = [
        s
        for s, (form, slots) in enumerate(zip(layout.spread, layout.baseline_slots(), strict=True))
        if at_no_spread(form, [float(theta[k]) for k in slots])
    ]
    if not empty:
        return model, theta
    spread = [PLAIN if s in empty else f for s, f in enumerate(layout.spread)]
    model, theta = relayout(model, theta, replace(layout, spread=spread))
    for s in empty:
        out.notes.append(
            f"segment {layout.segments[s]}: the likelihood is highest when its customers share "
            "one baseline return (no spread), so its baseline is fitted as one number"
        )
    return model, _fit(model, theta)


def _heterogeneity(
    model: ReturnModel, theta: np.ndarray, present: list[int], out: FitResult
) -> list[dict[str, object]]:
    """Per segment, the likelihood-ratio test of one baseline for all its customers against a
    Beta spread. Polarisation 0 lies on the boundary of the parameter space, so the statistic's
    null distribution is the 50:50 mixture of chi-square(0) and chi-square(1) (chi-bar-squared,
    Self & Liang 1987)."""
    rows: list[dict[str, object]] = []
    loglike = model.loglike(theta)
    for s in present:
        form = model.layout.spread[s]
        name = model.layout.segments[s]
        other, start = relayout(model, theta, model.layout.with_spread(s, PLAIN if form else MEAN))
        if form is None:
            # at the one-baseline maximum every other score is zero, so the efficient score for
            # the polarisation is its own: where a slight spread lowers the likelihood, the
            # statistic is 0 with no fit; otherwise the spread's slots first, then all
            slots = list(other.layout.baseline_slots()[s])
            start[slots[1]] = special.logit(SLIGHT_POLARISATION)
            empty = other.loglike(start) <= loglike
            if not empty:
                start = _fit_slots(other, start, slots)
                empty = at_no_spread(MEAN, [float(start[k]) for k in slots])
            other_loglike = loglike if empty else other.loglike(_fit(other, start))
        else:
            other_loglike = other.loglike(_fit(other, start))
        spread_ll, plain_ll = (loglike, other_loglike) if form else (other_loglike, loglike)
        statistic = max(0.0, 2.0 * (spread_ll - plain_ll))
        p_value = 0.5 * float(stats.chi2.sf(statistic, 1)) if statistic > 0 else 1.0
        rows.append(
            {
                "segment": name,
                "spread_fitted": form is not None,
                "statistic": statistic,
                "p_value": p_value,
                "test": "likelihood ratio, chi-bar-squared 50:50 mixture of chi2(0) and chi2(1)",
            }
        )
        if form is None and p_value < LEVEL:
            out.notes.append(
                f"segment {name}: the data say its customers differ in how likely they are to "
                f"come back (likelihood-ratio test of one baseline return for all against a "
                f"Beta spread: p = {p_value:.2g}, below {LEVEL:g}); the scenario gives one "
                "number, so calibrate with --spread to fit the spread"
            )
        elif form is not None and p_value >= LEVEL:
            out.notes.append(
                f"segment {name}: the data do not show that its customers differ in baseline "
                f"return (likelihood-ratio test: p = {p_value:.2g}); its spread is fitted as the "
                "scenario asks, but one number would fit as well"
            )
    return rows


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
        theta[-1] = _log_half_life(scenario.memory.forgetting_half_life_days)
    bounds = model.layout.bounds()
    return np.clip(theta, [lo for lo, _ in bounds], [hi for _, hi in bounds])


def _fit(model: ReturnModel, start: np.ndarray) -> np.ndarray:
    """The maximum likelihood; with a spread, the baselines are first fitted alone (a few cheap
    steps that bring the costly full fit close to its maximum)."""
    if any(model.layout.spread):
        slots = [k for group in model.layout.baseline_slots() for k in group]
        start = _fit_slots(model, start, slots)
    result = optimize.minimize(
        lambda x: -model.loglike(x),
        start,
        method="L-BFGS-B",
        bounds=model.layout.bounds(),
        options={"maxiter": 500},
    )
    return np.asarray(result.x)


def _fit_slots(model: ReturnModel, start: np.ndarray, slots: list[int]) -> np.ndarray:
    """``start`` with only ``slots`` fitted, the rest held."""
    theta = start.copy()
    bounds = model.layout.bounds()

    def partial(x: np.ndarray) -> float:
        theta[slots] = x
        return -model.loglike(theta)

    first = optimize.minimize(
        partial,
        start[slots],
        method="L-BFGS-B",
        bounds=[bounds[k] for k in slots],
        options={"maxiter": 200},
    )
    out = start.copy()
    out[slots] = first.x
    return out


def _covariance(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    from statsmodels.tools.numdiff import approx_hess3

    # The likelihood has a kink for each customer whose experience reaches the memory ceiling,
    # and the maximum tends to sit on a cluster of them: a small step there reports a curvature
    # that is not there (twice the true one for the airline's most frequent magic). So the
    # Hessian is taken over steps of about half a standard error of each parameter, where the
    # log-likelihood is quadratic and the kinks average out; the standard errors that size the
    # steps come from a first pass along each axis.
    steps = _steps(model, theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hessian = approx_hess3(theta, model.loglike, epsilon=steps)
    try:
        cov = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full_like(hessian, np.nan)
    if np.any(np.diag(cov) <= 0):
        return np.full_like(hessian, np.nan)
    return cov


def _steps(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    """Per parameter, a quarter of its standard error along its own axis (approx_hess3 steps
    twice this on the diagonal), within STEP_RANGE."""
    base = model.loglike(theta)
    out = np.empty(len(theta))
    for k in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[k] += FIRST_STEP
        down[k] -= FIRST_STEP
        curvature = -(model.loglike(up) + model.loglike(down) - 2 * base) / FIRST_STEP**2
        se = 1.0 / math.sqrt(curvature) if curvature > 0 else STEP_RANGE[1]
        out[k] = min(max(se / 4, STEP_RANGE[0]), STEP_RANGE[1])
    return out


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
