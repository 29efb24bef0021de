"""A touchpoint whose servers never change: waits known the moment a customer arrives.

Served first come, first served by a fixed number of servers, a customer's wait depends only on
the customers who arrived before them: how long each is served and whether each gave up. Every
one of those is known when they arrive (service and patience are drawn with the journey), so
the wait follows from the servers' next free times, the Kiefer-Wolfowitz recursion (Lindley's
for one server): take the server free soonest; wait until then; give up instead if patience
runs out first, leaving the server to the next in line. That is exactly what the queue of
``station`` would do, without the events: the journey arrives (an event, so arrivals are taken
in time order) and goes on at once, its wait and service joining its time on the way, as
self-service does. A staffing schedule breaks the premise (a server arriving mid-wait serves
someone sooner), so a touchpoint with one is a ``Station``.

The time-integrals of the queue (customers waiting, customers in service) are added customer
by customer, each one's time in line and in service clipped to the observed window.
"""

from __future__ import annotations

from heapq import heapreplace


class Desks:
    """``servers`` servers, fixed, with a FIFO queue; the areas under the counts over the
    observed window ``[start, end)`` (the warm-up's end to the horizon)."""

    __slots__ = ("area_busy", "area_waiting", "end", "free_at", "patient", "servers", "start")

    unlimited = False
    waits_on_arrival = True

    def __init__(self, servers: int, start: float, end: float, patient: bool = True) -> None:
        self.servers = servers
        self.patient = patient  #: customers never give up waiting (the touchpoint sets no patience)
        self.free_at = [0.0] * servers  #: a heap: when each server is next free
        self.start, self.end = start, end
        self.area_waiting = 0.0
        self.area_busy = 0.0

    def arrive(self, now: float, service: float, patience: float) -> float | None:
        """A customer arrives at ``now``: the time their service starts, or None when their
        ``patience`` runs out first (they leave at ``now + patience``; no server is theirs)."""
        free_at = self.free_at
        start = free_at[0]
        if start <= now:
            start = now
        elif start > now + patience:
            self.area_waiting += self.overlap(now, now + patience)
            return None
        ends = start + service
        heapreplace(free_at, ends)
        if now >= self.start and ends <= self.end:  # all of it observed: the common case
            self.area_waiting += start - now
            self.area_busy += ends - start
        else:
            self.area_waiting += self.overlap(now, start)
            self.area_busy += self.overlap(start, ends)
        return start

    def overlap(self, a: float, b: float) -> float:
        """How much of ``[a, b)`` falls in the observed window."""
        if a >= self.start and b <= self.end:
            return b - a
        a, b = max(a, self.start), min(b, self.end)
        return b - a if b > a else 0.0

    def close(self, now: float) -> None:
        """Nothing to close: each customer's time was added as they arrived."""

    def restart(self, now: float) -> None:
        """Nothing to forget: times before the warm-up's end were never added."""

    def clear(self) -> None:
        """Nobody is held in line."""
