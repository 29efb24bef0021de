"""The acquisition calendar: arrivals that start and end on given days, or follow a table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from tests.conftest import scenario_data, station
from truthsim import simulate
from truthsim.scenario import Scenario

Z = 4.0
MINUTES = 1440.0


def arriving(profile: list[float] | None = None, **arrivals: object) -> Scenario:
    """Customers who come once (they never return): only arrivals are counted."""
    data = scenario_data({"desk": station(servers=None)}, horizon_days=60.0)
    data["arrivals"] = {**arrivals, **({"hourly_profile": profile} if profile else {})}
    return Scenario.model_validate(data)


def new_by_day(scenario: Scenario, seed: int = 3) -> np.ndarray:
    acquired = simulate(scenario, seed=seed).customers["acquired"]
    return np.bincount((acquired // MINUTES).astype(int), minlength=60)[:60]


def test_a_campaign_brings_customers_only_between_its_days() -> None:
    counts = new_by_day(arriving(per_day=200.0, from_day=10, until_day=22))
    assert counts[:10].sum() == 0 and counts[22:].sum() == 0
    inside = counts[10:22].sum()
    assert abs(inside - 2400) < Z * math.sqrt(2400)


def test_arrivals_from_a_day_on_go_on_at_their_rate() -> None:
    counts = new_by_day(arriving(per_day=100.0, from_day=30))
    assert counts[:30].sum() == 0
    assert abs(counts[30:].sum() - 3000) < Z * math.sqrt(3000)


def test_a_table_of_new_customers_by_day_is_followed_day_by_day() -> None:
    table = [0.0, 50.0, 400.0, 10.0] * 10
    counts = new_by_day(arriving(by_day=table, profile=[1.0] * 12 + [3.0] * 12))
    expected = np.array(table + [0.0] * 20)
    assert counts[40:].sum() == 0
    # every day's count within its Poisson spread, and all days together
    assert np.all(np.abs(counts - expected) <= Z * np.sqrt(np.maximum(expected, 1.0)))
    assert abs(counts.sum() - expected.sum()) < Z * math.sqrt(expected.sum())


def test_the_hourly_profile_shapes_each_day_of_a_calendar() -> None:
    scenario = arriving(by_day=[300.0] * 20, profile=[0.0] * 12 + [1.0] * 12)
    acquired = simulate(scenario, seed=4).customers["acquired"]
    assert np.all((acquired % MINUTES) >= 12 * 60)


@pytest.mark.parametrize(
    ("arrivals", "says"),
    [
        ({"per_day": 10.0, "by_day": [1.0]}, "one of them"),
        ({}, "one of them"),
        ({"per_day": 10.0, "from_day": 5, "until_day": 5}, "must come after"),
        ({"by_day": [1.0], "until_day": 5}, "go with per_day"),
        ({"by_day": [-1.0]}, "greater than or equal to 0"),
    ],
)
def test_a_calendar_that_cannot_be_is_refused(arrivals: dict, says: str) -> None:
    data = scenario_data()
    data["arrivals"] = arrivals
    with pytest.raises(ValidationError, match=says):
        Scenario.model_validate(data)


def test_expected_new_customers_follow_the_calendar() -> None:
    assert arriving(per_day=10.0, from_day=3, until_day=5).arrivals.expected(4.5) == 15.0
    assert arriving(per_day=10.0, from_day=3).arrivals.expected(10.0) == 70.0
    assert arriving(by_day=[1.0, 2.0, 3.0]).arrivals.expected(10.0) == 6.0


def test_arrivals_that_end_on_day_0_bring_nobody() -> None:
    """A forecast of a firm's own customers alone: until_day 0."""
    assert simulate(arriving(per_day=100.0, until_day=0), seed=3).customers.size == 0
    counts = new_by_day(arriving(per_day=100.0, from_day=0, until_day=1))
    assert counts[1:].sum() == 0 and counts[0] > 50
