"""Each value of the return model with its 95% interval: Wald on the fitting scale where the
likelihood is smooth and its curvature usable, the profile likelihood where it jumps (peak-end
and weakest-link memory), the rhythm always from its own curvature; and the sampling
distribution carried into answers (Draws)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from truthsim.calibration.estimates import Z95, Draws, FitResult, Fitted, Unidentified, wald
from truthsim.calibration.identification import hold
from truthsim.calibration.layout import MEAN, PLAIN, SBG
from truthsim.calibration.profile import NON_SMOOTH, profile_intervals, se_from_ends
from truthsim.calibration.return_mle import fit
from truthsim.calibration.returns import ReturnModel, shift_from_log_odds
from truthsim.scenario.touchpoint import OUTCOMES

METHOD = "maximum likelihood of the engine's return model (scipy.optimize; statsmodels Hessian)"


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


def report(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray, source: str, out: FitResult
) -> tuple[ReturnModel, np.ndarray]:
    """Each value with its interval: Wald on the fitting scale where the likelihood is smooth
    and its curvature usable, the profile likelihood otherwise. Returns the model and its
    maximum (a profile may find a higher one, or hold a shift the data do not bound)."""
    targets = _targets(model)
    smooth = model.scenario.memory.model not in NON_SMOOTH and bool(np.all(np.isfinite(cov)))
    if not smooth:
        return report_profiles(model, theta, source, out, targets)
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


def report_profiles(
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
        return report_profiles(held, theta, source, out, targets)
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
