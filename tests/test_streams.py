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
    single = list(alone.numbers(alone.expect(7, 3, 10.0)))
    sooner = [crowded.expect(c + 100, 0, float(c)) for c in range(600)]
    late = crowded.expect(7, 3, 1e6)  # hundreds of sooner journeys: (7, 3) lands in a later batch
    for ticket in sooner:
        crowded.numbers(ticket)
    assert late.row is None
    assert list(crowded.numbers(late)) == single


def test_only_the_soonest_journeys_hold_numbers() -> None:
    """Customers coming back in weeks hold no numbers while they wait: a batch takes the
    journeys of the soonest days, as many days as make a batch."""
    s = streams()
    tickets = [s.expect(c, 1, c * 60.0) for c in range(5000)]  # 24 journeys a day for 208 days
    s.numbers(tickets[0])
    holding = [t.row is not None for t in tickets]
    assert BATCH <= sum(holding) < BATCH + 24
    assert all(holding[: sum(holding)])  # the soonest ones


def test_a_forgotten_journey_is_never_drawn() -> None:
    s = streams()
    tickets = [s.expect(c, 0, float(c)) for c in range(10)]
    s.forget(tickets[3])
    s.numbers(tickets[0])
    assert tickets[3].row is None and all(t.row is not None for t in tickets[4:])
    with pytest.raises(KeyError):
        s.numbers(tickets[3])  # called off: a bug in the caller, said loudly
    drawn = s.numbers(tickets[5])
    s.forget(tickets[5])  # called off after it was drawn: its numbers are let go
    assert drawn is not None and tickets[5].row is None


def test_a_batch_draws_only_what_the_scenario_reads() -> None:
    """The tandem reads a service time and an outcome per station, the return decision and the
    gap to the next journey: nothing for patience, failures or choices it does not have."""
    plan = Plan(truthsim.load_scenario(TANDEM))
    assert len(plan.slots) == 6 * 2 + 2
    assert len({c for step in plan.steps for c in step.visits[0]}) == 6 * 2 + 1
