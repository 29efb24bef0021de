"""The servers' busy share as each moment's service began, measured from a firm's own moments.

Where a touchpoint says its servers serve worse under load, the engine measures the busy share
with :func:`truthsim.behaviour.load.busy_share` as each service begins. Calibration needs the
same number for every moment in the data, so it is computed here from the data themselves:
every moment at the touchpoint that was served (whether or not its customer answered a survey)
gives the interval from arrival + wait to arrival + wait + service, and the servers on shift
come from the scenario (a number, or its schedule at that time). :func:`busy_shares` is
``busy_share`` over arrays (one pass of sorting, not one scan of the window per moment).
"""

from __future__ import annotations

import numpy as np

from truthsim.calibration.datasets import Moments
from truthsim.scenario.staffing import MINUTES_PER_DAY, Schedule

#: 1970-01-01 (the origin of timestamps) was a Thursday; the simulation's day 0 is a Monday
_EPOCH_WEEKDAY = 3


def busy_shares(
    start: np.ndarray, end: np.ndarray, at: np.ndarray, window: float, servers: np.ndarray
) -> np.ndarray:
    """The busy share over ``[at - window, at)`` for each of ``at``, given the ``start`` and
    ``end`` of every service and the ``servers`` on shift at each ``at`` (at most 1; 1 where
    nobody is on shift): ``busy_share`` for many moments at once.

    The minutes of service in ``[a, b)`` are ``G(b) - G(a)`` with ``G(x)``, the minutes of
    service given before ``x``, summed from the sorted starts and ends; a service that starts
    at ``at`` or later gives nothing before ``at``, so the customer's own is left out, as the
    rule has it."""
    starts, ends = np.sort(start), np.sort(end)
    cum_starts = np.concatenate([[0.0], np.cumsum(starts)])
    cum_ends = np.concatenate([[0.0], np.cumsum(ends)])

    def given_before(x: np.ndarray) -> np.ndarray:
        begun = np.searchsorted(starts, x, side="right")
        ended = np.searchsorted(ends, x, side="right")
        return (begun * x - cum_starts[begun]) - (ended * x - cum_ends[ended])

    busy = given_before(at) - given_before(at - window)
    servers = np.asarray(servers, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.minimum(np.maximum(busy, 0.0) / (servers * window), 1.0)
    return np.where(servers > 0, share, 1.0)


def servers_at(servers: int | Schedule, times: np.ndarray, origin: float | None) -> np.ndarray:
    """The servers on shift at each time (minutes of the data). ``origin``: the data's clock
    as minutes since 1970 (UTC) where times were timestamps, so a schedule is read at the hour
    and weekday they show; None where times are the simulation's minutes (day 0 a Monday)."""
    if not isinstance(servers, Schedule):
        return np.full(len(times), float(servers))
    clock = times if origin is None else times + origin + _EPOCH_WEEKDAY * MINUTES_PER_DAY
    return np.array([servers.at(float(t)) for t in clock], dtype=float)


def moment_loads(
    moments: Moments,
    touchpoint: int,
    servers: int | Schedule,
    window: float,
    origin: float | None = None,
) -> tuple[np.ndarray | None, str]:
    """Each moment's busy share as its service began (NaN for moments elsewhere or
    abandoned), and how many services it rests on; or None and why it cannot be measured."""
    needed = ("arrival", "wait", "service")
    missing = [c for c in needed if c not in moments.columns]
    if missing:
        return None, (
            f"moments.csv has no {', '.join(repr(c) for c in missing)} column: the servers' "
            "busy share needs when every service began and ended"
        )
    here = (moments.touchpoint == touchpoint) & ~moments.abandoned
    arrival, wait, service = moments.order[here], moments.wait[here], moments.service[here]
    gaps = int(np.count_nonzero(np.isnan(arrival) | np.isnan(wait) | np.isnan(service)))
    if gaps:
        return None, (
            f"{gaps:,} served moments lack an arrival, wait or service: the servers' busy "
            "share needs every service given there"
        )
    start = arrival + wait
    end = start + service
    share = busy_shares(start, end, start, window, servers_at(servers, start, origin))
    out = np.full(len(moments), np.nan)
    out[here] = share
    return out, f"the servers' busy share from {len(start):,} services"
