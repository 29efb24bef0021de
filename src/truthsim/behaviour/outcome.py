"""How a moment of truth ends: an ordered-logit model of misery, mediocrity and magic.

The base probabilities (for a customer served at once) set the two cut-points on a latent
quality scale. Waiting beyond the customer's tolerance shifts the latent quality down by a fixed
amount per excess minute, and so, where a touchpoint says so, does the servers' recent busy share
beyond a threshold (staff under load serve worse): every outcome slides toward misery together,
and a plain uniform number decides the outcome. A failure (something goes wrong) ends in misery unless staff recover
it; a recovered failure draws from its own outcome probabilities, the service recovery paradox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from truthsim.scenario.probability import logit, sigmoid

MISERY, MEDIOCRITY, MAGIC = 0, 1, 2


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    """Ordered logit over (misery, mediocrity, magic) with a wait penalty and a load penalty."""

    low: float  #: P(misery) for no wait
    high: float  #: P(misery or mediocrity) for no wait
    tolerance: float  #: minutes of waiting that do no harm
    per_minute: float  #: log-odds shift toward misery per minute beyond tolerance
    load_threshold: float = 1.0  #: the servers' busy share that does no harm (1: none does harm)
    per_load: float = 0.0  #: log-odds shift toward misery per unit of busy share beyond it
    #: (low, high) as log-odds, derived once for the wait penalty
    cuts: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", (logit(self.low), logit(self.high)))

    @classmethod
    def build(
        cls,
        probabilities: tuple[float, float, float],
        tolerance: float,
        doubling: float | None,
        load: tuple[float, float] | None = None,
    ) -> OutcomeModel:
        """From the shares for a customer served at once, the wait's tolerance and doubling,
        and the load's (threshold, doubling) where load matters."""
        misery, mediocrity, _ = probabilities
        per_minute = 0.0 if doubling is None else math.log(2.0) / doubling
        threshold, per_load = (1.0, 0.0) if load is None else (load[0], math.log(2.0) / load[1])
        return cls(
            misery, min(1.0, misery + mediocrity), tolerance, per_minute, threshold, per_load
        )

    def probabilities(
        self, wait: float, tolerance_factor: float = 1.0, load: float = 0.0, carried: float = 0.0
    ) -> tuple[float, float, float]:
        """(misery, mediocrity, magic) after waiting ``wait`` minutes, served by servers of
        busy share ``load``, with ``carried`` pushed in from an internal moment."""
        low, high = self._cumulative(wait, tolerance_factor, load, carried)
        return (low, high - low, 1.0 - high)

    def draw(
        self,
        u: float,
        wait: float,
        tolerance_factor: float = 1.0,
        load: float = 0.0,
        carried: float = 0.0,
    ) -> int:
        """The outcome for uniform ``u``: a larger ``u`` is always an equal or better moment."""
        low, high = self._cumulative(wait, tolerance_factor, load, carried)
        if u < low:
            return MISERY
        return MEDIOCRITY if u < high else MAGIC

    def push(
        self, wait: float, tolerance_factor: float = 1.0, load: float = 0.0, carried: float = 0.0
    ) -> float:
        """How far the latent quality falls: the excess wait's push, the excess load's, and
        what an internal moment behind this one ``carried`` in (see behaviour.internal)."""
        excess = wait - self.tolerance * tolerance_factor
        push = self.per_minute * excess if excess > 0.0 else 0.0
        if load > self.load_threshold:
            push += self.per_load * (load - self.load_threshold)
        return push + carried

    def _cumulative(
        self, wait: float, tolerance_factor: float, load: float = 0.0, carried: float = 0.0
    ) -> tuple[float, float]:
        push = self.push(wait, tolerance_factor, load, carried)
        if push == 0.0:
            return self.low, self.high
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
        load: float = 0.0,
        carried: float = 0.0,
    ) -> tuple[int, bool, bool]:
        """(outcome, failed, recovered) for one served customer (``load``: the servers' busy
        share; ``carried``: the push of an internal moment behind it; see
        :class:`OutcomeModel`)."""
        if u_failure < self.failure_rate:
            if u_recovery < self.recovery_rate:
                recovered = self.recovered.draw(u_outcome, wait, tolerance_factor, load, carried)
                return recovered, True, True
            return MISERY, True, False
        clean = self.clean
        if load > clean.load_threshold or carried:
            return clean.draw(u_outcome, wait, tolerance_factor, load, carried), False, False
        # NOTE (speed): replaces ``clean.draw(...)`` where the wait does no harm, the common case
        if wait <= clean.tolerance * tolerance_factor:
            if u_outcome < clean.low:
                return MISERY, False, False
            return (MEDIOCRITY if u_outcome < clean.high else MAGIC), False, False
        return clean.draw(u_outcome, wait, tolerance_factor), False, False
