"""Events at set times on SimPy's schedule, with the days ahead kept in a calendar.

Customers wait days or weeks between journeys and between steps (a flight booked weeks ahead);
kept on SimPy's schedule, thousands of them would make every push and pop there climb a deeper
heap (a year-long airline: about 4,700 pending events, of which about 120 are due within the
day). Events due on a later day wait in the calendar and join SimPy's schedule as their day
begins, before anything else happens at its first minute; the order of events is the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from heapq import heappush

import simpy
from simpy.events import NORMAL, URGENT, Event

from truthsim.scenario.schema import MINUTES_PER_DAY


class Wake:
    """A callback at a set time: the least SimPy's scheduler can process (``env.schedule``
    needs an object with ``callbacks`` and ``_ok``), lighter than a ``Timeout``."""

    __slots__ = ("_ok", "callbacks")

    def __init__(self, callback: Callable[[Wake], None]) -> None:
        self._ok = True
        self.callbacks = [callback]


class Calendar:
    """Puts events on ``env``'s schedule at the time they are due, until ``end``.

    NOTE (speed): replaces ``env.timeout(delay)`` for events days ahead; it pushes onto SimPy's
    heap (``env._queue``, ``env._eid``) itself, as ``Environment.schedule`` does.
    """

    __slots__ = ("_days", "_eid", "_queue", "_tomorrow", "end", "env")

    def __init__(self, env: simpy.Environment, end: float) -> None:
        self.env = env
        self.end = end
        #: SimPy's schedule, a heap of (time, priority, id, event), and its counter of ids:
        #: an event is put there at its time, computed by its caller as SimPy would
        self._queue, self._eid = env._queue, env._eid
        #: events due on a later day, by day, with their times
        self._days: defaultdict[float, list[tuple[float, Event]]] = defaultdict(list)
        self._tomorrow = 0.0  #: when the next day begins: nothing is scheduled before start()

    def start(self) -> None:
        """Begin the first day (at time 0)."""
        self._next_day(None)

    def at(self, event: Event, time: float) -> None:
        """Schedule ``event`` at ``time`` (now or later)."""
        if time < self._tomorrow:
            heappush(self._queue, (time, NORMAL, next(self._eid), event))
        else:
            self._days[time // MINUTES_PER_DAY].append((time, event))

    def clear(self) -> None:
        """Drop every event still waiting for its day."""
        self._days.clear()

    def _next_day(self, wake: Wake | None) -> None:
        """A day begins (``wake``: the scheduled day; None at the start): its events go on
        SimPy's schedule, and the next day is scheduled."""
        now = self.env.now  # a whole number of days: days are scheduled from days, from time 0
        queue, eid = self._queue, self._eid
        for time, event in self._days.pop(now // MINUTES_PER_DAY, ()):
            heappush(queue, (time, NORMAL, next(eid), event))
        self._tomorrow = now + MINUTES_PER_DAY
        if self._tomorrow < self.end:
            wake = Wake(self._next_day)
            self.env.schedule(wake, URGENT, MINUTES_PER_DAY)  # type: ignore[arg-type]
