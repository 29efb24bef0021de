"""A replication's housekeeping: what it leaves behind once its results are out."""

from __future__ import annotations

import gc

import pytest

import truthsim
from truthsim.engine import simulate


@pytest.mark.slow
def test_a_finished_replication_leaves_nothing_to_the_cycle_collector() -> None:
    """Customers waiting to come back, people in line and scheduled events all refer back to
    the run; it drops them itself, so its objects are freed at once, not by a collection."""
    scenario = truthsim.load_scenario("airline")
    gc.collect()
    gc.disable()
    try:
        result = simulate(scenario, horizon_days=60)
        left = gc.collect()
    finally:
        gc.enable()
    assert len(result.journeys) > 3000
    assert left < 100, f"{left} objects left for the cycle collector"


@pytest.mark.slow
def test_the_collector_is_as_it_was_after_a_replication() -> None:
    """Off during a run, the cycle collector is on again after it, or still off if it was."""
    before = gc.get_threshold()
    simulate(truthsim.load_scenario("airline"), horizon_days=40)
    assert gc.isenabled() and gc.get_threshold() == before
    gc.disable()
    try:
        simulate(truthsim.load_scenario("airline"), horizon_days=35)
        assert not gc.isenabled()
    finally:
        gc.enable()
