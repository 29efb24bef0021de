"""Complaints: a miserable moment may send the customer to the complaints desk as the journey
ends. Each misery at a touchpoint leads to a complaint with that touchpoint's chance,
independently; the journey ends in one complaint when any of them does, decided by one uniform
number for the journey (so the counterfactual without one misery uses the same number)."""

from __future__ import annotations


def silent_after(silent: float, chance: float) -> float:
    """The chance that no misery led to a complaint, after one more misery of ``chance``."""
    return silent * (1.0 - chance)


def complains(u: float, silent: float) -> bool:
    """Whether the journey ends in a complaint, for its uniform number ``u``."""
    return u >= silent
