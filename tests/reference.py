"""A small, slow reference model written from the model's definition (docs/model.md).

Tests recompute what the engine must have produced from the records of the same run with these
functions, which share no code with the package: a scenario's numbers in, plain floats out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
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


def reference_return(scenario: Any) -> float:
    """The average customer shifts are quoted for: memory.reference_return, else the
    share-weighted mean baseline of the segments."""
    if scenario.memory.reference_return is not None:
        return scenario.memory.reference_return
    total = 0.0
    for segment in scenario.segments.values():
        b = segment.baseline_return
        total += segment.share * (b if isinstance(b, float) else b.expected)
    return total


def experience_ceiling(scenario: Any) -> float:
    """The most accumulated experience can add to return log-odds: an average customer at the
    memory ceiling (infinite without one)."""
    ceiling = scenario.memory.ceiling
    if ceiling is None:
        return math.inf
    return log_odds(ceiling) - log_odds(reference_return(scenario))


def touchpoint_impacts(scenario: Any, name: str) -> tuple[list[float], list[float]]:
    """(clean, recovered) log-odds impacts per outcome at one touchpoint, before sensitivity.

    A recovered failure uses the touchpoint's ``recovered_shift`` when set; otherwise it counts
    like a clean moment of its outcome, but never more than a clean moment brings on average.
    """
    tp = scenario.touchpoints[name]
    reference = reference_return(scenario)
    clean = [tp.importance * shift(getattr(tp.shifts, o), reference) for o in OUTCOME_NAMES]
    own = tp.failure.recovered_shift
    if own is not None:
        return clean, [tp.importance * shift(own, reference)] * 3
    average = sum(getattr(tp.outcomes, o) * x for o, x in zip(OUTCOME_NAMES, clean, strict=True))
    return clean, [min(x, average) for x in clean]


def moment_impacts(scenario: Any, result: Any) -> np.ndarray:
    """Each moment's log-odds impact: its outcome's impact at the touchpoint (a recovered
    failure's own, see :func:`touchpoint_impacts`) x the segment's sensitivity. An abandoned
    queue counts as a misery; a complaint is a moment like any other."""
    m = result.moments
    sensitivity = np.array([s.sensitivity for s in scenario.segments.values()])
    segment_of = result.customers["segment"]  # customers are numbered 0, 1, ... in the records
    table = {name: touchpoint_impacts(scenario, name) for name in result.touchpoint_names}
    out = np.empty(len(m))
    for i, row in enumerate(m):
        clean, recovered = table[result.touchpoint_names[row["touchpoint"]]]
        impact = (recovered if row["recovered"] else clean)[row["outcome"]]
        out[i] = impact * sensitivity[segment_of[row["customer"]]]
    return out


@dataclass
class Life:
    """One customer's journeys as the records tell them, in order."""

    baseline: float  #: the customer's own baseline, log-odds
    impacts: list[list[float]] = field(default_factory=list)  #: each journey's moments
    places: list[list[int]] = field(default_factory=list)  #: each moment's touchpoint
    miseries: list[list[bool]] = field(default_factory=list)  #: each moment a misery?
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  #: index of each journey in the records


def lives(scenario: Any, result: Any) -> dict[int, Life]:
    """Every customer's journeys with their moments' impacts, from the records."""
    impacts = moment_impacts(scenario, result)
    m = result.moments
    moments: dict[tuple[int, int], list[tuple[float, int, bool]]] = {}
    for c, j, t, x, o in zip(
        m["customer"].tolist(), m["journey"].tolist(), m["touchpoint"].tolist(), impacts.tolist(),
        m["outcome"].tolist(), strict=True,
    ):  # fmt: skip
        moments.setdefault((c, j), []).append((x, t, o == 0))  # records keep the moment order
    baselines = result.customers["baseline_return"]
    out: dict[int, Life] = {}
    j = result.journeys
    for i in np.lexsort((j["journey"], j["customer"])).tolist():
        customer, number = int(j["customer"][i]), int(j["journey"][i])
        life = out.setdefault(customer, Life(log_odds(float(baselines[customer]))))
        here = moments.get((customer, number), [])
        life.impacts.append([x for x, _, _ in here])
        life.places.append([t for _, t, _ in here])
        life.miseries.append([bad for _, _, bad in here])
        life.starts.append(float(j["start"][i]))
        life.ends.append(float(j["end"][i]))
        life.rows.append(i)
    return out


def replay(scenario: Any, life: Life, leave_out: tuple[int, ...] | None = None) -> list[float]:
    """The return probability after each journey: experience starts at 0, each journey adds
    what it remembers (saturating at the ceiling), and between one journey's end and the next
    one's start it halves every ``forgetting_half_life_days``. ``leave_out`` (journey, moment,
    ...) replays the life without those moments of that journey."""
    memory = scenario.memory
    cap = experience_ceiling(scenario)
    experience = 0.0
    out = []
    for k, impacts in enumerate(life.impacts):
        if k and memory.forgetting_half_life_days is not None:
            days = (life.starts[k] - life.ends[k - 1]) / 1440.0
            experience *= 0.5 ** (days / memory.forgetting_half_life_days)
        if leave_out is not None and leave_out[0] == k:
            impacts = [x for i, x in enumerate(impacts) if i not in leave_out[1:]]
        value = remember(memory.model, impacts, memory.recency_decay)
        experience = min(experience + value, cap)
        out.append(inverse_log_odds(life.baseline + experience))
    return out


def replay_memory(scenario: Any, result: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each journey's remembered value and return probability, recomputed from the moments."""
    memory = scenario.memory
    n = len(result.journeys)
    remembered, probability = np.full(n, np.nan), np.full(n, np.nan)
    for life in lives(scenario, result).values():
        for row, impacts, p in zip(life.rows, life.impacts, replay(scenario, life), strict=True):
            remembered[row] = remember(memory.model, impacts, memory.recency_decay)
            probability[row] = p
    return remembered, probability


def counterfactuals(scenario: Any, life: Life) -> list[tuple[float, list[tuple[int, int, float]]]]:
    """Each world the complaints' unrecorded numbers allow, with its chance, and in it (journey,
    touchpoint, return probability at the last decision without that moment) for every moment
    of a life. The moment caused the loss when the customer's random number lies below that
    probability (and at or above the one recorded).

    A complaint is made when its number is at least the chance that no misery led to one (the
    product of 1 - chance over the journey's miseries), so given that it was made the number is
    uniform above that product. A misery removed takes the complaint with it when the number
    lies below the product over the other miseries: the worlds are the intervals those
    thresholds cut, per journey, and their combinations."""
    desk = _complaint_desk(scenario)
    per_journey: dict[int, list[tuple[float, set[int]]]] = {}
    for k, places in enumerate(life.places):
        if desk is None or len(places) < 2 or places[-1] != desk:
            continue
        bad = [i for i in range(len(places) - 1) if life.miseries[k][i]]
        keeps = {i: 1.0 - _complain_chance(scenario, places[i]) for i in bad}
        made = math.prod(keeps.values())
        cuts = sorted({made, 1.0, *(min(1.0, made / keeps[i]) for i in bad)})
        per_journey[k] = [
            ((high - low) / (1.0 - made), {i for i in bad if (low + high) / 2 < made / keeps[i]})
            for low, high in itertools.pairwise(cuts)
            if high > low
        ]
    worlds = []
    for combination in itertools.product(*per_journey.values()):
        chance = math.prod(w for w, _ in combination)
        drops = dict(zip(per_journey, (d for _, d in combination), strict=True))
        options = []
        for k, places in enumerate(life.places):
            for i, t in enumerate(places):
                leave = (k, i, len(places) - 1) if i in drops.get(k, ()) else (k, i)
                options.append((k, t, replay(scenario, life, leave)[-1]))
        worlds.append((chance, options))
    return worlds


def _complain_chance(scenario: Any, touchpoint: int) -> float:
    tp = list(scenario.touchpoints.values())[touchpoint]
    return tp.complain if tp.complain is not None else scenario.complaints.share


def _complaint_desk(scenario: Any) -> int | None:
    """The complaints desk's index, when complaints are on and it is no step of the journey."""
    complaints = getattr(scenario, "complaints", None)
    if complaints is None:
        return None
    names = list(scenario.touchpoints)
    if any(complaints.touchpoint in step.targets() for step in scenario.journey):
        return None
    return names.index(complaints.touchpoint)


def z_score(observed: float, expected: float, variance: float) -> float:
    """How many standard errors ``observed`` lies from ``expected``."""
    return (observed - expected) / math.sqrt(variance)
