"""Baseline return that varies within a segment: moving parameters between layouts (with or
without a spread), refitting a spread that sits at zero as one number, and the per-segment
likelihood-ratio test of customers alike against a Beta spread."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np
from scipy import special, stats

from truthsim.calibration.estimates import LEVEL, FitResult
from truthsim.calibration.layout import MEAN, PLAIN, Layout, at_no_spread, beta_shape
from truthsim.calibration.return_mle import fit, fit_slots
from truthsim.calibration.returns import ReturnModel

#: polarisation a spread is started from
START_POLARISATION = 0.05
#: a spread small enough that the likelihood moves with it at its first-order rate
SLIGHT_POLARISATION = 1e-3


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
    for before, after in zip(model.layout.rhythm_slots(), layout.rhythm_slots(), strict=True):
        if before and len(before) == len(after):
            new[list(after)] = theta[list(before)]
    k0, k1 = model.layout.shift_start(), layout.shift_start()
    n = len(layout.shifts)
    new[k1 : k1 + n] = theta[k0 : k0 + n]
    if layout.half_life:
        new[-1] = theta[-1] if model.layout.half_life else log_half_life(model.half_life)
    return other, new


def log_half_life(days: float | None) -> float:
    """A half-life on the fitting scale (never fading: a decade, to start from)."""
    return math.log(days if days is not None else 3650.0)


def drop_empty_spreads(
    model: ReturnModel, theta: np.ndarray, out: FitResult
) -> tuple[ReturnModel, np.ndarray]:
    """A spread whose likelihood is highest at 'customers alike' is no spread: refit those
    segments with one baseline each (a polarisation of 0 cannot be written, nor its interval
    found from the curvature at the boundary)."""
    layout = model.layout
    empty = [
        s
        for s, (form, slots) in enumerate(zip(layout.spread, layout.baseline_slots(), strict=True))
        if slots and at_no_spread(form, [float(theta[k]) for k in slots])
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
    return model, fit(model, theta)


def heterogeneity(
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
                start = fit_slots(other, start, slots)
                empty = at_no_spread(MEAN, [float(start[k]) for k in slots])
            other_loglike = loglike if empty else other.loglike(fit(other, start))
        else:
            other_loglike = other.loglike(fit(other, start))
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
