"""Memory models: how the moments of one journey combine into what the customer remembers.

Each moment contributes an *impact*, its outcome's shift on the log-odds scale times the
touchpoint's importance (and the segment's sensitivity). A memory model turns the journey's
impacts, in order, into one remembered shift that is added to the customer's experience.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

Remember = Callable[[Sequence[float]], float]


def additive(impacts: Sequence[float]) -> float:
    """Every moment counts in full: the sum of the impacts."""
    return float(sum(impacts))


def peak_end(impacts: Sequence[float]) -> float:
    """Kahneman's peak-end rule: the mean of the most intense moment and the last one.

    The most intense moment is the one with the largest absolute impact; on a tie the worse one.
    """
    if not impacts:
        return 0.0
    peak = max(impacts, key=lambda m: (abs(m), -m))
    return (peak + impacts[-1]) / 2.0


def weakest_link(impacts: Sequence[float]) -> float:
    """The worst moment dominates: the journey is remembered as its lowest impact."""
    return float(min(impacts)) if impacts else 0.0


def recency(impacts: Sequence[float], decay: float = 0.7) -> float:
    """Later moments weigh more: the last has weight 1, the one before ``decay``, then ``decay²``."""
    total = 0.0
    for impact in impacts:
        total = total * decay + impact
    return total


def memory_model(name: str, decay: float = 0.7) -> Remember:
    """The memory model called ``name`` (as written in a scenario's ``memory.model``)."""
    if name == "recency":
        return partial(recency, decay=decay)
    return {"additive": additive, "peak_end": peak_end, "weakest_link": weakest_link}[name]


def fade(experience: float, days: float, half_life_days: float | None) -> float:
    """Accumulated experience after ``days`` without contact: it halves every half-life."""
    if half_life_days is None or days <= 0.0:
        return experience
    return experience * 0.5 ** (days / half_life_days)
