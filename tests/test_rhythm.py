"""Customers who differ in how often they come: a Gamma factor on each customer's rate.

With no moments that matter, exponential gaps, a Beta baseline and Gamma rates, truthsim's
customer is the MBG/NBD customer (Batislam, Denizel & Filiztekin 2007): a return decision after
every journey, the first included, and journeys at a Poisson rate while active. So a cohort's
expected repeat journeys follow that model's closed form E[X(t)].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import integrate, stats

from tests.conftest import scenario_data, station
from truthsim import simulate
from truthsim.behaviour.rhythm import days_to_next, rate_factor
from truthsim.calibration.btyd import mbgnbd
from truthsim.scenario import Scenario

Z = 4.0
MINUTES = 1440.0


def customers_like_mbgnbd(r: float, mean: float, a: float, b: float, years: float) -> Scenario:
    """One short self-service moment that moves nobody; gaps exponential with ``mean`` days for
    a customer of average rhythm, rates Gamma(r) with mean 1; churn ~ Beta(a, b)."""
    data = scenario_data(
        {"desk": station(servers=None, mean=0.01)}, per_day=25.0, horizon_days=365.0 * years
    )
    segment = data["segments"]["everyone"]
    segment["baseline_return"] = {"churn_alpha": a, "churn_beta": b}
    segment["days_between_journeys"] = {"kind": "exponential", "mean": mean, "rate_shape": r}
    return Scenario.model_validate(data)


def repeats_within(result, days: float) -> np.ndarray:
    """Each customer's repeat journeys within ``days`` of their first (customers acquired at
    least that long before the horizon)."""
    customers = result.customers
    horizon = result.horizon_days * MINUTES
    kept = customers["acquired"] <= horizon - days * MINUTES
    journeys = result.journeys
    acquired = customers["acquired"][journeys["customer"]]
    inside = (journeys["journey"] > 0) & (journeys["start"] <= acquired + days * MINUTES)
    counts = np.bincount(journeys["customer"][inside], minlength=len(customers))
    return counts[kept]


@pytest.mark.parametrize(
    ("r", "mean", "a", "b"),
    [
        (0.5, 20.0, 0.8, 2.4),  # much spread in rhythm and in loyalty
        (3.0, 15.0, 1.5, 6.0),  # customers more alike
    ],
)
@pytest.mark.slow
def test_a_cohorts_repeat_journeys_follow_the_mbgnbd_law(r, mean, a, b) -> None:
    result = simulate(customers_like_mbgnbd(r, mean, a, b, years=1.5), seed=5)
    params = {"r": r, "alpha": r * mean, "a": a, "b": b}
    for days in (30.0, 120.0, 270.0):
        x = repeats_within(result, days)
        expected = float(mbgnbd.expected(params, days))
        se = x.std(ddof=1) / math.sqrt(len(x))
        assert len(x) > 2000
        assert abs(x.mean() - expected) < Z * se, (days, x.mean(), expected, se)


@pytest.mark.slow
def test_without_a_rate_shape_customers_share_one_rhythm() -> None:
    """With rate_shape left out, the repeat journeys are those of the BG/NBD family with every
    rate equal: E[X(t)] = E[(1 - p) (1 - exp(-p t / mean)) / p] over the churn p ~ Beta(a, b),
    the MBG/NBD's mean with its Gamma a point mass."""
    data = scenario_data(
        {"desk": station(servers=None, mean=0.01)}, per_day=25.0, horizon_days=365.0
    )
    segment = data["segments"]["everyone"]
    segment["baseline_return"] = {"churn_alpha": 1.5, "churn_beta": 6.0}
    segment["days_between_journeys"] = {"kind": "exponential", "mean": 15.0}
    result = simulate(Scenario.model_validate(data), seed=5)
    x = repeats_within(result, 120.0)
    churn = stats.beta(1.5, 6.0)
    expected, _ = integrate.quad(
        lambda p: (1 - p) * -math.expm1(-p * 120.0 / 15.0) / p * churn.pdf(p), 0.0, 1.0
    )
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - expected) < Z * se


def test_rate_factors_are_gamma_with_mean_one() -> None:
    u = (np.arange(20000) + 0.5) / 20000
    factors = rate_factor(0.7, u)
    assert factors.mean() == pytest.approx(1.0, abs=2e-3)
    assert stats.kstest(factors, stats.gamma(0.7, scale=1 / 0.7).cdf).statistic < 1e-3
    assert rate_factor(None, 0.3) == 1.0
    assert days_to_next(30.0, 2.0) == 15.0


def test_a_rate_shape_out_of_range_names_its_place() -> None:
    data = scenario_data()
    data["segments"]["everyone"]["days_between_journeys"] = {
        "kind": "exponential",
        "mean": 10.0,
        "rate_shape": 0.0,
    }
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    places = [error["loc"] for error in caught.value.errors()]
    assert ("segments", "everyone", "days_between_journeys", "rate_shape") in places
