"""A touchpoint's queue in the simulation: a SimPy resource plus time-integrals of its state.

The integrals (customers waiting, customers in service) give the time-average queue length and
utilisation independently of the per-moment records, which is what lets the tests check
Little's law instead of assuming it.
"""

from __future__ import annotations

import simpy


class Station:
    """Servers (or unlimited capacity) with running areas under the waiting and busy curves."""

    __slots__ = (
        "area_busy",
        "area_waiting",
        "busy",
        "last",
        "resource",
        "servers",
        "since",
        "waiting",
    )

    def __init__(self, env: simpy.Environment, servers: int | None) -> None:
        self.servers = servers
        self.resource = simpy.Resource(env, capacity=servers) if servers is not None else None
        self.waiting = 0
        self.busy = 0
        self.last = 0.0
        self.since = 0.0
        self.area_waiting = 0.0
        self.area_busy = 0.0

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
        self.since = now
