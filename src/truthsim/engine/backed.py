"""A staffed touchpoint whose agents may need an internal one mid-service: a line that moves
event by event.

At a plain staffed touchpoint a wait is known on arrival (see ``desks``), because every service
before it is known. Where a share of the moments needs an internal touchpoint (a back office),
a service lasts as long as the agent waits there, and that depends on what other front desks
ask of it in the meantime; so here a customer joins the line, a server takes them when one is
free, and the service's length is known only as it begins: the agent asks the internal
touchpoint then, whose own line (a ``Desks``, its requests coming in time order) answers at
once. That rests on internal touchpoints needing no other and having no patience (the
scenario refuses both): an internal line must be a plain ``Desks``. Events: a server coming
free, a customer giving up, a shift change.

The semantics are those of the reference model's line (engine.reference_line): servers as a
count, a shift that ends leaving those in service to finish, servers coming on shift taking the
first in line at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from truthsim.behaviour.load import recent_load
from truthsim.engine.calendar import Calendar, Wake
from truthsim.engine.desks import NEVER, Desks
from truthsim.engine.internal import serve

if TYPE_CHECKING:
    from truthsim.engine.journey import Journey


class Waiting:
    """A customer in line (``waiting`` is False once served or gone)."""

    __slots__ = ("journey", "since", "waiting")

    def __init__(self, journey: Journey, since: float) -> None:
        self.journey, self.since = journey, since
        self.waiting = True


class BackedDesks:
    """Servers as ``staffing`` says ((time, servers) in time order) serving a FIFO line whose
    services may call on an internal touchpoint; the areas under the counts waiting and in
    service over ``[start, end)``; the servers' busy share over ``load_window`` where load moves
    outcomes (as :class:`~truthsim.engine.desks.Desks` keeps them)."""

    backed = True  #: journeys join the line and are called back (Desks answers at once)

    __slots__ = (
        "_changes",
        "area_busy",
        "area_waiting",
        "calendar",
        "end",
        "load_window",
        "patient",
        "recent",
        "servers",
        "serving",
        "start",
        "waiting",
    )  # fmt: skip

    def __init__(
        self,
        calendar: Calendar,
        staffing: Iterable[tuple[float, int]],
        start: float,
        end: float,
        patient: bool,
        load_window: float | None = None,
    ) -> None:
        self.calendar = calendar
        self._changes = iter(staffing)
        self.servers = next(self._changes)[1]  #: on shift now
        self.serving = 0  #: customers in service, some perhaps past their server's shift
        self.waiting: deque[Waiting] = deque()
        self.start, self.end = start, end
        self.patient = patient
        self.area_waiting = self.area_busy = 0.0
        self.load_window = load_window
        self.recent: deque[tuple[float, float]] | None = deque() if load_window else None
        self._next_change()

    def join(self, journey: Journey, now: float, patience: float) -> None:
        """``journey`` joins the line at ``now``; it is served as a server takes it
        (``internal.serve``, then ``Journey.resume`` once the server's end is scheduled: a
        service that ends as the journey's next step begins frees its server first, as in the
        reference) or as its ``patience`` runs out (``Journey.gave_up``)."""
        entry = Waiting(journey, now)
        self.waiting.append(entry)
        if patience < NEVER:
            self.calendar.at(Wake(lambda wake: self._give_up(entry, wake)), now + patience)  # type: ignore[arg-type]
        self._serve(now)

    def _serve(self, now: float) -> None:
        waiting = self.waiting
        while self.serving < self.servers and waiting:
            entry = waiting.popleft()
            if not entry.waiting:
                continue  # gave up already
            entry.waiting = False
            self.serving += 1
            load = 0.0
            if self.recent is not None:
                load = recent_load(self.recent, now, self.load_window, self.servers)  # type: ignore[arg-type]
            journey = entry.journey
            ends = serve(journey, now, load)
            if self.recent is not None:
                self.recent.append((now, ends))
            self.area_waiting += self.overlap(entry.since, now)
            self.area_busy += self.overlap(now, ends)
            if ends < NEVER:  # the server comes free before the journey goes on, as it does
                self.calendar.at(Wake(self._done), ends)  # type: ignore[arg-type]
            journey.resume()

    def _done(self, wake: Wake) -> None:
        """A service ends: its server takes the next in line."""
        self.serving -= 1
        self._serve(self.calendar.env.now)

    def _give_up(self, entry: Waiting, wake: Wake) -> None:
        if entry.waiting:
            entry.waiting = False
            now = self.calendar.env.now
            self.area_waiting += self.overlap(entry.since, now)
            entry.journey.gave_up(now)

    def _next_change(self) -> None:
        at, servers = next(self._changes, (NEVER, 0))
        if at < NEVER:
            self.calendar.at(Wake(lambda wake: self._change(servers)), at)  # type: ignore[arg-type]

    def _change(self, servers: int) -> None:
        """The shift changes now: ``servers`` on shift from here on."""
        self.servers = servers
        self._next_change()
        self._serve(self.calendar.env.now)

    def close(self) -> None:
        """At the end of the run: those still in line have waited until then."""
        for entry in self.waiting:
            if entry.waiting:
                self.area_waiting += self.overlap(entry.since, self.end)

    overlap = Desks.overlap  # how much of [a, b) falls in the observed window
