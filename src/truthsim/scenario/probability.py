"""Probabilities on the scale users write, and the log-odds scale the model works on."""

from __future__ import annotations

import math


def logit(p: float) -> float:
    """Log-odds of ``p``; 0 and 1 map to -inf and +inf."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    """Inverse of :func:`logit`, numerically safe for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def shift_to_log_odds(change: float, reference: float) -> float:
    """Turn "moves the return probability of an average customer by ``change``" into log-odds.

    ``reference`` is that average customer's return probability. ``reference + change`` must lie
    strictly between 0 and 1; the caller validates that and reports where.
    """
    return logit(reference + change) - logit(reference)
