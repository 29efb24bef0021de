"""Profile-likelihood intervals for the return model where its curvature says nothing.

Under peak-end and weakest-link memory a journey is remembered by one of its moments, and which
one changes as the shifts move: the likelihood jumps there, so a numerical Hessian at the
maximum reports a curvature that is not there (or none at all). A profile interval needs no
curvature: each end is where the log-likelihood, maximised over all the other parameters, has
fallen by half the 95% chi-square(1) quantile from its maximum. Walking out from the maximum,
the first such point on each side bounds the interval (the set of values the data do not
reject may have gaps further out; the interval is the stretch that holds the maximum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from truthsim.calibration.estimates import PROFILE_DROP, Z95
from truthsim.calibration.return_mle import fit, fit_slots
from truthsim.calibration.returns import ReturnModel

#: the non-smooth memory models, whose intervals come from the profile likelihood
NON_SMOOTH = ("peak_end", "weakest_link")
#: steps outward from the maximum on each side before giving up on an end
MAX_STEPS = 10
#: refinements of an end once it is bracketed (each one or two fits of the other parameters)
REFINE = 2
#: a point whose log-likelihood beats the maximum by more than this moves the maximum
BETTER = 1e-3
#: at most this many times a better maximum restarts the profiles
RESTARTS = 3


@dataclass
class End:
    """One end of a profile interval: the value on the fitting scale and the parameters there
    (None where the likelihood stays within reach of its maximum up to the bound)."""

    value: float | None
    theta: np.ndarray | None


class BetterMaximum(Exception):
    """The profile found parameters more likely than the maximum the fit returned."""

    def __init__(self, theta: np.ndarray) -> None:
        super().__init__("a better maximum")
        self.theta = theta


def curvature_step(model: ReturnModel, theta: np.ndarray, slot: int, top: float) -> float:
    """A first step out from the maximum: a 95% half-width from the likelihood's fall over a
    wide step along the axis (wide enough to average out jumps), within 0.02..2."""
    h = 0.1
    up, down = theta.copy(), theta.copy()
    up[slot] += h
    down[slot] -= h
    fall = top - (model.loglike(up) + model.loglike(down)) / 2.0
    if not fall > 0.0:
        return 0.5
    return float(min(max(h * math.sqrt(PROFILE_DROP / fall), 0.02), 2.0))


def profile_end(
    model: ReturnModel,
    theta: np.ndarray,
    slot: int,
    top: float,
    direction: int,
    step: float,
    move: bool = True,
) -> End:
    """Walk from the maximum ``theta`` in ``direction`` until the profile log-likelihood has
    fallen by PROFILE_DROP; raises BetterMaximum on finding a point above ``top`` (when
    ``move``; otherwise such a point counts as inside the interval)."""
    low, high = model.layout.bounds()[slot]
    bound = high if direction > 0 else low
    # the rhythm is smooth, and held at its maximum while the others are profiled
    smooth = {k for slots in model.layout.rhythm_slots() for k in slots}
    others = [k for k in range(len(theta)) if k != slot and k not in smooth]
    x0 = float(theta[slot])

    def fitted_at(x: float, origin: np.ndarray) -> tuple[float, np.ndarray]:
        point = origin.copy()
        point[slot] = x
        point = fit_slots(model, point, others)
        ll = model.loglike(point)
        if move and ll > top + BETTER:
            raise BetterMaximum(point)
        return top - ll, point

    def drop_at(x: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        # the jumps leave local maxima: the others are fitted from the last point inside; a
        # point that seems outside is fitted again from the maximum, and the better fit kept
        drop, point = fitted_at(x, start)
        if drop >= PROFILE_DROP and start is not theta:
            again, there = fitted_at(x, theta)
            if again < drop:
                drop, point = again, there
        return drop, point

    inside_x, inside_drop, inside_theta = x0, 0.0, theta
    distance = step
    for _ in range(MAX_STEPS):
        x = x0 + direction * distance
        x = min(x, bound) if direction > 0 else max(x, bound)
        drop, point = drop_at(x, inside_theta)
        if drop >= PROFILE_DROP:
            return _refine(drop_at, (inside_x, inside_drop, inside_theta), (x, drop, point))
        if x == bound:
            return End(None, None)
        inside_x, inside_drop, inside_theta = x, drop, point
        # a quadratic profile falls with the square of the distance: aim at the drop, at most
        # doubling the distance
        grow = math.sqrt(PROFILE_DROP / drop) if drop > 0.0 else 2.0
        distance = abs(x - x0) * min(max(grow * 1.05, 1.2), 2.0)
    return End(None, None)


def _refine(drop_at, inside: tuple, outside: tuple) -> End:  # type: ignore[no-untyped-def]
    """The end between a point inside the interval and one outside it, narrowed by REFINE
    steps (aimed by linear interpolation of the fall, kept off the bracket's edges). The
    outside point is returned: where the likelihood jumps, the fall just inside the end can be
    small, and an end taken inside would leave the interval too narrow."""
    for _ in range(REFINE):
        (xi, di, _ti), (xo, do, _to) = inside, outside
        x = xi + (xo - xi) * (PROFILE_DROP - di) / (do - di)
        width = abs(xo - xi)
        x = min(max(x, min(xi, xo) + 0.2 * width), max(xi, xo) - 0.2 * width)
        drop, point = drop_at(x, inside[2])
        if drop >= PROFILE_DROP:
            outside = (x, drop, point)
        else:
            inside = (x, drop, point)
    return End(float(outside[0]), outside[2])


def profile_intervals(
    model: ReturnModel, theta: np.ndarray, slots: list[int]
) -> tuple[np.ndarray, dict[int, tuple[End, End]]]:
    """The maximum (moved where a profile finds a better one) and each slot's two ends."""
    for attempt in range(RESTARTS + 1):
        top = model.loglike(theta)
        move = attempt < RESTARTS
        try:
            ends: dict[int, tuple[End, End]] = {}
            for slot in slots:
                step = curvature_step(model, theta, slot, top)
                ends[slot] = (
                    profile_end(model, theta, slot, top, -1, step, move),
                    profile_end(model, theta, slot, top, +1, step, move),
                )
            return theta, ends
        except BetterMaximum as better:
            theta = fit(model, better.theta)
    raise AssertionError("unreachable: the last attempt never moves the maximum")


def se_from_ends(low: float, high: float) -> float:
    """The standard error a normal law with this 95% interval would have."""
    return (high - low) / (2.0 * Z95)
