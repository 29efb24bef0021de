"""Customers who differ within a segment: a Beta baseline, and the shifted-beta-geometric law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from tests.conftest import make_scenario, scenario_data, station
from truthsim import simulate
from truthsim.scenario import Scenario

Z = 4.0


def sbg_survival(alpha: float, beta: float, periods: int) -> np.ndarray:
    """Fader & Hardie (2007): S(t) = B(alpha, beta + t) / B(alpha, beta)."""
    t = np.arange(periods + 1)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def yearly(spread: dict, per_day: float = 8.0, years: int = 8) -> Scenario:
    """One journey a year of one moment that moves nobody: only the baselines decide."""
    data = scenario_data(
        {"desk": station(servers=None)},
        per_day=per_day,
        horizon_days=365.0 * years,
        gap_days=365.0,
    )
    data["segments"]["everyone"]["baseline_return"] = spread
    data["memory"] = {"reference_return": 0.5}
    return Scenario.model_validate(data)


@pytest.mark.slow
def test_a_cohort_follows_the_sbg_survival_law() -> None:
    alpha, beta = 0.704, 1.182  # Fader & Hardie's regular customers
    scenario = yearly({"churn_alpha": alpha, "churn_beta": beta})
    result = simulate(scenario, seed=12)
    table = result.cohort(365.0)
    expected = sbg_survival(alpha, beta, 7)
    for k in range(1, 8):
        n, share = table["customers"][k], table["share"][k]
        se = math.sqrt(expected[k] * (1 - expected[k]) / n)
        assert n > 2000
        assert abs(share - expected[k]) < Z * se, (k, share, expected[k], se)
    # retention rates rise with tenure: the customers likely to leave leave first
    rates = table["share"][2:8] / table["share"][1:7]
    assert np.all(np.diff(rates) > 0)


@pytest.mark.slow
def test_homogeneous_customers_follow_the_geometric_law_instead() -> None:
    result = simulate(yearly(0.6), seed=12)
    table = result.cohort(365.0)
    for k in range(1, 8):
        expected = 0.6**k
        se = math.sqrt(expected * (1 - expected) / table["customers"][k])
        assert abs(table["share"][k] - expected) < Z * se


def test_each_customer_draws_a_baseline_from_the_beta() -> None:
    mean, polarisation = 0.6, 0.25
    result = simulate(yearly({"mean": mean, "polarisation": polarisation}, years=2), seed=3)
    drawn = result.customers["baseline_return"]
    total = 1 / polarisation - 1
    a, b = mean * total, (1 - mean) * total
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    assert abs(drawn.mean() - mean) < Z * math.sqrt(var / len(drawn))
    assert abs(drawn.var() - var) < 0.1 * var
    assert np.all((drawn > 0) & (drawn < 1))


def test_a_spread_is_written_one_way_or_the_other() -> None:
    with pytest.raises(ValueError, match="mean, polarisation"):
        yearly({"mean": 0.6})
    with pytest.raises(ValueError, match="mean, polarisation"):
        yearly({"mean": 0.6, "polarisation": 0.2, "churn_alpha": 1.0, "churn_beta": 2.0})
    scenario = make_scenario()
    assert scenario.segments["everyone"].mean_return == 0.0
