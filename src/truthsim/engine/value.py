"""What the revenue of one replication is worth today: discounted, including the run-off.

Read from the journey records of a run continued past the horizon (see ``Plan.end``). Revenue is
counted when a journey ends, from the end of the warm-up (the start of the counted days, where
the discount factor is 1) to the end of the run-off.
"""

from __future__ import annotations

import numpy as np

from truthsim import exact
from truthsim.scenario.model import MINUTES_PER_DAY

MINUTES_PER_YEAR = 365.0 * MINUTES_PER_DAY

#: value metrics in the order tables show them, with a plain-words label
VALUE = {
    "discounted_revenue": "revenue from the warm-up's end to the run-off's end, discounted",
    "run_off_revenue": "revenue after the horizon (run-off), discounted",
    "active_after_run_off": "customers still active when the run-off ends",
}


def discount(minutes: np.ndarray | float, rate: float) -> np.ndarray | float:
    """Discount factor (1 + rate) ** -years for times in minutes after the counted days start."""
    return exact.power(1.0 + rate, -np.asarray(minutes, dtype=float) / MINUTES_PER_YEAR)


def value_metrics(
    journeys: np.ndarray,
    customers_at_end: np.ndarray,
    warmup: float,
    horizon: float,
    end: float,
    rate: float,
) -> dict[str, float]:
    """Discounted revenue over the counted days and the run-off's part of it."""
    ended = journeys["end"]
    counted = (ended >= warmup) & (ended < end)
    worth = journeys["revenue"] * discount(ended - warmup, rate)
    return {
        "discounted_revenue": float(worth[counted].sum()),
        "run_off_revenue": float(worth[counted & (ended >= horizon)].sum()),
        "active_after_run_off": float(np.count_nonzero(~customers_at_end["churned"])),
    }
