"""The people behind the front line: how an internal moment carries into the customer's.

A share of a front-line touchpoint's moments needs an internal touchpoint (Hyken: "if you're
not dealing directly with the customer, you're supporting somebody that is"; Heskett et al.'s
service-profit chain). As the service begins the agent asks it; the customer waits while the
agent waits, and the internal moment's outcome moves the customer's on the same ordered-logit
scale as a wait: its odds factor multiplies the odds of a worse outcome in front.

A customer's moment is lost *through* the internal touchpoint when, with the same uniform
numbers, it would have ended better without the internal moment's push and its wait: that is
the churn the summary credits to the internal touchpoint (see behaviour.attribution). It is a
counterfactual of that one moment: the shorter service and the lines that would have followed
differently are not replayed.
"""

from __future__ import annotations

import math

from truthsim.behaviour.outcome import MomentModel


def carried_pushes(odds: tuple[float, float, float]) -> tuple[float, float, float]:
    """The push on the latent quality after each internal outcome (misery, mediocrity, magic):
    the log of its odds factor (0 where the factor is 1)."""
    return tuple(math.log(f) for f in odds)  # type: ignore[return-value]


def made_worse(
    rule: MomentModel,
    outcome: int,
    u: tuple[float, float, float],
    own_wait: float,
    tolerance_factor: float,
    load: float,
) -> bool:
    """Whether the customer's ``outcome`` is worse than it would have been without the internal
    moment: the same uniforms (outcome, failure, recovery), the wait in line alone
    (``own_wait``), nothing carried."""
    alone, _, _ = rule.draw(u[0], u[1], u[2], own_wait, tolerance_factor, load)
    return alone > outcome
