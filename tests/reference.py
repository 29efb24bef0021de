"""A small, slow reference model written from the model's definition (DESIGN.md, README).

Tests recompute what the engine must have produced from the records of the same run with these
functions, which share no code with the package: a scenario's numbers in, plain floats out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MISERY, MEDIOCRITY, MAGIC = 0, 1, 2
OUTCOME_NAMES = ("misery", "mediocrity", "magic")


def log_odds(p: float) -> float:
    return math.log(p / (1.0 - p))


def inverse_log_odds(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def shift(change: float, reference: float) -> float:
    """A change in an average customer's return probability as a change in log-odds."""
    return log_odds(reference + change) - log_odds(reference)


def remember(model: str, impacts: Sequence[float], decay: float) -> float:
    """The remembered value of one journey's impacts under a memory model."""
    if not impacts:
        return 0.0
    if model == "additive":
        return float(sum(impacts))
    if model == "weakest_link":
        return float(min(impacts))
    if model == "peak_end":
        strongest = max(abs(x) for x in impacts)
        peak = min(x for x in impacts if abs(x) == strongest)  # a tie goes to the worse moment
        return (peak + impacts[-1]) / 2.0
    if model == "recency":
        n = len(impacts)
        return float(sum(x * decay ** (n - 1 - i) for i, x in enumerate(impacts)))
    raise ValueError(model)


def ordered_logit(
    probabilities: Sequence[float], wait: float, tolerance: float, doubling: float | None
) -> tuple[float, float, float]:
    """(misery, mediocrity, magic) after ``wait`` minutes: odds of a worse outcome double every
    ``doubling`` minutes beyond ``tolerance``."""
    misery, mediocrity, _ = probabilities
    excess = wait - tolerance
    if doubling is None or excess <= 0:
        return (misery, mediocrity, 1.0 - misery - mediocrity)
    factor = 2.0 ** (excess / doubling)

    def worse(p: float) -> float:
        if p <= 0.0 or p >= 1.0:
            return p
        odds = p / (1.0 - p) * factor
        return odds / (1.0 + odds)

    low, high = worse(misery), worse(misery + mediocrity)
    return (low, high - low, 1.0 - high)


def moment_impacts(scenario: Any, result: Any) -> np.ndarray:
    """Each moment's log-odds impact: its outcome's shift x importance x segment sensitivity.

    An abandoned queue counts as a misery; a recovered failure uses the touchpoint's
    ``recovered_shift`` when the scenario sets one.
    """
    m = result.moments
    reference = scenario.memory.reference_return
    sensitivity = np.array([s.sensitivity for s in scenario.segments.values()])
    segment_of = dict(
        zip(
            result.customers["customer"].tolist(), result.customers["segment"].tolist(), strict=True
        )
    )
    out = np.empty(len(m))
    for i, row in enumerate(m):
        tp = scenario.touchpoints[result.touchpoint_names[row["touchpoint"]]]
        if row["recovered"] and tp.failure.recovered_shift is not None:
            change = tp.failure.recovered_shift
        else:
            change = getattr(tp.shifts, OUTCOME_NAMES[row["outcome"]])
        out[i] = tp.importance * shift(change, reference) * sensitivity[segment_of[row["customer"]]]
    return out


def replay_memory(scenario: Any, result: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each journey's remembered value and return probability, recomputed from the moments.

    Experience starts at 0, each journey adds what it remembers, and between one journey's end
    and the next one's start it halves every ``forgetting_half_life_days``.
    """
    memory = scenario.memory
    impacts = moment_impacts(scenario, result)
    by_journey: dict[tuple[int, int], list[float]] = {}
    for c, j, x in zip(
        result.moments["customer"].tolist(),
        result.moments["journey"].tolist(),
        impacts.tolist(),
        strict=True,
    ):
        by_journey.setdefault((c, j), []).append(x)  # records keep each journey's moment order
    baselines = [log_odds(s.baseline_return) for s in scenario.segments.values()]
    j = result.journeys
    order = np.lexsort((j["journey"], j["customer"]))
    remembered = np.empty(len(j))
    probability = np.empty(len(j))
    experience, last_end, last_customer = 0.0, 0.0, -1
    for i in order.tolist():
        row = j[i]
        customer = int(row["customer"])
        if customer != last_customer:
            experience, last_customer = 0.0, customer
        elif memory.forgetting_half_life_days is not None:
            days = (row["start"] - last_end) / 1440.0
            experience *= 0.5 ** (days / memory.forgetting_half_life_days)
        value = remember(
            memory.model, by_journey.get((customer, int(row["journey"])), []), memory.recency_decay
        )
        experience += value
        remembered[i] = value
        probability[i] = inverse_log_odds(baselines[row["segment"]] + experience)
        last_end = row["end"]
    return remembered, probability


def z_score(observed: float, expected: float, variance: float) -> float:
    """How many standard errors ``observed`` lies from ``expected``."""
    return (observed - expected) / math.sqrt(variance)
