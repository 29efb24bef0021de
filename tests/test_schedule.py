"""What the engine puts on SimPy's schedule, and when.

Events due on a later day wait in a calendar until their day begins; a journey is decided as
soon as its last moment is known, and the two effects other customers see (a customer lost to
the market, prospects deterred) count from the journey's end, not from the decision.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from simpy.events import NORMAL

from tests.conftest import make_scenario, station
from truthsim.engine.calendar import Wake
from truthsim.engine.customer import Customer
from truthsim.engine.plan import Plan
from truthsim.engine.simulation import Simulation
from truthsim.engine.streams import root_from_seed
from truthsim.scenario.schema import MINUTES_PER_DAY


def quiet_simulation(**extra: Any) -> Simulation:
    """A simulation whose days run but whose prospects never come: only what a test schedules."""
    scenario = make_scenario({"desk": station()}, horizon_days=30, **extra)
    sim = Simulation(Plan(scenario), root_from_seed(1))
    sim.calendar.start()
    return sim


def test_events_come_at_their_own_times_in_time_order_whatever_day_they_fall_on() -> None:
    sim = quiet_simulation()
    seen: list[tuple[float, float]] = []

    def at(time: float) -> None:
        def called(_: Wake) -> None:
            seen.append((time, sim.env.now))
            if len(seen) < 200:  # events scheduled from events: the same day and days ahead
                at(sim.env.now + 0.25)
                at(sim.env.now + 3.5 * MINUTES_PER_DAY)

        sim.calendar.at(Wake(called), time)  # type: ignore[arg-type]

    rng = np.random.default_rng(7)
    times = [*rng.uniform(0.0, 20 * MINUTES_PER_DAY, 300), MINUTES_PER_DAY, 5 * MINUTES_PER_DAY]
    for time in times:
        at(float(time))
    direct = rng.uniform(0.0, 20 * MINUTES_PER_DAY, 100)  # beside events SimPy schedules itself
    for delay in direct.tolist():
        wake = Wake(lambda _, t=delay: seen.append((t, sim.env.now)))
        sim.env.schedule(wake, NORMAL, delay)  # type: ignore[arg-type]
    sim.env.run(until=30 * MINUTES_PER_DAY)

    assert len(seen) == len(times) + 2 * 199 + len(direct)
    assert all(time == now for time, now in seen)  # each at its time, to the last bit
    assert [now for _, now in seen] == sorted(now for _, now in seen)


def test_a_customer_lost_ahead_of_the_journeys_end_stays_active_until_then() -> None:
    sim = quiet_simulation()
    customer = Customer(0, 1, sim.plan.segments[0], 0.0, referred=False)
    sim.active = 1
    sim.lose(customer, 0.5, now=100.0)  # decided at time 0, the journey ends at 100
    assert customer.churn_time == 100.0
    sim.env.run(until=99.0)
    sim._catch_up()
    assert sim.active == 1
    sim.env.run(until=101.0)
    sim._catch_up()
    assert sim.active == 0


def test_a_referral_finds_the_place_of_a_customer_lost_before_it_came() -> None:
    sim = quiet_simulation(arrivals={"per_day": 1.0, "market_size": 1})
    lost = Customer(0, 1, sim.plan.segments[0], 0.0, referred=False)
    sim.customers.append(lost)
    sim.active = 1  # the whole market
    sim.lose(lost, 0.5, now=100.0)  # decided ahead, at time 0
    sim.refer(12345, delay_days=0.1, now=0.0)  # comes at minute 144, after the loss
    sim.env.run(until=150.0)
    assert len(sim.customers) == 2 and sim.customers[1].referred
    assert sim.active == 1


def test_people_told_of_a_miserable_journey_are_deterred_from_its_end() -> None:
    sim = quiet_simulation()
    sim.deter(3, now=100.0)
    sim.deter(2, now=50.0)
    sim.env.run(until=49.0)
    sim._catch_up()
    assert sim.pending_deterred == 0
    sim.env.run(until=60.0)
    sim._catch_up()
    assert sim.pending_deterred == 2
    sim.env.run(until=100.5)
    sim._catch_up()
    assert sim.pending_deterred == 5
