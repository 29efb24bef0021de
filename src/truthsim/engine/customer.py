"""A customer's state across journeys."""

from __future__ import annotations

import numpy as np

from truthsim.behaviour.attribution import History
from truthsim.behaviour.memory import fade
from truthsim.engine.plan import SegmentPlan


class Customer:
    """A customer's state across journeys."""

    __slots__ = (
        "acquired",
        "baseline",
        "cause",
        "churn_time",
        "experience",
        "history",
        "id",
        "journeys",
        "key",
        "last_end",
        "last_start",
        "next_start",
        "referred",
        "revenue",
        "rhythm",
        "segment",
    )

    def __init__(self, id: int, key: int, segment: SegmentPlan, acquired: float, referred: bool):
        self.id = id
        self.key = key
        self.segment = segment
        self.baseline = segment.baseline  #: this customer's baseline return log-odds
        self.rhythm = 1.0  #: this customer's rate of coming back, relative to the segment's
        self.acquired = acquired
        self.referred = referred
        self.experience = 0.0  #: accumulated remembered shift, log-odds
        self.journeys = 0
        self.revenue = 0.0
        self.churn_time = np.nan
        self.cause = -1  #: the touchpoint most to blame for losing the customer, or -1
        self.history: History | None = History()  #: dropped once the customer is lost
        #: the latest journey's start and end (its end once decided), and the next journey's
        #: start once one is due: where the customer stands at any moment (see base.capture)
        self.last_start = self.last_end = self.next_start = np.nan

    def fade(self, days: float, half_life_days: float | None) -> None:
        """``days`` go by without contact: the experience fades, and the history keeps the
        factor (for replaying it, see behaviour.attribution)."""
        faded = fade(1.0, days, half_life_days)
        self.experience *= faded
        self.history.fades.append(faded)  # type: ignore[union-attr]
