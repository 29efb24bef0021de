"""Staffed touchpoints: waits computed on arrival against a line that moves event by event.

The engine computes a customer's wait when they arrive (``Desks``: the Kiefer-Wolfowitz
recursion, with shift changes). Here a small event-by-event line written from the model's
definition (servers on shift take the first in line; a server whose shift ends finishes its
customer first; the impatient leave the line) is fed the visits a run recorded, and must give
every customer the same wait and the same decision to give up.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from truthsim.engine import simulate
from truthsim.engine.desks import Desks

FOREVER = math.inf


def moving_line(
    visits: list[tuple[float, float, float]], staffing: list[tuple[float, int]]
) -> list[float | None]:
    """Service starts (None: gave up) of ``visits`` (arrival, service, patience), in order of
    arrival, at servers changed by ``staffing`` (time, servers), one event at a time. At the
    same moment a shift change comes first, then the end of a service, then giving up."""
    servers = staffing[0][1]
    free = servers  # below zero while servers whose shift ended finish their customers
    line: deque[int] = deque()
    start: list[float | None] = [None] * len(visits)
    events = [(t, 0, i, n) for i, (t, n) in enumerate(staffing[1:])]
    events += [(t, 3, i, 0) for i, (t, _, _) in enumerate(visits)]
    heapq.heapify(events)

    def serve(i: int, now: float) -> None:
        start[i] = now
        heapq.heappush(events, (now + visits[i][1], 1, i, 0))

    while events:
        now, kind, i, n = heapq.heappop(events)
        if kind == 0:  # shift change
            free += n - servers
            servers = n
            while free > 0 and line:
                free -= 1
                serve(line.popleft(), now)
        elif kind == 1:  # a service ends
            if line and free >= 0:
                serve(line.popleft(), now)
            else:
                free += 1
        elif kind == 2:  # patience runs out
            if i in line:
                line.remove(i)
        elif free > 0 and not line:  # an arrival finds a free server
            free -= 1
            serve(i, now)
        else:
            line.append(i)
            if visits[i][2] < FOREVER:
                heapq.heappush(events, (now + visits[i][2], 2, i, 0))
    return start


def test_waits_on_arrival_are_those_of_the_line_moving_event_by_event() -> None:
    shifts = [[0, 1], [6, 3], [9, 1], [12, 2], [17, 0], [19, 2]]  # closed 17-19: only waiting
    desk = station({"schedule": shifts}, 6.0, patience={"kind": "exponential", "mean": 10.0})
    counter = station(1, 2.5)  # a fixed server, nobody gives up
    scenario = make_scenario(
        {"desk": desk, "counter": counter}, per_day=400.0, horizon_days=4.0, baseline_return=0.5
    )
    result = simulate(scenario, seed=3)
    horizon = 4.0 * 1440
    for i, staffing in enumerate(
        (list(scenario.touchpoints["desk"].servers.changes(horizon)), [(0.0, 1)])
    ):
        m = result.moments[result.moments["touchpoint"] == i]
        m = m[np.argsort(m["arrival"], kind="stable")]
        # the records hold what the line needs: service of the served, patience of those who
        # gave up (their wait); visits the horizon cut short are not recorded, so only
        # customers who arrived half a day before it are compared
        visits = [
            (a, s, w if gave_up else FOREVER)
            for a, w, s, gave_up in zip(
                m["arrival"], m["wait"], m["service"], m["abandoned"], strict=True
            )
        ]
        expected = moving_line(visits, staffing)
        compared = m["arrival"] < horizon - 720.0
        gave_up = np.array([s is None for s in expected])
        np.testing.assert_array_equal(gave_up[compared], m["abandoned"][compared])
        starts = np.array([np.nan if s is None else s for s in expected])
        served = compared & ~gave_up
        np.testing.assert_allclose(
            starts[served], (m["arrival"] + m["wait"])[served], rtol=1e-12, atol=1e-9
        )
        waited = (m["wait"][served] > 0).mean()
        assert served.sum() > 1000 and waited > 0.2, ("a line worth checking", i, waited)
    assert result.moments["abandoned"][result.moments["touchpoint"] == 0].mean() > 0.05


def test_a_customer_takes_the_server_free_soonest_and_gives_up_without_one() -> None:
    desks = Desks([(0.0, 2)], start=0.0, end=100.0, patient=False)
    assert desks.arrive(0.0, 5.0, FOREVER) == 0.0  # a server free: busy until 5
    assert desks.arrive(1.0, 2.0, FOREVER) == 1.0  # the other: busy until 3
    assert desks.arrive(2.0, 1.0, FOREVER) == 3.0  # waits for the one free at 3, busy until 4
    assert desks.arrive(2.5, 1.0, 0.5) is None  # would wait until 4: gives up at 3
    assert desks.arrive(2.6, 1.0, FOREVER) == 4.0  # the server the quitter left: until 5
    assert desks.arrive(4.5, 1.0, 1.0) == 5.0  # both free at 5: waits 0.5
    assert desks.arrive(4.6, 1.0, 0.3) is None  # the other server at 5 too, but too late
    assert desks.area_waiting == pytest.approx(1.0 + 0.5 + 1.4 + 0.5 + 0.3)
    assert desks.area_busy == pytest.approx(5.0 + 2.0 + 1.0 + 1.0 + 1.0)


def test_servers_coming_on_shift_take_the_first_in_line() -> None:
    desks = Desks([(0.0, 1), (10.0, 3)], start=0.0, end=100.0, patient=True)
    assert desks.arrive(0.0, 30.0, FOREVER) == 0.0
    assert desks.arrive(1.0, 5.0, FOREVER) == 10.0  # two servers come at 10
    assert desks.arrive(2.0, 5.0, 5.0) is None  # one is free at 10, but too late: gone at 7
    assert [desks.arrive(t, 5.0, FOREVER) for t in (3.0, 4.0)] == [10.0, 15.0]


def test_a_server_whose_shift_ends_finishes_its_customer_first() -> None:
    desks = Desks([(0.0, 2), (10.0, 1)], start=0.0, end=100.0, patient=True)
    assert desks.arrive(0.0, 20.0, FOREVER) == 0.0  # until 20
    assert desks.arrive(1.0, 15.0, FOREVER) == 1.0  # until 16, then this server leaves
    assert desks.arrive(11.0, 1.0, FOREVER) == 20.0  # so the next is served at 20


def test_a_server_due_to_leave_stays_when_the_schedule_brings_one_back() -> None:
    desks = Desks([(0.0, 1), (10.0, 0), (12.0, 1)], start=0.0, end=100.0, patient=True)
    assert desks.arrive(5.0, 10.0, FOREVER) == 5.0  # busy until 15, off shift from 10
    # back on shift at 12, the same server still busy: no server is free before 15
    assert desks.arrive(11.0, 1.0, FOREVER) == 15.0


def test_of_the_servers_due_to_leave_the_last_to_finish_stays() -> None:
    desks = Desks([(0.0, 2), (10.0, 0), (20.0, 1)], start=0.0, end=100.0, patient=True)
    assert desks.arrive(0.0, 50.0, FOREVER) == 0.0  # until 50
    assert desks.arrive(1.0, 59.0, FOREVER) == 1.0  # until 60
    # both off shift at 10; one back at 20: the first to finish (50) still leaves, so the
    # next customer is served when the other is done
    assert desks.arrive(21.0, 1.0, FOREVER) == 60.0


def test_nobody_is_served_by_servers_that_never_come() -> None:
    desks = Desks([(0.0, 0)], start=0.0, end=100.0, patient=True)
    assert desks.arrive(1.0, 1.0, FOREVER) is None
    assert desks.area_waiting == pytest.approx(99.0)  # waiting to the horizon


def test_only_the_observed_window_is_integrated() -> None:
    desks = Desks([(0.0, 1)], start=10.0, end=20.0, patient=False)
    assert desks.arrive(8.0, 5.0, FOREVER) == 8.0  # in service 8-13: 3 observed
    assert desks.arrive(9.0, 15.0, FOREVER) == 13.0  # waits 9-13 (3 observed), serves 13-28 (7)
    assert desks.arrive(12.0, 1.0, 2.0) is None  # waits 12-14, then gives up: 2 observed
    assert desks.arrive(25.0, 1.0, FOREVER) == 28.0  # after the horizon: nothing observed
    assert desks.area_waiting == pytest.approx(3.0 + 2.0)
    assert desks.area_busy == pytest.approx(3.0 + 7.0)
