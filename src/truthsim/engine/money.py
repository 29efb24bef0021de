"""What a replication says about money: revenue day by day over the planning period, and the
customers active at the end of each day, by segment.

The planning period runs from the end of the warm-up to the horizon. Revenue is counted on the
day a journey ends. Kept as days rather than one discounted sum so that the experiments can
value the same replication at any discount rate and any shorter planning period (see
:mod:`truthsim.experiments.valuation`), with one definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from truthsim import exact
from truthsim.scenario.schema import MINUTES_PER_DAY, MINUTES_PER_YEAR


def discount(minutes: np.ndarray | float, rate: float) -> np.ndarray:
    """Discount factor ``(1 + rate) ** -years`` for amounts ``minutes`` after the reference time
    (the C library's pow: numpy's vectorised one may differ in the last bit between machines)."""
    return exact.power(1.0 + rate, -np.asarray(minutes, dtype=float) / MINUTES_PER_YEAR)


@dataclass
class PlanningDays:
    """One replication's planning period, day by day (day 0 starts at the end of the warm-up)."""

    revenue: np.ndarray  #: (days,) revenue of the journeys ending that day, undiscounted
    active: np.ndarray  #: (days, segments) customers active at the end of that day
    journeys: np.ndarray  #: (segments,) journeys ended within the period
    returns: np.ndarray  #: (segments,) of them, those followed by another journey

    def to_dict(self) -> dict[str, list]:
        return {k: getattr(self, k).tolist() for k in ("revenue", "active", "journeys", "returns")}

    @classmethod
    def from_dict(cls, data: dict[str, list]) -> PlanningDays:
        return cls(
            np.asarray(data["revenue"], dtype=float),
            np.asarray(data["active"], dtype=np.int64).reshape(len(data["revenue"]), -1),
            np.asarray(data["journeys"], dtype=np.int64),
            np.asarray(data["returns"], dtype=np.int64),
        )


def day_by_day(
    journeys: np.ndarray, customers: np.ndarray, segments: int, warmup: float, horizon: float
) -> PlanningDays:
    """The planning period of one replication's records (journeys ended, customers at the
    horizon). The last day ends at the horizon even when the period is not whole days."""
    days = max(1, math.ceil((horizon - warmup) / MINUTES_PER_DAY - 1e-9))
    ended = journeys["end"]
    counted = (ended >= warmup) & (ended < horizon)
    day = np.minimum(((ended[counted] - warmup) // MINUTES_PER_DAY).astype(np.int64), days - 1)
    revenue = np.bincount(day, weights=journeys["revenue"][counted], minlength=days)[:days]
    ends = np.minimum(warmup + MINUTES_PER_DAY * np.arange(1, days + 1), horizon)
    active = np.zeros((days, segments), dtype=np.int64)
    lost_at = np.where(customers["churned"], customers["churn_time"], np.inf)
    for s in range(segments):
        mine = customers["segment"] == s
        came = np.sort(customers["acquired"][mine])
        left = np.sort(lost_at[mine])
        # acquired by the day's end and not lost by then (a loss at the horizon is a loss)
        active[:, s] = np.searchsorted(came, ends, "right") - np.searchsorted(left, ends, "right")
    segment = journeys["segment"][counted]
    return PlanningDays(
        revenue,
        active,
        np.bincount(segment, minlength=segments)[:segments],
        np.bincount(segment[journeys["returned"][counted]], minlength=segments)[:segments],
    )
