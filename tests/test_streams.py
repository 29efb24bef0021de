"""Keyed random numbers: a draw depends on its key alone, whatever is drawn with it or when."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import truthsim
from truthsim.engine.plan import Plan
from truthsim.engine.streams import BATCH, Streams, keys, tag

TANDEM = str(Path(__file__).parents[1] / "benchmarks" / "tandem.yaml")


def streams(name: str = "airline") -> Streams:
    plan = Plan(truthsim.load_scenario(name))
    return Streams(2026, plan.slots, plan.transforms, plan.derived)


def test_vectorised_draws_are_the_scalar_draws() -> None:
    s = streams()
    customers = keys(tag("prospect"), np.arange(1, 300))
    purpose = tag("market")
    assert s.draws(customers, purpose) == [s.draw(c, purpose) for c in customers.tolist()]


@pytest.mark.parametrize("name", ["airline", TANDEM])  # rows as views, rows as lists
def test_a_journeys_numbers_do_not_depend_on_its_batch(name: str) -> None:
    """Announced in different orders, at different times, filled in different batches: the same
    numbers for every journey."""
    alone, crowded = streams(name), streams(name)
    assert alone.views == (name == "airline")
    alone.expect(7, 3, 10.0)
    single = list(alone.journey(7, 3))
    for c in range(600):  # hundreds of sooner journeys: (7, 3) lands in a later batch
        crowded.expect(c + 100, 0, float(c))
    crowded.expect(7, 3, 1e6)
    for c in range(600):
        crowded.journey(c + 100, 0)
    assert list(crowded.journey(7, 3)) == single


def test_only_the_soonest_journeys_hold_numbers() -> None:
    """Customers coming back in weeks hold no numbers while they wait: a batch takes the
    journeys of the soonest days, as many days as make a batch."""
    s = streams()
    for c in range(5000):  # 24 journeys a day for 208 days
        s.expect(c, 1, c * 60.0)
    s.journey(0, 1)
    assert BATCH <= len(s._ready) + 1 < BATCH + 24


def test_a_forgotten_journey_is_never_drawn_and_its_key_not_kept() -> None:
    s = streams()
    for c in range(10):
        s.expect(c, 0, float(c))
    s.forget(3, 0)
    s.journey(0, 0)
    assert (3, 0) not in s._ready and not s._forgotten
    with pytest.raises(KeyError):
        s.journey(3, 0)  # never announced (any more): a bug in the caller, said loudly


def test_a_batch_draws_only_what_the_scenario_reads() -> None:
    """The tandem reads a service time and an outcome per station, the return decision and the
    gap to the next journey: nothing for patience, failures or choices it does not have."""
    plan = Plan(truthsim.load_scenario(TANDEM))
    assert len(plan.slots) == 6 * 2 + 2
    assert len({c for step in plan.steps for c in step.visits[0]}) == 6 * 2 + 1
