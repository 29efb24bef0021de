"""How often a customer comes: the days between journeys, and how customers differ in them.

A segment's ``days_between_journeys`` is the gap of a customer of average rhythm. Customers may
differ in how often they come (``rate_shape``): each draws once a factor on their rate of coming
back, Gamma-distributed with mean 1 and the given shape, and every gap of theirs is the
segment's gap divided by it. With exponential gaps that makes the number of journeys of an
active customer negative binomial (the NBD of Pareto/NBD and BG/NBD); a shape r is BG/NBD's r,
with alpha = r x mean. The smaller the shape, the more customers differ (coefficient of
variation of the rates 1 / sqrt(shape)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from truthsim.scenario.schema import MINUTES_PER_DAY


def rate_factor(shape: float | None, u: float | np.ndarray) -> float | np.ndarray:
    """A customer's rate of coming back as a multiple of the segment's, from their own uniform
    ``u``: the Gamma(shape, scale 1 / shape) quantile (mean 1); 1 when customers share one
    rhythm (``shape`` None)."""
    if shape is None:
        return 1.0 if np.ndim(u) == 0 else np.ones_like(u)
    factor = special.gammaincinv(shape, u) / shape
    return float(factor) if np.ndim(u) == 0 else factor


def days_to_next(segment_days: float, factor: float) -> float:
    """The customer's own days to their next journey: the segment's, at their rate."""
    return segment_days / factor


def next_start(now: float, days: float, minute: float | None = None) -> float:
    """When the next journey begins (minutes), ``days`` after one that ended ``now``: at the
    ``minute`` of day a profile drew for it, where there is one (the same day, or the next if
    that minute has passed)."""
    start = now + days * MINUTES_PER_DAY
    if minute is None:
        return start
    start = start // MINUTES_PER_DAY * MINUTES_PER_DAY + minute
    return start + MINUTES_PER_DAY if start < now else start


def days_after(
    cdf: Callable[[np.ndarray], np.ndarray],
    quantiles: Callable[[np.ndarray], np.ndarray],
    factor: np.ndarray,
    passed_days: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """Days from customers' last journeys to their next, given that ``passed_days`` have gone by
    without one: each one's gap (the segment's law, ``cdf`` and ``quantiles``, at their rate
    ``factor``) drawn from above the time passed by their uniform ``u`` (a larger gap for the
    same ``u`` when gaps grow, as everywhere)."""
    scaled = passed_days * factor  # the time passed on the segment's scale
    below = cdf(scaled)
    q = np.minimum(below + u * (1.0 - below), np.nextafter(1.0, 0.0))
    return days_to_next(np.maximum(quantiles(q), scaled), factor)  # type: ignore[arg-type]
