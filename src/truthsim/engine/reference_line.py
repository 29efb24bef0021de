"""A staffed touchpoint as the reference model has it (see engine.reference): servers that a
schedule brings on and off shift, serving one first-come-first-served line event by event, and
customers who give up waiting. The fast engine computes the same waits on arrival instead
(engine.desks); this is the line that moves, written plainly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable

import simpy

Process = Generator[simpy.Event, object, None]


class Server:
    ends = 0.0  #: when the customer in hand is done


class Line:
    """A staffed touchpoint: servers as ``staffing`` says, taking customers first come first
    served. When a shift ends, free servers leave at once, then those to finish soonest, each
    after the customer in hand; when servers come on, those still finishing stay on (the last
    to finish first), then new ones come. Keeps the areas under the counts over ``window``."""

    def __init__(
        self, env: simpy.Environment, staffing: Iterable[tuple[float, int]], window: tuple
    ) -> None:
        changes = iter(staffing)
        servers = next(changes)[1]
        self.env, self.window = env, window
        self.idle = [Server() for _ in range(servers)]  #: on shift and free
        self.busy: list[Server] = []  #: on shift, serving
        self.owed: list[Server] = []  #: off shift, finishing a customer
        self.waiting: deque[tuple[simpy.Event, float, float]] = deque()  #: turn, since, service
        self.area_waiting = self.area_busy = 0.0
        env.process(self.shifts(changes))

    def shifts(self, changes: Iterable[tuple[float, int]]) -> Process:
        for at, servers in changes:
            yield self.env.timeout(at - self.env.now)
            more = servers - len(self.idle) - len(self.busy)
            finishing = sorted((s for s in self.owed if s.ends > at), key=lambda s: s.ends)
            for server in finishing[max(0, len(finishing) - more) :] if more > 0 else ():
                self.owed.remove(server)
                self.busy.append(server)
                more -= 1
            self.idle += [Server() for _ in range(more)]
            for _ in range(-more):
                if self.idle:
                    self.idle.pop()
                else:
                    first = min(self.busy, key=lambda s: s.ends)
                    self.busy.remove(first)
                    self.owed.append(first)
            self.serve()

    def join(self, service: float) -> simpy.Event:
        """Queue up; the event succeeds, with the server, when a server takes the customer."""
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
        while self.idle and self.waiting:
            turn, since, service = self.waiting.popleft()
            server = self.idle.pop()
            server.ends = now + service
            self.busy.append(server)
            self.area_waiting += self.overlap(since, now)
            self.area_busy += self.overlap(now, server.ends)
            turn.succeed(server)

    def done(self, server: Server) -> None:
        """A service ends: the server takes the next customer, or leaves when off shift."""
        if server in self.owed:
            self.owed.remove(server)
        else:
            self.busy.remove(server)
            self.idle.append(server)
            self.serve()

    def close(self) -> None:
        """At the horizon: those still in line have waited until then."""
        for _, since, _ in self.waiting:
            self.area_waiting += self.overlap(since, self.window[1])

    def overlap(self, a: float, b: float) -> float:
        a, b = max(a, self.window[0]), min(b, self.window[1])
        return b - a if b > a else 0.0
