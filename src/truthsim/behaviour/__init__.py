"""The model's rule book: how a customer lives a moment, remembers a journey and decides to come
back. Functions of numbers (``load.forget_before`` alone trims the window it is given), no
simulation; the engine, the reference engine, churn-cause attribution, calibration and the
analytic checks all call these.

- :mod:`~truthsim.behaviour.outcome`: how a moment ends (misery, mediocrity, magic) after a wait;
- :mod:`~truthsim.behaviour.recovery`: what each outcome does to return (its impact);
- :mod:`~truthsim.behaviour.memory`: how a journey's moments are remembered, and fading;
- :mod:`~truthsim.behaviour.returns`: experience carried, the ceiling, the return decision;
- :mod:`~truthsim.behaviour.complaints`: when miseries lead to a complaint;
- :mod:`~truthsim.behaviour.word_of_mouth`: which journeys are retold, to how many;
- :mod:`~truthsim.behaviour.rhythm`: how often a customer comes, and when the next journey begins;
- :mod:`~truthsim.behaviour.load`: the servers' recent busy share (staff under load);
- :mod:`~truthsim.behaviour.internal`: how a moment behind the front line carries into the
  customer's;
- :mod:`~truthsim.behaviour.attribution`: which moments a lost customer was lost to.
"""

from truthsim.behaviour.complaints import complains, silent_after
from truthsim.behaviour.memory import additive, fade, memory_model, peak_end, recency, weakest_link
from truthsim.behaviour.outcome import (
    MAGIC,
    MEDIOCRITY,
    MISERY,
    MomentModel,
    OutcomeModel,
)
from truthsim.behaviour.returns import (
    ceiling_cap,
    comes_back,
    experience_after,
    experience_after_all,
    return_probabilities,
    return_probability,
)
from truthsim.behaviour.word_of_mouth import journey_tone, poisson_quantile

__all__ = [
    "MAGIC",
    "MEDIOCRITY",
    "MISERY",
    "MomentModel",
    "OutcomeModel",
    "additive",
    "ceiling_cap",
    "comes_back",
    "complains",
    "experience_after",
    "experience_after_all",
    "fade",
    "journey_tone",
    "memory_model",
    "peak_end",
    "poisson_quantile",
    "recency",
    "return_probabilities",
    "return_probability",
    "silent_after",
    "weakest_link",
]
