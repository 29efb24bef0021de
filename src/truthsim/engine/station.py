"""A touchpoint's servers and queue in the simulation, with time-integrals of their state.

The servers are a first-come-first-served pool: a customer who finds a server free takes it at
once, one who must wait joins the line, and a release hands the server straight to the first in
line (the journey is told, and its service begins then). That keeps the semantics of a SimPy
``Resource`` while sparing the request and release events of every visit, the largest cost of
an idiomatic SimPy model (see benchmarks/).

The integrals (customers waiting, customers in service) give the time-average queue length and
utilisation independently of the per-moment records, which is what lets the tests check
Little's law instead of assuming it.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

import simpy


class Waiting(Protocol):
    """A customer in line, told when a server is theirs."""

    def take_server(self, now: float) -> None: ...


class Station:
    """``servers`` servers (None: unlimited) with a FIFO queue and running areas under the curves."""

    __slots__ = ("area_busy", "area_waiting", "busy", "env", "free", "last", "queue", "servers",
                 "waiting")  # fmt: skip

    def __init__(self, env: simpy.Environment, servers: int | None) -> None:
        self.env = env
        self.servers = servers  #: servers now (None: unlimited); a schedule changes it
        self.free = servers or 0  #: servers not busy; below 0 while a shift ends mid-service
        self.queue: deque[Waiting] = deque()
        self.waiting = 0
        self.busy = 0
        self.last = 0.0
        self.area_waiting = 0.0
        self.area_busy = 0.0

    #: waits are known only as the queue moves (see ``desks`` for servers that never change)
    waits_on_arrival = False

    @property
    def unlimited(self) -> bool:
        return self.servers is None

    def arrive(self, now: float, customer: Waiting) -> bool:
        """A customer arrives at ``now``: takes a free server (True; nobody may be ahead in the
        queue) or joins the line (False) until :meth:`depart` or :meth:`staff` hands them a
        server or :meth:`leave` takes them out."""
        self.close(now)
        if self.free > 0 and not self.queue:
            self.free -= 1
            self.busy += 1
            return True
        self.waiting += 1
        self.queue.append(customer)
        return False

    def leave(self, now: float, customer: Waiting) -> None:
        """Patience ran out at ``now``: out of the line."""
        self.close(now)
        self.waiting -= 1
        self.queue.remove(customer)

    def depart(self, now: float) -> None:
        """Service ends at ``now``: the server goes to the first in line, or is freed (or let
        go, after a shift ends)."""
        self.close(now)
        if self.queue and self.free >= 0:
            self.waiting -= 1  # handed over: as many busy as before
            self.queue.popleft().take_server(now)
        else:
            self.busy -= 1
            self.free += 1

    def staff(self, servers: int) -> None:
        """A shift change: ``servers`` serve from now on. Servers arriving take the first in line;
        servers leaving finish the customer they are serving first."""
        now = self.env.now
        self.close(now)
        self.free += servers - self.servers  # type: ignore[operator]
        self.servers = servers
        while self.free > 0 and self.queue:
            self.free -= 1
            self.waiting -= 1
            self.busy += 1
            self.queue.popleft().take_server(now)

    def close(self, now: float) -> None:
        """Add the areas under the counts from the last change up to ``now``."""
        dt = now - self.last
        if dt > 0.0:
            self.area_waiting += self.waiting * dt
            self.area_busy += self.busy * dt
            self.last = now

    def clear(self) -> None:
        """Let go of everyone in line (the run is over)."""
        self.queue.clear()

    def restart(self, now: float) -> None:
        """Forget the areas so far (end of warm-up)."""
        self.close(now)
        self.area_waiting = self.area_busy = 0.0
