"""Customer behaviour: outcome draws, memory, return decisions and word of mouth. No simulation."""

from truthsim.behaviour.memory import additive, fade, memory_model, peak_end, recency, weakest_link
from truthsim.behaviour.outcome import (
    MAGIC,
    MEDIOCRITY,
    MISERY,
    MomentModel,
    OutcomeModel,
)
from truthsim.behaviour.word_of_mouth import journey_tone, poisson_quantile

__all__ = [
    "MAGIC",
    "MEDIOCRITY",
    "MISERY",
    "MomentModel",
    "OutcomeModel",
    "additive",
    "fade",
    "journey_tone",
    "memory_model",
    "peak_end",
    "poisson_quantile",
    "recency",
    "weakest_link",
]
