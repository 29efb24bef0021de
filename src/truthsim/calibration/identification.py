"""What the return data cannot pin down, and maxima that the scenario cannot hold.

A small or heavily censored sample can leave a value free: its 95% interval runs to an average
customer's return probability of 0.001 or 0.999 (beyond :data:`EDGE` on the log-odds scale),
and the maximum wanders with it (a baseline at 1 with every shift at its floor fits such data
about as well as the truth). Such a value is held as the scenario has it, with the reason, and
the rest is fitted again, until everything left is bounded by the data.

A maximum can also lie where the scenario cannot go: the average customer's return probability
at or above the memory ceiling, or where a shift kept from the scenario would no longer be a
probability. The baselines are then held as the scenario has them, and the note says which limit
the data pushed against and what to change to fit them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import special

from truthsim.calibration.estimates import Z95, Unidentified
from truthsim.calibration.history import CENSORED, LEFT, RETURNED
from truthsim.calibration.layout import SBG, Held
from truthsim.calibration.return_mle import axis_curvature
from truthsim.calibration.returns import ReturnModel
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.touchpoint import OUTCOMES

#: log-odds of an average customer's return probability of 0.999: an interval reaching past it
#: (or past -EDGE, 0.001) is not bounded by the data
EDGE = math.log(999.0)


def scenario_baseline(model: ReturnModel, segment: int) -> Held:
    """A segment's baseline as the scenario writes it: (mean, Beta (a, b) or None)."""
    written = model.scenario.segments[model.layout.segments[segment]]
    spread = written.baseline_return
    beta = spread.beta_parameters() if isinstance(spread, ReturnSpread) else None
    return written.mean_return, beta


def hold(
    model: ReturnModel,
    theta: np.ndarray,
    segments: Sequence[int] = (),
    shifts: Sequence[tuple[int, int]] = (),
) -> tuple[ReturnModel, np.ndarray]:
    """The model with these segments' baselines and these shifts held as the scenario has them,
    and ``theta`` carried over to the values still fitted."""
    layout = model.layout
    held = layout
    for s in segments:
        held = held.holding(s, scenario_baseline(model, s))
    kept = [k for k, pair in enumerate(layout.shifts) if pair not in shifts]
    held = replace(held, shifts=[layout.shifts[k] for k in kept])
    new = np.zeros(held.size())
    for before, after in zip(layout.baseline_slots(), held.baseline_slots(), strict=True):
        if after:
            new[list(after)] = theta[list(before)]
    for before, after in zip(layout.rhythm_slots(), held.rhythm_slots(), strict=True):
        new[list(after)] = theta[list(before)]
    start = held.shift_start()
    new[start : start + len(kept)] = theta[[layout.shift_start() + k for k in kept]]
    if layout.half_life:
        new[-1] = theta[-1]
    other = copy.copy(model)
    other.layout = held
    return other, new


def unbounded(
    model: ReturnModel, theta: np.ndarray, cov: np.ndarray
) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """Baselines (by segment) and shifts whose Wald interval reaches past :data:`EDGE`, each
    with its interval in words. A baseline written as churn alpha and beta is left to its own
    bounds (its mean is not one slot)."""
    layout = model.layout
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    segments: dict[int, str] = {}
    for s, slots in enumerate(layout.baseline_slots()):
        if not slots or layout.spread[s] == SBG:
            continue
        k = slots[0]
        low, high = theta[k] - Z95 * se[k], theta[k] + Z95 * se[k]
        if low < -EDGE or high > EDGE:
            segments[s] = _interval(low, high)
    shifts: dict[tuple[int, int], str] = {}
    reference = special.logit(model.reference(theta))
    for k, pair in enumerate(layout.shifts):
        slot = layout.shift_start() + k
        low = reference + theta[slot] - Z95 * se[slot]
        high = reference + theta[slot] + Z95 * se[slot]
        if low < -EDGE or high > EDGE:
            shifts[pair] = _interval(low, high)
    return segments, shifts


def flat(
    model: ReturnModel, theta: np.ndarray
) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """Baselines and shifts along whose own axis the likelihood does not bend down at the
    maximum (a value at the edge of the search, or one the data never touch): where these
    make the curvature unusable, they are what the data do not bound."""
    layout = model.layout
    curvature = axis_curvature(model, theta)
    why = "the likelihood does not fall away from its most likely value along it"
    segments = {
        s: why
        for s, slots in enumerate(layout.baseline_slots())
        if slots and layout.spread[s] != SBG and not curvature[slots[0]] > 0.0
    }
    start = layout.shift_start()
    shifts = {pair: why for k, pair in enumerate(layout.shifts) if not curvature[start + k] > 0.0}
    return segments, shifts


def _interval(low: float, high: float) -> str:
    return (
        f"its 95% interval runs from an average customer's return probability of "
        f"{special.expit(low):.3g} to {special.expit(high):.3g}"
    )


def evidence(model: ReturnModel) -> str:
    """What the return decisions say, in words: how many were seen, and how many are open."""
    d = model.decision
    returned, left, open_ = (int(np.sum(d == k)) for k in (RETURNED, LEFT, CENSORED))
    return (
        f"{returned:,} returns and {left:,} customers leaving seen, {open_:,} journeys whose "
        "return is not known yet"
    )


def unbounded_notes(
    model: ReturnModel, segments: dict[int, str], shifts: dict[tuple[int, int], str]
) -> list[Unidentified]:
    """Why each value is held: its interval, and what the decisions say."""
    seen = evidence(model)
    out = [
        Unidentified(
            f"segments.{model.layout.segments[s]}.baseline_return",
            f"{why}: these data do not bound it ({seen}); kept as the scenario has it and the "
            "rest fitted with it so",
        )
        for s, why in segments.items()
    ]
    out += [
        Unidentified(
            f"touchpoints.{model.touchpoints[t]}.shifts.{OUTCOMES[o]}",
            f"{why}: these data do not bound it ({seen}); kept as the scenario has it and the "
            "rest fitted with it so",
        )
        for (t, o), why in shifts.items()
    ]
    return out


def outside(model: ReturnModel, theta: np.ndarray) -> str | None:
    """Why the reference return at ``theta`` lies where the scenario cannot go (None if not)."""
    scenario = model.scenario
    if scenario.memory.reference_return is not None:
        return None  # the baselines do not move what shifts are quoted against
    reference = model.reference(theta)
    why = []
    ceiling = scenario.memory.ceiling
    if ceiling is not None and reference >= ceiling:
        why.append(
            f"at or above memory.ceiling ({ceiling:g}), which it must stay below: raise the "
            "ceiling to fit it"
        )
    fitted = set(model.layout.shifts)
    for t, name in enumerate(model.touchpoints):
        tp = scenario.touchpoints[name]
        kept = [
            (f"shifts.{outcome}", getattr(tp.shifts, outcome))
            for o, outcome in enumerate(OUTCOMES)
            if (t, o) not in fitted
        ]
        if tp.failure.recovered_shift is not None:
            kept.append(("failure.recovered_shift", tp.failure.recovered_shift))
        for place, shift in kept:
            if not 0.0 < reference + shift < 1.0:
                why.append(
                    f"where touchpoints.{name}.{place} ({shift:+g}, kept as written) would move "
                    f"it to {reference + shift:.3g}: make that shift smaller to fit it"
                )
    if not why:
        return None
    return (
        f"the most likely baselines put the average customer's return probability at {reference:.3g}, "
        + "; ".join(why)
    )
