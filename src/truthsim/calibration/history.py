"""Customers' histories laid out for the return model: journeys in order, each journey's moments
as a pattern of (touchpoint, outcome kind), the fading between journeys and what is known of
each return decision.

A journey's remembered shift depends only on its pattern and the segment's sensitivity, so the
memory model is called once per distinct pattern, not once per journey.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from truthsim.behaviour.outcome import MEDIOCRITY, MISERY
from truthsim.calibration.data import Journeys, Moments
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

#: outcome kinds of a moment: a clean outcome (0-2) or a recovered failure's outcome (3-5)
KINDS = 6
RETURNED, LEFT, CENSORED = 1, 0, -1


@dataclass
class Histories:
    """Journeys of the customers used, flattened in customer and journey order."""

    customer: np.ndarray  #: index 0..C-1 of the journey's customer
    segment: np.ndarray  #: per customer
    first: np.ndarray  #: per customer, index of their first journey
    pattern: np.ndarray  #: per journey, index into ``patterns``
    patterns: list[tuple[int, tuple[int, ...]]]  #: (segment, moment codes touchpoint * 6 + kind)
    gap_days: np.ndarray  #: per journey, days from its end to the next start (NaN for the last)
    decision: np.ndarray  #: per journey: RETURNED, LEFT or CENSORED (no later journey seen)
    remaining_days: np.ndarray  #: per journey, days from its end to the end of the data
    position: np.ndarray  #: per journey, its place in the customer's history (0 = first)
    left_out: int  #: customers left out because a journey's moments lack outcomes
    with_moments: bool  #: whether moments.csv linked moments to the journeys
    #: per customer, their index among the data's customers
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def customers(self) -> int:
        return len(self.first)

    def __len__(self) -> int:
        return len(self.pattern)

    def previous(self) -> np.ndarray:
        """Per journey, the index of the customer's journey before it (-1 for the first)."""
        prev = np.arange(len(self)) - 1
        prev[self.first] = -1
        return prev


def build_histories(
    journeys: Journeys,
    moments: Moments | None,
    scenario: Scenario,
    end: float,
    unknown_as_mediocre: bool = False,
) -> Histories:
    """Order journeys per customer, derive unknown returns, link moments, encode patterns.

    A moment without a recorded outcome cuts its customer's history there (what they remember
    after it is not known), unless ``unknown_as_mediocre``: then it is remembered as a mediocre
    moment, so that every customer stays whole (for a base to start from, not for a fit)."""
    if moments is None:
        return _plain_histories(journeys, end)
    order = np.lexsort((journeys.journey, journeys.customer))
    cust_all = journeys.customer[order]
    codes: dict[tuple[int, int], list[tuple[float, int]]] = {}
    unknown_journeys: set[tuple[int, int]] = set()
    if moments is not None:
        settled = moments.abandoned | (moments.failed & ~moments.recovered)  # a misery regardless
        outcome = moments.outcome.astype(np.int64)
        if unknown_as_mediocre:
            outcome = np.where(outcome < 0, MEDIOCRITY, outcome)
        kind = np.where(settled, MISERY, outcome)
        kind = np.where(moments.recovered, 3 + outcome, kind)
        code = moments.touchpoint * KINDS + kind
        unknown = (outcome < 0) & ~settled
        unknown_journeys = set(
            zip(moments.customer[unknown].tolist(), moments.journey[unknown].tolist(), strict=True)
        )
        for c, j, o, k in zip(
            moments.customer.tolist(),
            moments.journey.tolist(),
            moments.order.tolist(),
            code.tolist(),
            strict=True,
        ):
            codes.setdefault((c, j), []).append((o, k))
    last_all = np.r_[cust_all[1:] != cust_all[:-1], True] if len(cust_all) else np.zeros(0, bool)
    decision_all = journeys.returned[order].astype(np.int64)
    decision_all = np.where(~last_all & (decision_all < 0), RETURNED, decision_all)
    decision_all = np.where(last_all & (decision_all < 0), CENSORED, decision_all)
    # a history is used up to its first journey whose moments are not all known: whether a
    # decision is used then depends only on what came before it, never on what followed
    blind = np.array(
        [
            (c, j) in unknown_journeys
            for c, j in zip(cust_all.tolist(), journeys.journey[order].tolist(), strict=True)
        ],
        dtype=bool,
    )
    keep = np.ones(len(order), dtype=bool)
    for i in range(len(order)):
        if blind[i] or (i > 0 and not last_all[i - 1] and not keep[i - 1]):
            keep[i] = False
    cust, number, rows = cust_all[keep], journeys.journey[order][keep], order[keep]
    decision = decision_all[keep]
    starts = np.r_[True, cust[1:] != cust[:-1]] if len(cust) else np.zeros(0, dtype=bool)
    stop = journeys.end[rows]
    # the gap to the next journey, seen even where that journey's moments are not known
    gap = _gaps(journeys.start[order], journeys.end[order], last_all, decision_all)[keep]
    segment = journeys.segment[rows]
    pattern_index: dict[tuple[int, tuple[int, ...]], int] = {}
    pattern = np.empty(len(rows), dtype=np.int64)
    for i, (c, j, s) in enumerate(
        zip(cust.tolist(), number.tolist(), segment.tolist(), strict=True)
    ):
        moments_here = tuple(k for _, k in sorted(codes.get((c, j), [])))
        pattern[i] = pattern_index.setdefault((s, moments_here), len(pattern_index))
    first = np.flatnonzero(starts)
    _, customer = np.unique(cust, return_inverse=True)
    position = np.arange(len(rows)) - first[customer] if len(rows) else np.zeros(0, dtype=int)
    return Histories(
        customer=customer,
        segment=segment[first],
        first=first,
        pattern=pattern,
        patterns=list(pattern_index),
        gap_days=gap,
        decision=decision,
        remaining_days=np.maximum(0.0, (end - stop) / MINUTES_PER_DAY),
        position=position,
        left_out=len(np.unique(cust_all[~keep])),
        with_moments=moments is not None,
        ids=cust[first],
    )


def _gaps(start: np.ndarray, end: np.ndarray, last: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """Per journey (in customer order), the days from its end to the next journey's start
    (NaN where none followed)."""
    gap = np.full(len(start), np.nan)
    following = ~last & (decision == RETURNED)
    nxt = np.flatnonzero(following) + 1
    gap[following] = (start[nxt] - end[following]) / MINUTES_PER_DAY
    return gap


def _plain_histories(journeys: Journeys, end: float) -> Histories:
    """Histories without moments, in whole arrays (a log of millions of journeys): every
    journey of a segment has the same, empty, pattern."""
    order = np.lexsort((journeys.journey, journeys.customer))
    cust = journeys.customer[order]
    n = len(cust)
    last = np.r_[cust[1:] != cust[:-1], True] if n else np.zeros(0, dtype=bool)
    starts = np.r_[True, cust[1:] != cust[:-1]] if n else np.zeros(0, dtype=bool)
    decision = journeys.returned[order].astype(np.int64)
    decision = np.where(~last & (decision < 0), RETURNED, decision)
    decision = np.where(last & (decision < 0), CENSORED, decision)
    first = np.flatnonzero(starts)
    customer = np.cumsum(starts) - 1
    segment = journeys.segment[order]
    present = sorted(set(segment[first].tolist()))
    pattern = np.searchsorted(present, segment)
    stop = journeys.end[order]
    return Histories(
        customer=customer,
        segment=segment[first],
        first=first,
        pattern=pattern,
        patterns=[(s, ()) for s in present],
        gap_days=_gaps(journeys.start[order], stop, last, decision),
        decision=decision,
        remaining_days=np.maximum(0.0, (end - stop) / MINUTES_PER_DAY),
        position=np.arange(n) - first[customer] if n else np.zeros(0, dtype=int),
        left_out=0,
        with_moments=False,
        ids=cust[first],
    )


def survival(scenario: Scenario, segment: str) -> tuple[np.ndarray, np.ndarray]:
    """(days, P(gap > days)) on a fine grid, from the segment's days between journeys.

    Used for a last journey whose return is not known: the customer may have come back after
    the end of the data.
    """
    u = np.linspace(0.0, 1.0, 4001)[1:-1]
    days = scenario.segments[segment].days_between_journeys.quantiles()(u)
    return days, 1.0 - u
