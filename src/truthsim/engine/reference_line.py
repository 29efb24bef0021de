"""A staffed touchpoint as the reference model has it (see engine.reference): a first-come-
first-served line that moves event by event, served by as many servers as the schedule has on
shift, with customers who may give up waiting.

Servers are a number, not people. Customers are taken while fewer are in service than are on
shift, so a shift that ends leaves those in service to finish (and takes nobody new until
fewer are in service than the new count), and servers who come on shift take the first in
line at once if fewer are in service. The fast engine (engine.desks) follows each server's
free time instead and computes a wait on arrival; it says which servers leave and which stay,
and this plain count is what that bookkeeping must amount to.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Iterable, Sequence

import simpy

from truthsim.behaviour.load import busy_share
from truthsim.engine.plan import (
    INTERNAL_FAILURE,
    INTERNAL_OUTCOME,
    INTERNAL_RECOVERY,
    INTERNAL_SERVICE,
    TouchpointPlan,
)

Process = Generator[simpy.Event, object, None]


class Line:
    """Servers as ``staffing`` says ((time, servers) from the start, in time order) serving one
    line; keeps the areas under the counts waiting and in service over ``window``. Where load
    moves outcomes, a customer's turn succeeds with the servers' busy share over the last
    ``load_window`` minutes (see behaviour.load)."""

    def __init__(
        self,
        env: simpy.Environment,
        staffing: Iterable[tuple[float, int]],
        window: tuple,
        load_window: float | None = None,
    ) -> None:
        changes = iter(staffing)
        self.env, self.window = env, window
        self.servers = next(changes)[1]  #: on shift now
        self.serving = 0  #: customers in service, some perhaps past their server's shift
        #: turn, since, service (None: known only as it begins, where an internal touchpoint
        #: may be needed; see engine.backed)
        self.waiting: deque[tuple[simpy.Event, float, float | None]] = deque()
        self.in_service: list[float] = []  #: when each service of unknown length began
        self.area_waiting = self.area_busy = 0.0
        self.load_window = load_window
        #: (start, end) of every service begun, where load is measured: kept whole, so the
        #: busy share takes longer the longer the run (the fast engine forgets old services)
        self.services: list[list[float]] = []
        env.process(self.shifts(changes))

    def shifts(self, changes: Iterable[tuple[float, int]]) -> Process:
        for at, servers in changes:
            yield self.env.timeout(at - self.env.now)
            self.change(servers)

    def change(self, servers: int) -> None:
        """The shift changes now: ``servers`` on shift from here on."""
        self.servers = servers
        self.serve()

    def join(self, service: float | None) -> simpy.Event:
        """Queue up; the event succeeds when a server takes the customer, with the servers'
        busy share as its value; where the ``service``'s length is not known yet (None), with
        (busy share, the service's [start, end] for the customer to end)."""
        turn = self.env.event()
        self.waiting.append((turn, self.env.now, service))
        self.serve()
        return turn

    def leave(self, turn: simpy.Event) -> None:
        """The customer gives up waiting."""
        entry = next(e for e in self.waiting if e[0] is turn)
        self.waiting.remove(entry)
        self.area_waiting += self.overlap(entry[1], self.env.now)

    def serve(self) -> None:
        now = self.env.now
        while self.serving < self.servers and self.waiting:
            turn, since, service = self.waiting.popleft()
            self.serving += 1
            self.area_waiting += self.overlap(since, now)
            ends = math.inf if service is None else now + service
            if service is None:
                self.in_service.append(now)
            else:
                self.area_busy += self.overlap(now, ends)
            load = 0.0
            entry = [now, ends]
            if self.load_window is not None:
                load = busy_share(self.services, now, self.load_window, self.servers)
                self.services.append(entry)
            turn.succeed(load if service is not None else (load, entry))

    def done(self, started: float | None = None) -> None:
        """A service ends (``started``: when, where its length was not known as it began)."""
        if started is not None:
            self.in_service.remove(started)
            self.area_busy += self.overlap(started, self.env.now)
        self.serving -= 1
        self.serve()

    def close(self) -> None:
        """At the horizon: those still in line have waited until then, and those in service
        whose length was not known as it began have been served until then."""
        for _, since, _ in self.waiting:
            self.area_waiting += self.overlap(since, self.window[1])
        for started in self.in_service:
            self.area_busy += self.overlap(started, self.window[1])

    def overlap(self, a: float, b: float) -> float:
        a, b = max(a, self.window[0]), min(b, self.window[1])
        return b - a if b > a else 0.0


def internal_visit(
    env: simpy.Environment,
    line: Line | None,
    tp: TouchpointPlan,
    columns: Sequence[int],
    u: Sequence[float],
) -> Generator[simpy.Event, object, tuple[float, float, int, bool, bool, float]]:
    """A front-line agent asks internal touchpoint ``tp`` (``line``: its line, None where
    unlimited; ``columns``: the front visit's draws): waits in line (staff do not give up), is
    served, and the internal moment ends by ``tp``'s rule. (wait, service, outcome, failed,
    recovered, load)."""
    service = u[columns[INTERNAL_SERVICE]]
    asked, load = env.now, 0.0
    if line is not None:
        turn = line.join(service)
        yield turn
        load = turn.value
    wait = env.now - asked
    yield env.timeout(service)
    if line is not None:
        line.done()
    outcome, failed, recovered = tp.moment.draw(
        u[columns[INTERNAL_OUTCOME]], u[columns[INTERNAL_FAILURE]],
        u[columns[INTERNAL_RECOVERY]], wait, 1.0, load,
    )  # fmt: skip
    return wait, service, outcome, failed, recovered, load
