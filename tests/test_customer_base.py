"""Customers on day 0: a steady-state base drawn from a long run, replayed journeys, and the same
base for every variant of a replication."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import scenario_data, station
from truthsim import simulate
from truthsim.engine.base import BasePool
from truthsim.engine.steady_state import steady_state_pool
from truthsim.scenario import Scenario, apply_changes

MINUTES = 1440.0
Z = 4.0


def established(base: str = "steady_state") -> Scenario:
    """A congested desk, then a kiosk one to fourteen days later (so many customers are in a
    journey at any moment), moments that matter much, memory that fades within weeks."""
    shifts = {"misery": -0.3, "mediocrity": 0.0, "magic": 0.15}
    desk = station(
        servers=2,
        mean=6.0,
        patience={"kind": "exponential", "mean": 8.0},
        wait={"tolerance": 2.0, "doubling": 4.0},
        shifts=shifts,
    )
    kiosk = station(servers=None, shifts=shifts)
    data = scenario_data({"desk": desk, "kiosk": kiosk}, per_day=12.0, horizon_days=90.0)
    data["journey"] = [
        "desk",
        {"touchpoint": "kiosk", "delay": {"kind": "uniform", "low": 1440, "high": 20160}},
    ]
    data["segments"]["everyone"].update(
        baseline_return=0.8,
        days_between_journeys={"kind": "gamma", "shape": 3.0, "scale": 7.0, "rate_shape": 4.0},
    )
    data["memory"] = {"reference_return": 0.6, "forgetting_half_life_days": 30.0}
    data["customer_base"] = base
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def pool() -> BasePool:
    return steady_state_pool(established())


def window_stats(result, start_day: float, days: float) -> dict[str, float]:
    """Over ``days`` from ``start_day``: customers active at its start, how many of them were in
    a journey then, their median tenure (days: the mean rests on the rare customers of many
    years, whom no finite run holds all of), journeys begun per day, and the mean return
    probability journeys begun in it were decided with (all, and those of customers acquired
    before it: the memory they brought)."""
    t0, t1 = start_day * MINUTES, (start_day + days) * MINUTES
    c = result.customers
    active = (c["acquired"] <= t0) & ~(c["churned"] & (c["churn_time"] <= t0))
    j = result.journeys
    begun = (j["start"] >= t0) & (j["start"] < t1)
    return {
        "active": float(np.count_nonzero(active)),
        "in_a_journey": float(np.count_nonzero((j["start"] < t0) & (j["end"] >= t0))),
        "tenure": float(np.median(t0 - c["acquired"][active]) / MINUTES),
        "journeys": float(np.count_nonzero(begun) / days),
        "return_probability": float(np.mean(j["return_probability"][begun])),
        # the memory customers brought into the window: their decisions in it
        "memory": float(
            np.mean(j["return_probability"][begun & (c["acquired"][j["customer"]] < t0)])
        ),
    }


@pytest.mark.slow
def test_a_steady_state_base_is_what_a_long_run_started_empty_reaches() -> None:
    """Count, journeys under way, tenure, rhythm and memory of the base on day 0 against a long
    run started with no customers (another seed), in 60-day windows of its years 6 to 24. Four
    standard errors: of the long run's mean, of the replications' mean, and of the pool itself,
    which is one year of the long run that made it (the spread of one-year means)."""
    long = simulate(established("none"), seed=99, horizon_days=24 * 365.0)
    windows = [window_stats(long, day, 60.0) for day in np.arange(6 * 365.0, 24 * 365.0, 60.0)]
    replications = [window_stats(simulate(established(), seed=s), 0.0, 60.0) for s in range(12)]
    for name in windows[0]:
        late = np.array([w[name] for w in windows])
        yearly = late[: len(late) // 6 * 6].reshape(-1, 6).mean(axis=1)
        base = np.array([r[name] for r in replications])
        se = math.sqrt(
            late.var(ddof=1) / len(late) + base.var(ddof=1) / len(base) + yearly.var(ddof=1)
        )
        assert abs(base.mean() - late.mean()) < Z * se, (name, base.mean(), late.mean(), se)


def test_replayed_journeys_begin_before_day_0_and_stay_out_of_the_statistics() -> None:
    result = simulate(established(), seed=3)
    before = result.moments["arrival"] < 0.0
    assert before.any()
    assert result.headline["new_customers"] == np.count_nonzero(result.customers["acquired"] >= 0)
    assert result.daily["active"][0] > 0.8 * np.count_nonzero(result.customers["acquired"] < 0)
    # moments before day 0 are in the records but not in the touchpoint statistics
    desk = next(row for row in result.touchpoints if row["touchpoint"] == "desk")
    after = (result.moments["arrival"] >= 0.0) & (result.moments["touchpoint"] == 0)
    assert desk["visits"] == np.count_nonzero(after)


@pytest.mark.slow
def test_every_variant_of_a_replication_starts_from_the_same_base(pool: BasePool) -> None:
    scenario = established()
    variant = apply_changes(scenario, {"touchpoints.desk.servers": 4})
    first = simulate(scenario, seed=5, base=pool).customers
    second = simulate(variant, seed=5, base=pool).customers
    a, b = first[first["acquired"] < 0], second[second["acquired"] < 0]
    assert len(a) == len(b) > 1000
    for name in ("segment", "acquired", "baseline_return", "referred"):
        assert np.array_equal(a[name], b[name]), name
    # and the same seed gives the same base again, bit for bit
    again = simulate(scenario, seed=5, base=pool)
    assert again.customers.tobytes() == first.tobytes()


def test_a_base_holds_its_customers_memory(pool: BasePool) -> None:
    """Customers of the base come back with the experience they had: their first decisions in
    the run differ from their baseline's (memory), and fade with time apart."""
    result = simulate(established(), seed=6, base=pool)
    j = result.journeys
    from_base = result.customers["acquired"][j["customer"]] < 0.0
    baseline = 0.8
    probabilities = j["return_probability"][from_base]
    assert np.std(probabilities) > 0.01
    assert abs(float(np.mean(probabilities)) - baseline) > 0.005


@pytest.mark.slow
def test_the_bundled_airline_starts_as_an_established_business() -> None:
    """Issue finding 'born empty': the airline ran from no customers (1,665 active at the end
    of its 30-day warm-up, 8,735 on day 364, still rising). From its steady-state base, day 1
    holds about as many active customers as day 60 (the Poisson spread of a base of ~9,700 is
    about 1%)."""
    from truthsim import load_scenario

    daily = simulate(load_scenario("airline"), seed=4, horizon_days=60.0).daily["active"]
    assert daily[1] > 0.95 * daily[59]
    assert daily[1] > 8000


def test_synthetic_data_of_an_established_business_hold_its_new_customers(tmp_path) -> None:
    """A firm's synthetic files from a scenario with customers on day 0: the arrivals count the
    customers gained from day 0, and the histories are theirs, whole (on main the arrivals of
    customers acquired before day 0 made a negative hour and synthesize failed)."""
    from truthsim.calibration import synthesize, write_synthetic
    from truthsim.calibration.data import read_data
    from truthsim.calibration.synthesize import MARGIN_DAYS

    scenario = established()
    data = synthesize(scenario, 3, response_rate=1.0)
    result = simulate(scenario, 3, horizon_days=scenario.horizon_days + MARGIN_DAYS)
    acquired = result.customers["acquired"]
    new = int(np.sum((acquired >= 0.0) & (acquired < scenario.horizon)))
    rows = data.files["arrivals.csv"].splitlines()[1:]
    assert sum(int(line.split(",")[2]) for line in rows) == new > 0
    write_synthetic(data, tmp_path)
    found = read_data(tmp_path, scenario)
    assert len(found.journeys) == data.journeys > 0
    first = [line for line in data.files["journeys.csv"].splitlines()[1:] if ",0," in line]
    assert len(first) == data.customers  # every history is whole: it begins with journey 0
