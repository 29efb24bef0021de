"""Which rhythm the data say: the family of the gaps between journeys, their scale, and how much
customers differ in how often they come, fitted jointly with returns.

The gaps and the returns share one likelihood (see :mod:`truthsim.calibration.rhythm`): a
customer who has not come back by the end of the data may have left, or may come later, and
how likely the latter is depends on the rhythm. Each family (exponential and gamma gaps with a
Gamma spread of customers' rates, lognormal gaps with customers alike) is fitted in turn and the
one with the lowest AIC kept (the first in full, the others with the returns held at its
maximum, the chosen one in full again); a spread whose most likely value is 'customers alike'
is dropped, and so is one that a likelihood-ratio test does not find. With moments, the choice
is made on the returns as counts (the moments set aside: they move the returns, the gaps are
the same), and the whole model is then fitted once in the chosen form.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy import stats

from truthsim.calibration.estimates import LEVEL, FitResult, Unidentified
from truthsim.calibration.return_mle import fit_slots
from truthsim.calibration.returns import ReturnModel
from truthsim.calibration.rhythm import (
    EXPONENTIAL,
    FAMILIES,
    GAMMA,
    LOGNORMAL,
    RATE_SHAPE_BOUNDS,
    RhythmForm,
    start_values,
)

#: gaps a segment must show before its rhythm is fitted
MIN_GAPS = 20
CANDIDATES = (RhythmForm(EXPONENTIAL, True), RhythmForm(GAMMA, True), RhythmForm(LOGNORMAL))

Fit = Callable[[ReturnModel, list[np.ndarray]], np.ndarray]
Starts = Callable[[ReturnModel], list[np.ndarray]]


def fit_rhythm(
    model: ReturnModel, rhythm: bool, out: FitResult, fit: Fit, starts: Starts
) -> tuple[ReturnModel, np.ndarray]:
    """The model with each segment's rhythm fitted where its gaps allow, and its maximum."""
    segments = model.layout.segments
    present = [s for s, rows in enumerate(model.by_segment) if len(rows)]
    if not rhythm:
        out.unidentified += [_kept(segments[s], "not fitted (--no-rhythm)") for s in present]
        return model, fit(model, starts(model))
    fitted = []
    for s in present:
        seen = int(model.gaps.x[model.by_segment[s]].sum())
        kind = model.written[s].kind
        if kind not in FAMILIES:
            why = (
                f"written as {kind}, which is not among the families fitted ({', '.join(FAMILIES)})"
            )
            out.unidentified.append(_kept(segments[s], why))
        elif seen >= MIN_GAPS:
            fitted.append(s)
        else:
            why = f"{seen} gaps between journeys seen in segment {segments[s]} (needs {MIN_GAPS})"
            out.unidentified.append(_kept(segments[s], why))
    if not fitted:
        return model, fit(model, starts(model))
    # with moments the rhythm is chosen on the returns without them (counts and gaps, in closed
    # form: the gaps decide the family, and the moments move the returns, not the gaps), then
    # the whole model fitted once in the chosen form
    chooser = _without_moments(model) if model.h.with_moments else model
    chosen_model, theta = _choose(chooser, fitted, out, fit, starts)
    if chooser is not model:
        forms = {s: chosen_model.layout.rhythm_of(s) for s in fitted}
        model = _with_rhythm(model, forms)
        theta = fit(model, starts(model))
    else:
        model = chosen_model
    for s in fitted:
        kind = model.layout.rhythm_of(s).family  # type: ignore[union-attr]
        out.diagnostics[f"segments.{segments[s]}.days_between_journeys.kind"] = kind
    return model, theta


def _without_moments(model: ReturnModel) -> ReturnModel:
    """The same customers' returns and gaps, their moments set aside (no shifts to fit)."""
    histories = replace(model.h, with_moments=False)
    layout = replace(model.layout, shifts=[], half_life=False)
    return ReturnModel(histories, model.scenario, layout, model.half_life)


def _choose(
    model: ReturnModel, fitted: list[int], out: FitResult, fit: Fit, starts: Starts
) -> tuple[ReturnModel, np.ndarray]:
    """The family by AIC and the spread by a likelihood-ratio test, for segments ``fitted``."""
    # the first family fitted in full; the others with the rest held where it left them (the
    # gaps decide between families; the returns hardly move), the chosen one in full after
    tried: list[tuple[float, ReturnModel, np.ndarray]] = []
    for form in CANDIDATES:
        candidate = _with_rhythm(model, {s: form for s in fitted})
        if tried:
            _, first, first_theta = tried[0]
            begin = _carried(first, first_theta, candidate)
            own = [k for s in fitted for k in candidate.layout.rhythm_slots()[s]]
            own += [k for slots in candidate.layout.baseline_slots() for k in slots]
            theta = fit_slots(candidate, begin, own)
        else:
            theta = fit(candidate, starts(candidate))
        aic = 2.0 * len(theta) - 2.0 * candidate.loglike(theta)
        tried.append((aic, candidate, theta))
    out.diagnostics["rhythm_families"] = {
        form.family: {
            "aic": round(aic, 2),
            "loglike": (len(theta) * 2.0 - aic) / 2.0,
            "parameters": len(theta),
        }
        for form, (aic, _, theta) in zip(CANDIDATES, tried, strict=True)
    }
    chosen = min(range(len(tried)), key=lambda k: tried[k][0])
    _, model, theta = tried[chosen]
    if chosen:
        theta = fit(model, [theta])
    return _spread_or_not(model, theta, fitted, out, fit)


def _kept(segment: str, why: str) -> Unidentified:
    return Unidentified(f"segments.{segment}.days_between_journeys", why + "; kept as written")


def _with_rhythm(model: ReturnModel, forms: dict[int, RhythmForm | None]) -> ReturnModel:
    other = copy.copy(model)
    layout = model.layout
    for s, form in forms.items():
        layout = layout.with_rhythm(s, form)
    other.layout = layout
    return other


def _carried(before: ReturnModel, theta: np.ndarray, after: ReturnModel) -> np.ndarray:
    """``theta`` of ``before`` on ``after``'s layout, which differs only in its rhythms: the
    rest carried over, each new rhythm from its gaps."""
    old, new = before.layout, after.layout
    out = np.zeros(new.size())
    for a, b in zip(old.baseline_slots(), new.baseline_slots(), strict=True):
        out[list(b)] = theta[list(a)]
    for s, slots in enumerate(new.rhythm_slots()):
        form = new.rhythm_of(s)
        if slots and form is not None:
            gaps = after.gaps.take(after.by_segment[s])
            out[list(slots)] = start_values(form, gaps, after.written[s])
    out[new.shift_start() :] = theta[old.shift_start() :]
    return out


def _spread_or_not(
    model: ReturnModel, theta: np.ndarray, fitted: list[int], out: FitResult, fit: Fit
) -> tuple[ReturnModel, np.ndarray]:
    """Drop a rate spread that sits at 'customers alike', and test the spread: the likelihood
    ratio of a spread against none (chi-bar-squared, as for baselines)."""
    layout = model.layout
    spread = [s for s in fitted if layout.rhythm_of(s).spread]  # type: ignore[union-attr]
    if not spread:
        return model, theta
    slots = layout.rhythm_slots()
    alike = [s for s in spread if theta[slots[s][-1]] >= RATE_SHAPE_BOUNDS[1] - 0.05]
    plain = _with_rhythm(model, {s: replace(layout.rhythm_of(s), spread=False) for s in spread})  # type: ignore[arg-type]
    plain_theta = fit(plain, [_carried(model, theta, plain)])
    statistic = max(0.0, 2.0 * (model.loglike(theta) - plain.loglike(plain_theta)))
    p_value = 0.5 * float(stats.chi2.sf(statistic, len(spread))) if statistic > 0 else 1.0
    out.diagnostics["rhythm_heterogeneity"] = {
        "statistic": statistic,
        "p_value": p_value,
        "test": "likelihood ratio of a Gamma spread of customers' rates against none, "
        "chi-bar-squared",
    }
    if alike:
        out.notes.append(
            "the likelihood is highest when customers share one rhythm: their rates are fitted "
            "as one"
        )
        return plain, plain_theta
    if p_value >= LEVEL:
        out.notes.append(
            f"the data do not show that customers differ in how often they come "
            f"(likelihood-ratio test of a spread of their rates: p = {p_value:.2g}): they are "
            "fitted with one rate"
        )
        return plain, plain_theta
    return model, theta
