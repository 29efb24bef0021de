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

    def arrive(self, now: float) -> bool:
        """A customer arrives at ``now``: takes a free server (True; nobody may be ahead in the
        queue) or is counted as waiting (False) and should :meth:`join_queue`."""
        self._close(now)
        if self.free > 0 and not self.queue:
            self.free -= 1
            self.busy += 1
            return True
        self.waiting += 1
        return False

    def join_queue(self) -> simpy.Event:
        """Wait in line: the event succeeds with True when a server is handed over, or with
        False when :meth:`lapse` takes the customer out of the line first."""
        turn = self.env.event()
        self.queue.append(turn)
        return turn

    def lapse(self, turn: simpy.Event) -> None:
        """Patience ran out (a timeout's callback): leave the line, unless served already."""
        if not turn.triggered:
            self.queue.remove(turn)
            turn.succeed(False)

    def depart(self, now: float) -> None:
        """Service ends at ``now``: the server goes to the first in line, or is freed (or let
        go, after a shift ends)."""
        self._close(now)
        self.busy -= 1
        if self.queue and self.free >= 0:
            self.queue.popleft().succeed(True)
        else:
            self.free += 1

    def staff(self, servers: int) -> None:
        """A shift change: ``servers`` serve from now on. Servers arriving take the first in line;
        servers leaving finish the customer they are serving first."""
        self.free += servers - self.servers  # type: ignore[operator]
        self.servers = servers
        while self.free > 0 and self.queue:
            self.free -= 1
            self.queue.popleft().succeed(True)

    def change(self, now: float, waiting: int, busy: int) -> None:
        """Close the area up to ``now``, then add ``waiting`` and ``busy`` to the counts."""
        self._close(now)
        self.waiting += waiting
        self.busy += busy

    def _close(self, now: float) -> None:
        """Add the areas under the counts from the last change up to ``now``."""
        dt = now - self.last
        if dt > 0.0:
            self.area_waiting += self.waiting * dt
            self.area_busy += self.busy * dt
            self.last = now

    def restart(self, now: float) -> None:
        """Forget the areas so far (end of warm-up)."""
        self.change(now, 0, 0)
        self.area_waiting = self.area_busy = 0.0
