"""Word of mouth: which journeys get talked about, and how many people it moves."""

from __future__ import annotations

import math

MISERABLE, ORDINARY, MAGICAL = -1, 0, 1


def journey_tone(n_misery: int, n_magic: int, magic_needed: int) -> int:
    """A journey with any misery is miserable; with none and enough magic, magical."""
    if n_misery > 0:
        return MISERABLE
    return MAGICAL if n_magic >= magic_needed else ORDINARY


def poisson_quantile(mean: float, u: float) -> int:
    """Smallest ``k`` with P(N <= k) > u for N ~ Poisson(mean): a count from one uniform number."""
    if mean <= 0.0:
        return 0
    k = 0
    p = math.exp(-mean)
    cumulative = p
    while u >= cumulative and p > 0.0:
        k += 1
        p *= mean / k
        cumulative += p
    return k
