"""Staff under load: the servers' recent busy share, which a touchpoint may let move its outcomes
(see :class:`~truthsim.behaviour.outcome.OutcomeModel`; Heskett et al.'s service-profit chain:
how staff are stretched shows in the service customers get).

A moment's load is measured as its service starts: the minutes of service given at the
touchpoint over the last ``window`` minutes, over the minutes the servers on shift then would
have in that window (at most 1). The customer's own service is not in it: it has not begun.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


def busy_share(
    services: Iterable[tuple[float, float]], at: float, window: float, servers: int
) -> float:
    """The servers' busy share over ``[at - window, at)``, from the (start, end) of every
    service begun before ``at`` (older ones may be left out) and the ``servers`` on shift at
    ``at``."""
    since = at - window
    busy = 0.0
    for start, end in services:
        if end > since and start < at:
            busy += min(end, at) - max(start, since)
    return min(busy / (servers * window), 1.0) if servers > 0 else 1.0


def recent_load(
    services: deque[tuple[float, float]], at: float, window: float, servers: int
) -> float:
    """:func:`busy_share` at ``at`` over a deque of services kept in order of their start,
    first dropping from it those that can no longer count (a line measures as it goes)."""
    forget_before(services, at - window)
    return busy_share(services, at, window, servers)


def forget_before(services: deque[tuple[float, float]], since: float) -> None:
    """Drop from the front the services that ended by ``since`` (they can no longer count)."""
    while services and services[0][1] <= since:
        services.popleft()
