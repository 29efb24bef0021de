"""A touchpoint's servers and queue in the simulation, with time-integrals of their state.

The servers are a first-come-first-served pool built on SimPy events: a customer who finds a
server free takes it at once (no event at all), one who must wait gets an event that the next
release succeeds, handing the server over directly. That keeps the semantics of a SimPy
``Resource`` while sparing the scheduled request and release events of every uncontended visit,
the largest cost of the engine (see benchmarks/).

The integrals (customers waiting, customers in service) give the time-average queue length and
utilisation independently of the per-moment records, which is what lets the tests check
Little's law instead of assuming it.
"""

from __future__ import annotations

from collections import deque

import simpy


class Station:
    """``servers`` servers (None: unlimited) with a FIFO queue and running areas under the curves."""

    __slots__ = ("area_busy", "area_waiting", "busy", "env", "free", "last", "queue", "servers",
                 "waiting")  # fmt: skip

    def __init__(self, env: simpy.Environment, servers: int | None) -> None:
        self.env = env
        self.servers = servers  #: servers now (None: unlimited); a schedule changes it
        self.free = servers or 0  #: servers not busy; below 0 while a shift ends mid-service
        self.queue: deque[simpy.Event] = deque()
        self.waiting = 0
        self.busy = 0
        self.last = 0.0
        self.area_waiting = 0.0
        self.area_busy = 0.0

    @property
    def unlimited(self) -> bool:
        return self.servers is None

    def seize(self) -> bool:
        """Take a free server now, if there is one and nobody is ahead in the queue."""
        if self.free > 0 and not self.queue:
            self.free -= 1
            return True
        return False

    def join_queue(self) -> simpy.Event:
        """Wait in line: the event succeeds when a server is handed over."""
        turn = self.env.event()
        self.queue.append(turn)
        return turn

    def leave_queue(self, turn: simpy.Event) -> None:
        """Give up waiting (patience ran out)."""
        self.queue.remove(turn)

    def release(self) -> None:
        """Hand the server to the first in line, or free it (or let it go, after a shift ends)."""
        if self.queue and self.free >= 0:
            self.queue.popleft().succeed()
        else:
            self.free += 1

    def staff(self, servers: int) -> None:
        """A shift change: ``servers`` serve from now on. Servers arriving take the first in line;
        servers leaving finish the customer they are serving first."""
        self.free += servers - self.servers  # type: ignore[operator]
        self.servers = servers
        while self.free > 0 and self.queue:
            self.free -= 1
            self.queue.popleft().succeed()

    def change(self, now: float, waiting: int, busy: int) -> None:
        """Close the area up to ``now``, then add ``waiting`` and ``busy`` to the counts."""
        dt = now - self.last
        if dt > 0.0:
            self.area_waiting += self.waiting * dt
            self.area_busy += self.busy * dt
            self.last = now
        self.waiting += waiting
        self.busy += busy

    def restart(self, now: float) -> None:
        """Forget the areas so far (end of warm-up)."""
        self.change(now, 0, 0)
        self.area_waiting = self.area_busy = 0.0
