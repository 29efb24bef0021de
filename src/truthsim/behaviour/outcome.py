"""How a moment of truth ends: an ordered-logit model of misery, mediocrity and magic.

The base probabilities (for a customer served at once) set the two cut-points on a latent
quality scale. Waiting beyond the customer's tolerance shifts the latent quality down by a fixed
amount per excess minute, so every outcome slides toward misery together, and a plain uniform
number decides the outcome. A failure (something goes wrong) ends in misery unless staff recover
it; a recovered failure draws from its own outcome probabilities, the service recovery paradox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from truthsim.scenario.probability import logit, sigmoid

MISERY, MEDIOCRITY, MAGIC = 0, 1, 2


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    """Ordered logit over (misery, mediocrity, magic) with a wait penalty."""

    low: float  #: P(misery) for no wait
    high: float  #: P(misery or mediocrity) for no wait
    tolerance: float  #: minutes of waiting that do no harm
    per_minute: float  #: log-odds shift toward misery per minute beyond tolerance
    #: (low, high) as log-odds, derived once for the wait penalty
    cuts: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", (logit(self.low), logit(self.high)))

    @classmethod
    def build(
        cls, probabilities: tuple[float, float, float], tolerance: float, doubling: float | None
    ) -> OutcomeModel:
        misery, mediocrity, _ = probabilities
        per_minute = 0.0 if doubling is None else math.log(2.0) / doubling
        return cls(misery, min(1.0, misery + mediocrity), tolerance, per_minute)

    def probabilities(
        self, wait: float, tolerance_factor: float = 1.0
    ) -> tuple[float, float, float]:
        """(misery, mediocrity, magic) after waiting ``wait`` minutes."""
        low, high = self._cumulative(wait, tolerance_factor)
        return (low, high - low, 1.0 - high)

    def draw(self, u: float, wait: float, tolerance_factor: float = 1.0) -> int:
        """The outcome for uniform ``u``: a larger ``u`` is always an equal or better moment."""
        low, high = self._cumulative(wait, tolerance_factor)
        if u < low:
            return MISERY
        return MEDIOCRITY if u < high else MAGIC

    def _cumulative(self, wait: float, tolerance_factor: float) -> tuple[float, float]:
        excess = wait - self.tolerance * tolerance_factor
        if excess <= 0.0 or self.per_minute == 0.0:
            return self.low, self.high
        push = self.per_minute * excess
        low, high = self.cuts
        return sigmoid(low + push), sigmoid(high + push)


@dataclass(frozen=True, slots=True)
class MomentModel:
    """A touchpoint's whole outcome rule: the clean outcome, failures and their recovery."""

    clean: OutcomeModel
    recovered: OutcomeModel
    failure_rate: float
    recovery_rate: float

    def draw(
        self,
        u_outcome: float,
        u_failure: float,
        u_recovery: float,
        wait: float,
        tolerance_factor: float = 1.0,
    ) -> tuple[int, bool, bool]:
        """(outcome, failed, recovered) for one served customer."""
        if u_failure < self.failure_rate:
            if u_recovery < self.recovery_rate:
                return self.recovered.draw(u_outcome, wait, tolerance_factor), True, True
            return MISERY, True, False
        clean = self.clean
        # NOTE (speed): replaces ``clean.draw(...)`` where the wait does no harm, the common case
        if wait <= clean.tolerance * tolerance_factor:
            if u_outcome < clean.low:
                return MISERY, False, False
            return (MEDIOCRITY if u_outcome < clean.high else MAGIC), False, False
        return clean.draw(u_outcome, wait, tolerance_factor), False, False
