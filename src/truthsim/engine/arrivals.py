"""When new customers arrive: a Poisson process by time change.

Arrivals are a unit-rate Poisson process (cumulative sums of exponential draws) mapped to
times through the cumulative expected arrivals: at one rate, by each day's own rate (a
calendar), and inside each day by the hourly profile.
"""

from __future__ import annotations

import numpy as np

from truthsim.scenario.schema import MINUTES_PER_DAY


class DayProfile:
    """Maps a fraction of a day's arrivals to a time of day, following the hourly profile."""

    def __init__(self, weights: list[float] | None) -> None:
        hours = np.arange(25, dtype=float) * 60.0
        if weights is None:
            weights = [1.0] * 24
        cumulative = np.concatenate([[0.0], np.cumsum(weights)])
        self._fraction = cumulative / cumulative[-1]
        self._minutes = hours

    def minute_of_day(self, fraction: float | np.ndarray) -> np.ndarray:
        return np.interp(fraction, self._fraction, self._minutes)


class ArrivalClock:
    """The time at which the process has brought a given number of expected arrivals."""

    def __init__(
        self,
        per_day: float | None,
        calendar: tuple[list[float], float] | None,
        profile: DayProfile | None,
    ) -> None:
        self.per_day = per_day
        self.profile = profile
        self.calendar = calendar
        if calendar is not None:
            table, self.after = calendar
            self.daily = np.asarray(table, dtype=float)
            self.cumulative = np.concatenate([[0.0], np.cumsum(self.daily)])

    def times(self, expected: np.ndarray) -> np.ndarray:
        """Minutes at which the cumulative expected arrivals reach ``expected`` (infinite past
        the last arrival a calendar allows)."""
        profile = self.profile
        if self.calendar is None:  # one rate: as the engine has always computed it
            per_day = float(self.per_day)  # type: ignore[arg-type]
            if profile is None:
                return expected / (per_day / MINUTES_PER_DAY)
            days = expected / per_day
            whole = np.floor(days)
            return whole * MINUTES_PER_DAY + profile.minute_of_day(days - whole)
        cumulative, daily = self.cumulative, self.daily
        if not len(daily):  # no table: the rate after it from day 0 (none: nobody comes)
            daily, cumulative = np.zeros(1), np.zeros(2)
        inside = expected < cumulative[-1]
        day = np.searchsorted(cumulative, expected, side="right") - 1
        day = np.minimum(day, len(daily) - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(inside, (expected - cumulative[day]) / daily[day], 0.0)
            beyond = len(daily) + (expected - cumulative[-1]) / self.after if self.after else np.inf
        days = np.where(inside, day + fraction, beyond)
        finite = np.isfinite(days)
        days = np.where(finite, days, 0.0)  # past the last arrival: inf below, no NaN on the way
        whole = np.floor(days)
        within = days - whole
        minute = within * MINUTES_PER_DAY if profile is None else profile.minute_of_day(within)
        return np.where(finite, whole * MINUTES_PER_DAY + minute, np.inf)
