"""A staffed touchpoint: servers, a first-come-first-served line, and waits known on arrival.

A customer's wait depends only on the customers who arrived before them (how long each is
served, whether each gave up) and on the staffing, and all of that is known when they arrive:
service and patience are drawn with the journey, a staffing schedule is fixed in advance. So
the wait is computed on arrival by following the servers forward in time, the Kiefer-Wolfowitz
recursion (Lindley's for one server) with shift changes: the customer takes the first server
to come free, or gives up when patience runs out first, leaving the servers to the next in
line. The journey arrives (an event, so that arrivals are taken in time order) and goes on at
once, its wait and service joining its time on the way, as self-service does: no event for the
end of a service, none for patience, none for a shift change.

The semantics are those of a line that moves event by event (a SimPy ``Resource`` with a
number of servers that a schedule changes): servers coming on shift take the first in line at
once; a server whose shift ends finishes the customer being served first (the first to finish
leaves), and goes on serving if the schedule brings servers back before then. A shift change
at the very moment a service ends is taken first.

The time-integrals of the line (customers waiting, customers in service) are added customer by
customer, each one's time in line and in service clipped to the observed window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from heapq import heappop, heappush, heapreplace

from truthsim.behaviour.load import recent_load

NEVER = float("inf")


class Desks:
    """NOTE (speed): replaces a SimPy ``Resource`` whose capacity a schedule changes, with
    requests raced against patience (see the module's docstring for the semantics kept).

    Servers as ``staffing`` says, ``(time, servers)`` from the start in time order, serving a
    FIFO line; the areas under the counts over the observed window ``[start, end)`` (the end of
    the warm-up to the horizon). ``patient``: nobody gives up (no patience is set).
    ``load_window``: where load moves outcomes, the minutes over which :attr:`load`, the
    servers' busy share as the last customer's service began, is measured."""

    backed = False  #: the wait is known on arrival (see engine.backed for a line that is not)

    __slots__ = ("_changes", "area_busy", "area_waiting", "change_at", "change_to", "end",
                 "free_at", "load", "load_window", "owed", "patient", "recent", "servers",
                 "start")  # fmt: skip

    def __init__(
        self,
        staffing: Iterable[tuple[float, int]],
        start: float,
        end: float,
        patient: bool,
        load_window: float | None = None,
    ) -> None:
        self._changes = iter(staffing)
        opens, self.servers = next(self._changes)  #: servers on shift
        self.free_at = [opens] * self.servers  #: a heap: when each server on shift is next free
        self.owed: list[float] = []  #: when each server whose shift has ended finishes
        self.change_at, self.change_to = next(self._changes, (NEVER, 0))  #: the next change
        self.start, self.end = start, end
        self.patient = patient
        self.area_waiting = 0.0
        self.area_busy = 0.0
        self.load_window = load_window
        self.load = 0.0  #: the servers' busy share as the last service began (where measured)
        #: (start, end) of the services that may still count in the load (where measured)
        self.recent: deque[tuple[float, float]] | None = deque() if load_window else None

    def arrive(self, now: float, service: float, patience: float) -> float | None:
        """A customer arrives at ``now``, after everyone arrived so far: the time their service
        starts, or None when their ``patience`` runs out first (they leave at
        ``now + patience`` and no server is theirs)."""
        free_at = self.free_at
        while True:
            start = free_at[0] if free_at else NEVER
            if start < now:
                start = now
            if self.change_at > start or self.change_at == NEVER:
                break
            self._change()  # a shift changes before this customer is served: it counts
        gives_up = now + patience
        if start > gives_up or start == NEVER:  # (never: no server will ever come)
            self.area_waiting += self.overlap(now, gives_up)
            return None
        ends = start + service
        heapreplace(free_at, ends)
        if self.recent is not None:
            self.load = recent_load(self.recent, start, self.load_window, self.servers)  # type: ignore[arg-type]
            self.recent.append((start, ends))
        if now >= self.start and ends <= self.end:  # all of it observed: the common case
            self.area_waiting += start - now
            self.area_busy += service
        else:
            self.area_waiting += self.overlap(now, start)
            self.area_busy += self.overlap(start, ends)
        return start

    def _change(self) -> None:
        """The next shift change."""
        at, free_at = self.change_at, self.free_at
        more = self.change_to - self.servers
        self.servers = self.change_to
        if more > 0:  # servers due to leave stay on (the last to finish), then new ones come
            owed = sorted(f for f in self.owed if f > at)  # the others have left already
            stay = owed[max(0, len(owed) - more) :]
            self.owed = owed[: len(owed) - len(stay)]
            for f in stay + [at] * (more - len(stay)):
                heappush(free_at, f)
        for _ in range(-more):  # servers leaving: free ones now, then the next to finish
            f = heappop(free_at)
            if f > at:
                self.owed.append(f)
        self.change_at, self.change_to = next(self._changes, (NEVER, 0))

    def overlap(self, a: float, b: float) -> float:
        """How much of ``[a, b)`` falls in the observed window."""
        a, b = max(a, self.start), min(b, self.end)
        return b - a if b > a else 0.0
