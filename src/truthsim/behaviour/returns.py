"""Whether a customer comes back: the experience they carry, and the return decision.

A customer carries an *experience*: a shift of their return log-odds made of the journeys they
remember (see :mod:`~truthsim.behaviour.memory` for how one journey is remembered). As a journey
ends its remembered shift is added, up to a ceiling: memory saturates, so no amount of delight
makes a return certain. Between journeys the experience fades (:func:`~truthsim.behaviour.memory.fade`). At the end of
every journey the customer returns with probability ``sigmoid(baseline + experience)``, and does
when the decision's uniform number falls below it. The engine, churn-cause attribution, the
analytic retention of ``validate`` and calibration's likelihood all use these functions (the
likelihood the array forms, which tests hold equal to the scalar ones).
"""

from __future__ import annotations

import math

import numpy as np

from truthsim import exact
from truthsim.scenario.probability import logit, sigmoid


def ceiling_cap(ceiling: float | None, reference_return: float) -> float:
    """The most experience can add to return log-odds: the distance from the reference
    customer's return probability to the ceiling (none without a ceiling)."""
    if ceiling is None:
        return math.inf
    return logit(ceiling) - logit(reference_return)


def experience_after(experience: float, remembered: float, cap: float) -> float:
    """Experience after a journey remembered as ``remembered`` (already faded since the last)."""
    return min(experience + remembered, cap)


def experience_after_all(experience: np.ndarray, remembered: np.ndarray, cap: float) -> np.ndarray:
    """:func:`experience_after` for many journeys at once."""
    return np.minimum(experience + remembered, cap)


def return_probability(baseline: float, experience: float) -> float:
    """Chance of coming back for a customer of ``baseline`` log-odds carrying ``experience``."""
    return sigmoid(baseline + experience)


def return_probabilities(log_odds: np.ndarray) -> np.ndarray:
    """:func:`return_probability` for many decisions at once, from ``baseline + experience``:
    the same arithmetic, so the same numbers to the last bit."""
    z = exact.exp(-np.abs(log_odds))
    return np.where(log_odds >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def comes_back(u: float, probability: float) -> bool:
    """The decision for the customer's uniform number ``u``: a smaller ``u`` always returns
    first, so a change that raises the probability never turns a return into a loss."""
    return u < probability
