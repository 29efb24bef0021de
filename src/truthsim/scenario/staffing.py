"""Staffing by the hour: how many serve at a touchpoint at each hour of the day (and weekday).

``servers: {schedule: [[0, 1], [7, 3], [10, 2], [19, 1]]}`` means one server from midnight,
three from 7:00, two from 10:00 and one from 19:00, every day; ``days: {sat: [...], sun: [...]}``
replaces the schedule on those weekdays. The simulation's day 0 is a Monday. A server who is
mid-service when a shift ends finishes that customer first.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, field_validator, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.limits import MAX_SERVERS

MINUTES_PER_DAY = 1440.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Shifts = list[tuple[float, int]]


def check_shifts(shifts: Shifts) -> Shifts:
    """Hours in [0, 24), strictly increasing; servers 0..MAX_SERVERS, some of them above 0."""
    if not shifts:
        raise ValueError("a schedule lists at least one [hour, servers] pair")
    hours = [h for h, _ in shifts]
    if any(not 0 <= h < 24 for h in hours):
        raise ValueError("schedule hours lie from 0 up to (not including) 24")
    if any(b <= a for a, b in itertools.pairwise(hours)):
        raise ValueError(f"schedule hours must increase: {hours}")
    if any(not 0 <= n <= MAX_SERVERS for _, n in shifts):
        raise ValueError(f"servers in a schedule lie between 0 and {MAX_SERVERS}")
    return shifts


class Schedule(Strict):
    """Servers by hour of day, from each listed hour until the next (the last runs past midnight
    until the first); optionally a different day for some weekdays."""

    schedule: Shifts = Field(
        description="[hour, servers] pairs: from that hour (0-24, may be fractional) so many serve"
    )
    days: dict[Weekday, Shifts] | None = Field(
        default=None,
        description="weekdays (mon..sun) that follow another schedule; day 0 is a Monday",
    )

    @field_validator("schedule")
    @classmethod
    def _valid(cls, value: Shifts) -> Shifts:
        return check_shifts(value)

    @field_validator("days")
    @classmethod
    def _valid_days(cls, value: dict[str, Shifts] | None) -> dict[str, Shifts] | None:
        for shifts in (value or {}).values():
            check_shifts(shifts)
        return value

    @model_validator(mode="after")
    def _someone_serves(self) -> Schedule:
        if self.peak == 0:
            raise ValueError("nobody ever serves in this schedule; give some hour 1 or more")
        return self

    def describe(self) -> str:
        """``1 from 0h, 2 from 6h, 1 from 22h`` (and which weekdays differ)."""
        text = ", ".join(f"{n} from {h:g}h" for h, n in self.schedule)
        return text + (f" (own schedule: {', '.join(self.days)})" if self.days else "")

    def range_words(self) -> str:
        """``1-3 by hour``: the fewest and the most serving at any hour of any day."""
        counts = [n for _, n in self.schedule] + [
            n for shifts in (self.days or {}).values() for _, n in shifts
        ]
        return f"{min(counts)}-{max(counts)} by hour"

    def day(self, weekday: int) -> Shifts:
        """The shifts of weekday ``weekday`` (0 = Monday)."""
        return (self.days or {}).get(WEEKDAYS[weekday % 7], self.schedule)  # type: ignore[call-overload]

    @property
    def peak(self) -> int:
        """The most servers at any time."""
        lists = [self.schedule, *(self.days or {}).values()]
        return max(n for shifts in lists for _, n in shifts)

    def at(self, minute: float) -> int:
        """Servers at simulation time ``minute``."""
        day, clock = divmod(minute, MINUTES_PER_DAY)
        shifts = self.day(int(day))
        current = self.day(int(day) - 1)[-1][1]  # before the first entry: yesterday's last
        for hour, servers in shifts:
            if hour * 60 <= clock:
                current = servers
        return current

    def changes(self, end: float, start: float = 0.0) -> Iterator[tuple[float, int]]:
        """(time, servers) at ``start`` and at every change before ``end`` (minutes)."""
        current = self.at(start)
        yield start, current
        day = int(start // MINUTES_PER_DAY)
        while day * MINUTES_PER_DAY < end:
            for hour, servers in self.day(day):
                t = day * MINUTES_PER_DAY + hour * 60
                if start < t < end and servers != current:
                    current = servers
                    yield t, servers
            day += 1

    def server_minutes(self, start: float, end: float) -> float:
        """Staffed server-minutes between ``start`` and ``end`` (simulation minutes)."""
        points = [(t, n) for t, n in self.changes(end)]
        total = 0.0
        for (t, n), (nxt, _) in zip(points, [*points[1:], (end, 0)], strict=True):
            lo, hi = max(t, start), min(nxt, end)
            if hi > lo:
                total += n * (hi - lo)
        return total


def add_in_hours(servers: int | Schedule, amount: int, start: float, end: float) -> Schedule:
    """``servers`` with ``amount`` more (or fewer) from hour ``start`` to ``end`` every day.

    ``end`` below ``start`` wraps past midnight (22 to 6). Weekday schedules change alike.
    """
    base = servers if isinstance(servers, Schedule) else Schedule(schedule=[(0.0, servers)])

    def inside(hour: float) -> bool:
        return start <= hour < end if start < end else (hour >= start or hour < end)

    def shifted(shifts: Shifts) -> Shifts:
        hours = sorted({h for h, _ in shifts} | {start % 24, end % 24})
        out = []
        for hour in hours:
            current = shifts[-1][1]  # before the first entry: the last one, past midnight
            for h, n in shifts:
                if h <= hour:
                    current = n
            out.append((hour, current + (amount if inside(hour) else 0)))
        merged = [out[0]]
        for hour, n in out[1:]:
            if n != merged[-1][1]:
                merged.append((hour, n))
        return merged

    days = {day: shifted(shifts) for day, shifts in (base.days or {}).items()} or None
    return Schedule(schedule=shifted(base.schedule), days=days)  # type: ignore[arg-type]


def added_server_hours(
    base: dict[str, object], changed: dict[str, object], start: float, end: float
) -> float:
    """Server-hours that ``changed`` staffs beyond ``base`` between two simulation times.

    Both map touchpoint names to Touchpoint objects; unlimited touchpoints count nothing.
    """
    total = 0.0
    for name, touchpoint in changed.items():
        before = base[name].server_minutes(start, end)  # type: ignore[attr-defined]
        after = touchpoint.server_minutes(start, end)  # type: ignore[attr-defined]
        if before is not None and after is not None:
            total += (after - before) / 60.0
    return total
