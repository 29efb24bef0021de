"""Every distribution's inverse CDF against its stated mean and scipy's quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from truthsim.scenario import Distribution

GRID = (np.arange(200_000) + 0.5) / 200_000  # midpoint rule over (0, 1): E[X] = integral of Q(u)

CASES = [
    ({"kind": "exponential", "mean": 3.0}, stats.expon(scale=3.0)),
    ({"kind": "lognormal", "mean": 6.0, "sd": 3.0}, None),
    ({"kind": "gamma", "shape": 2.0, "scale": 1.5}, stats.gamma(2.0, scale=1.5)),
    (
        {"kind": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
        stats.triang(0.2, loc=1, scale=5),
    ),
    ({"kind": "uniform", "low": 60.0, "high": 150.0}, stats.uniform(60, 90)),
    ({"kind": "normal", "mean": 1.0, "sd": 1.0}, stats.truncnorm(-1.0, np.inf, loc=1.0, scale=1.0)),
    ({"kind": "fixed", "value": 2.5}, None),
    ({"kind": "empirical", "values": [1.0, 2.0, 6.0]}, None),
    ({"kind": "erlang", "shape": 3, "mean": 6.0}, stats.gamma(3.0, scale=2.0)),
    ({"kind": "weibull", "shape": 1.5, "scale": 4.0}, stats.weibull_min(1.5, scale=4.0)),
    ({"kind": "loglogistic", "shape": 4.0, "scale": 5.0}, stats.fisk(4.0, scale=5.0)),
    ({"kind": "piecewise", "values": [2.0, 1.0, 6.0, 3.0]}, None),
]


@pytest.mark.parametrize(("spec", "reference"), CASES, ids=[c[0]["kind"] for c in CASES])
def test_quantile_function_has_the_stated_mean(spec, reference) -> None:
    dist = Distribution.model_validate(spec)
    q = dist.quantile_function()
    values = np.array([q(u) for u in GRID[::10]])
    assert values.min() >= 0
    assert values.mean() == pytest.approx(dist.expected(), rel=2e-3)
    if reference is not None:
        for u in (0.1, 0.5, 0.9):
            assert q(u) == pytest.approx(reference.ppf(u), rel=1e-6)


def test_lognormal_has_the_stated_sd() -> None:
    q = Distribution(kind="lognormal", mean=6.0, sd=3.0).quantile_function()
    values = np.array([q(u) for u in GRID[::10]])
    assert values.std() == pytest.approx(3.0, rel=0.02)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "exponential"}, "exponential needs mean"),
        ({"kind": "lognormal", "mean": 3}, "lognormal needs sd"),
        ({"kind": "uniform", "low": 3, "high": 1}, "low <= high"),
        ({"kind": "fixed", "value": 1, "mean": 2}, "fixed takes value, not mean"),
        ({"kind": "triangular", "low": 1, "mode": 5, "high": 3}, "low <= mode <= high"),
        ({"kind": "weibull", "mean": 1}, "weibull needs shape, scale"),
        ({"kind": "erlang", "shape": 2.5, "mean": 3}, "whole number of phases"),
        ({"kind": "loglogistic", "shape": 1, "scale": 3}, "shape > 1"),
        ({"kind": "piecewise", "values": [3]}, "at least two values"),
        ({"kind": "gammma", "shape": 1, "scale": 3}, "did you mean|Input should be"),
    ],
)
def test_bad_parameters_are_explained(spec, message) -> None:
    with pytest.raises(ValidationError, match=message):
        Distribution.model_validate(spec)


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "exponential", "mean": 3.0},
        {"kind": "lognormal", "mean": 3.0, "sd": 2.0},
        {"kind": "gamma", "shape": 2.0, "scale": 3.0},
        {"kind": "triangular", "low": 1.0, "mode": 2.0, "high": 5.0},
        {"kind": "uniform", "low": 1.0, "high": 4.0},
        {"kind": "normal", "mean": 3.0, "sd": 2.0},
        {"kind": "erlang", "shape": 2, "mean": 3.0},
        {"kind": "weibull", "shape": 0.8, "scale": 3.0},
        {"kind": "loglogistic", "shape": 3.0, "scale": 2.0},
        {"kind": "piecewise", "values": [1.0, 2.0, 7.0]},
    ],
)
def test_the_cdf_undoes_the_quantiles(spec: dict) -> None:
    """A customer's next journey given the time already passed draws through both."""
    d = Distribution.model_validate(spec)
    u = np.linspace(0.01, 0.99, 99)
    assert np.allclose(d.cdf()(d.quantiles()(u)), u, atol=1e-9)
    assert d.cdf()(np.array([-1.0]))[0] == 0.0
