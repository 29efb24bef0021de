"""How a drawn outcome's probability moves when a touchpoint's outcome rule changes: its score.

The leverage map needs d/dtheta of an expected result for three changes to a touchpoint's rule:
magic taken from mediocrity, misery given to mediocrity (both on the shares for a customer
served at once) and a longer wait tolerance. A moment's outcome is a categorical draw with
known probabilities (:class:`~truthsim.behaviour.outcome.OutcomeModel`), so the likelihood-ratio
score ``d log P(outcome) / d theta`` is analytic (Glynn 1990). These are the same ordered-logit
formulas as ``OutcomeModel._cumulative``, in numpy over many moments at once; the tests check
them against finite differences of ``OutcomeModel.probabilities``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from truthsim import exact
from truthsim.behaviour.outcome import MAGIC, MEDIOCRITY, MISERY

#: the changes a score is known for (per unit: a share of 1, or one minute)
ScoredLever = Literal["magic", "misery", "tolerance"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + exact.exp(-x))  # the same bits on every machine (see exact)


def load_push(load: np.ndarray, threshold: float, doubling: float) -> np.ndarray:
    """``OutcomeModel.push``'s load term over arrays: ln 2 / ``doubling`` per unit of busy
    share beyond ``threshold`` (the same numbers to the last bit)."""
    return math.log(2.0) / doubling * np.maximum(load - threshold, 0.0)


def cumulative(
    low: float,
    high: float,
    tolerance: np.ndarray,
    per_minute: float,
    wait: np.ndarray,
    load_push: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P(misery), P(misery or mediocrity), pushed) after ``wait`` with ``tolerance`` minutes
    tolerated (the segment's factor applied) and the servers' load pushing by ``load_push``:
    ``OutcomeModel._cumulative`` over arrays."""
    push = per_minute * np.maximum(wait - tolerance, 0.0) + load_push
    pushed = push > 0.0
    lower = np.where(pushed, _sigmoid(_cut(low) + push), low)
    upper = np.where(pushed, _sigmoid(_cut(high) + push), high)
    return lower, upper, pushed


def _cut(p: float) -> float:
    """A cut-point on the latent scale: logit(p), infinite at 0 and 1."""
    if p <= 0.0:
        return -math.inf
    return math.inf if p >= 1.0 else math.log(p / (1.0 - p))


def _slope(p: float, pushed_to: np.ndarray, pushed: np.ndarray) -> np.ndarray:
    """d sigmoid(logit(p - e) + push) / de: -1 with no push, else -q(1-q) / (p(1-p))."""
    if not 0.0 < p < 1.0:
        return np.where(pushed, 0.0, -1.0)
    return np.where(pushed, -pushed_to * (1.0 - pushed_to) / (p * (1.0 - p)), -1.0)


def cumulative_slopes(
    lever: ScoredLever,
    low: float,
    high: float,
    lower: np.ndarray,
    upper: np.ndarray,
    pushed: np.ndarray,
    per_minute: float,
    factor: np.ndarray,
    beyond: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """d(P(misery), P(misery or mediocrity)) per unit of ``lever``.

    magic: the no-wait share of magic up by one, mediocrity down (the upper cut-point moves);
    misery: the no-wait share of misery down by one, mediocrity up (the lower cut-point moves);
    tolerance: one more minute of tolerance (``factor``: the segment's multiplier of it), which
    moves only the moments whose wait is ``beyond`` tolerance (by default those ``pushed``:
    where load pushes too, a moment can be pushed with its wait within tolerance)."""
    zero = np.zeros_like(lower)
    if lever == "magic":
        return zero, _slope(high, upper, pushed)
    if lever == "misery":
        return _slope(low, lower, pushed), zero
    # tolerance: the wait's push, per_minute * (wait - tolerance * factor), while positive
    shift = np.where(pushed if beyond is None else beyond, -per_minute * factor, 0.0)
    return lower * (1.0 - lower) * shift, upper * (1.0 - upper) * shift


def outcome_score(
    outcome: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    d_lower: np.ndarray,
    d_upper: np.ndarray,
) -> np.ndarray:
    """d log P(outcome) for each drawn outcome, given the cumulative probabilities and their
    slopes: misery dL/L, mediocrity (dH - dL)/(H - L), magic -dH/(1 - H)."""
    misery = np.divide(d_lower, lower, out=np.zeros_like(lower), where=lower > 0)
    middle = upper - lower
    mediocrity = np.divide(d_upper - d_lower, middle, out=np.zeros_like(lower), where=middle > 0)
    top = 1.0 - upper
    magic = np.divide(-d_upper, top, out=np.zeros_like(lower), where=top > 0)
    return np.select(
        [outcome == MISERY, outcome == MEDIOCRITY, outcome == MAGIC],
        [misery, mediocrity, magic],
        0.0,
    )
