"""Fixed servers, whose waits are known on arrival, against the queue that moves event by event.

A touchpoint with a fixed number of servers is simulated by ``Desks`` (the Kiefer-Wolfowitz
recursion, no event at the end of a service); one with a staffing schedule by ``Station``
(a line that moves as servers are released). With a schedule that never changes both describe
the same queue, so every customer must wait, give up and come back exactly alike.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from truthsim.engine import simulate
from truthsim.engine.desks import Desks

FOREVER = math.inf


def _scenario(scheduled: bool, **extra):
    def servers(n: int) -> object:
        return {"schedule": [[0, n]]} if scheduled else n

    waits = {"tolerance": 1.0, "doubling": 2.0}  # waiting sours the moment: outcomes follow waits
    desk = station(servers(2), 3.0, patience={"kind": "exponential", "mean": 4.0}, wait=waits)
    counter = station(servers(1), 1.8, wait=waits)
    return make_scenario(
        {"desk": desk, "counter": counter, "kiosk": station(None, 2.0)},
        per_day=800.0,
        horizon_days=3.0,
        warmup_days=0.3,
        baseline_return=0.5,
        **extra,
    )


def _same(a: np.ndarray, b: np.ndarray, table: str) -> None:
    """Discrete fields equal, times equal up to rounding (the two add the same times in
    different orders)."""
    assert len(a) == len(b), table
    for field in a.dtype.names:
        if a[field].dtype.kind == "f":
            np.testing.assert_allclose(a[field], b[field], rtol=1e-12, atol=1e-9, err_msg=table)
        else:
            np.testing.assert_array_equal(a[field], b[field], err_msg=f"{table}.{field}")


@pytest.mark.parametrize("run_off", [False, True])
def test_fixed_servers_give_what_the_moving_queue_gives(run_off: bool) -> None:
    extra = {"value": {"run_off_days": 2.0}} if run_off else {}
    fixed = simulate(_scenario(False, **extra), seed=5, run_off=run_off)
    moving = simulate(_scenario(True, **extra), seed=5, run_off=run_off)

    # moments are written on arrival at fixed servers, as they end at a schedule: same rows,
    # another order
    def ordered(m: np.ndarray) -> np.ndarray:
        return m[np.lexsort((m["arrival"], m["touchpoint"], m["journey"], m["customer"]))]

    _same(ordered(fixed.moments), ordered(moving.moments), "moments")
    for table in ("journeys", "customers", "causes"):
        _same(getattr(fixed, table), getattr(moving, table), table)
    for a, b in zip(fixed.touchpoints, moving.touchpoints, strict=True):
        for key in ("visits", "mean_wait", "abandonment", "mean_queue", "mean_in_service"):
            assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), (a["touchpoint"], key)
    desk, counter = fixed.touchpoints[0], fixed.touchpoints[1]
    assert desk["abandonment"] > 0.02 and counter["mean_wait"] > 0.5, "a queue worth comparing"


def test_a_customer_takes_the_server_free_soonest_and_gives_up_without_one() -> None:
    desks = Desks(2, start=0.0, end=100.0)
    assert desks.arrive(0.0, 5.0, FOREVER) == 0.0  # a server free: busy until 5
    assert desks.arrive(1.0, 2.0, FOREVER) == 1.0  # the other: busy until 3
    assert desks.arrive(2.0, 1.0, FOREVER) == 3.0  # waits for the one free at 3, busy until 4
    assert desks.arrive(2.5, 1.0, 0.5) is None  # would wait until 4: gives up at 3
    assert desks.arrive(2.6, 1.0, FOREVER) == 4.0  # the server the quitter left: until 5
    assert desks.arrive(4.5, 1.0, 1.0) == 5.0  # both free at 5: waits 0.5
    assert desks.area_waiting == pytest.approx(1.0 + 0.5 + 1.4 + 0.5)
    assert desks.area_busy == pytest.approx(5.0 + 2.0 + 1.0 + 1.0 + 1.0)


def test_only_the_observed_window_is_integrated() -> None:
    desks = Desks(1, start=10.0, end=20.0)
    assert desks.arrive(8.0, 5.0, FOREVER) == 8.0  # in service 8-13: 3 observed
    assert desks.arrive(9.0, 15.0, FOREVER) == 13.0  # waits 9-13 (3 observed), serves 13-28 (7)
    assert desks.arrive(12.0, 1.0, 2.0) is None  # waits 12-14, then gives up: 2 observed
    assert desks.arrive(25.0, 1.0, FOREVER) == 28.0  # after the horizon: nothing observed
    assert desks.area_waiting == pytest.approx(3.0 + 2.0)
    assert desks.area_busy == pytest.approx(3.0 + 7.0)
