"""A replication's housekeeping: what it leaves behind once its results are out."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

import truthsim
from truthsim.engine import simulate

#: one replication in a fresh interpreter (after a short one that imports and loads what a
#: first run needs): threads other tests leave running (a Dask client's event loop) make
#: garbage of their own while it runs, which the count would include
ALONE = """
import gc
import truthsim
from truthsim.engine import simulate
scenario = truthsim.load_scenario("airline")
simulate(scenario, horizon_days=5)  # imports done and the day-0 base loaded: not the run's
gc.collect()
gc.disable()
result = simulate(scenario, horizon_days=60)
print(len(result.journeys), gc.collect())
"""


@pytest.mark.slow
def test_a_finished_replication_leaves_nothing_to_the_cycle_collector() -> None:
    """Customers waiting to come back, people in line and scheduled events all refer back to
    the run; it drops them itself, so its objects are freed at once, not by a collection."""
    done = subprocess.run([sys.executable, "-c", ALONE], capture_output=True, text=True, check=True)
    journeys, left = map(int, done.stdout.split())
    assert journeys > 3000
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
