"""Memory models, the ordered-logit outcome model and word of mouth, on hand-computed cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from truthsim.behaviour import (
    MAGIC,
    MEDIOCRITY,
    MISERY,
    MomentModel,
    OutcomeModel,
    additive,
    fade,
    journey_tone,
    memory_model,
    peak_end,
    poisson_quantile,
    recency,
    weakest_link,
)
from truthsim.scenario.probability import logit, shift_to_log_odds, sigmoid

JOURNEY = [0.2, -1.0, 0.5, 0.1]  # a good start, one miserable moment, recovery, a mild end


def test_additive_sums_the_moments() -> None:
    assert additive(JOURNEY) == pytest.approx(-0.2)
    assert additive([]) == 0.0


def test_peak_end_averages_most_intense_and_last() -> None:
    assert peak_end(JOURNEY) == pytest.approx((-1.0 + 0.1) / 2)
    assert peak_end([0.3, 0.8]) == pytest.approx(0.8)  # the peak is the end
    assert peak_end([0.5, -0.5, 0.0]) == pytest.approx(-0.25)  # a tie goes to the worse moment
    assert peak_end([]) == 0.0


def test_weakest_link_is_the_worst_moment() -> None:
    assert weakest_link(JOURNEY) == -1.0
    assert weakest_link([0.4, 0.2]) == 0.2


def test_recency_weighs_later_moments_more() -> None:
    # weights 0.5**3, 0.5**2, 0.5, 1 from first to last
    expected = 0.2 * 0.125 - 1.0 * 0.25 + 0.5 * 0.5 + 0.1
    assert recency(JOURNEY, decay=0.5) == pytest.approx(expected)
    assert recency(JOURNEY, decay=1.0) == pytest.approx(additive(JOURNEY))


def test_memory_model_by_name() -> None:
    assert memory_model("weakest_link")(JOURNEY) == -1.0
    assert memory_model("recency", 0.5)(JOURNEY) == pytest.approx(recency(JOURNEY, 0.5))


def test_fade_halves_per_half_life() -> None:
    assert fade(-0.8, 365, 365) == pytest.approx(-0.4)
    assert fade(-0.8, 730, 365) == pytest.approx(-0.2)
    assert fade(-0.8, 100, None) == -0.8


def test_shift_conversion_round_trips() -> None:
    step = shift_to_log_odds(-0.15, 0.7)
    assert sigmoid(logit(0.7) + step) == pytest.approx(0.55)
    assert sigmoid(-800) == pytest.approx(0.0) and sigmoid(800) == pytest.approx(1.0)


def test_outcome_without_waiting_uses_base_cut_points() -> None:
    model = OutcomeModel.build((0.1, 0.6, 0.3), tolerance=5, doubling=10)
    assert model.probabilities(3.0) == pytest.approx((0.1, 0.6, 0.3))
    assert model.draw(0.05, 0) == MISERY
    assert model.draw(0.5, 0) == MEDIOCRITY
    assert model.draw(0.95, 0) == MAGIC


def test_outcome_after_a_long_wait_by_hand() -> None:
    model = OutcomeModel.build((0.1, 0.6, 0.3), tolerance=5, doubling=10)
    # 15 minutes = 10 beyond tolerance: the odds of each worse-or-equal category double
    misery = 2 * (0.1 / 0.9) / (1 + 2 * (0.1 / 0.9))
    up_to_mediocre = 2 * (0.7 / 0.3) / (1 + 2 * (0.7 / 0.3))
    assert model.probabilities(15.0) == pytest.approx(
        (misery, up_to_mediocre - misery, 1 - up_to_mediocre)
    )
    # a less patient customer (tolerance factor 0.5) is already past tolerance at 5 minutes
    assert model.probabilities(5.0, tolerance_factor=0.5)[0] > 0.1


@given(
    p=st.tuples(st.floats(0.01, 0.9), st.floats(0.01, 0.9)).filter(lambda t: sum(t) < 0.99),
    w1=st.floats(0, 120),
    w2=st.floats(0, 120),
)
def test_longer_waits_never_lower_misery_or_raise_magic(p, w1, w2) -> None:
    model = OutcomeModel.build((p[0], p[1], 1 - p[0] - p[1]), tolerance=3, doubling=7)
    short, long = sorted((w1, w2))
    a, b = model.probabilities(short), model.probabilities(long)
    assert b[0] >= a[0] - 1e-12
    assert b[2] <= a[2] + 1e-12


def test_failures_end_in_misery_unless_recovered() -> None:
    clean = OutcomeModel.build((0.0, 1.0, 0.0), 0, None)
    recovered = OutcomeModel.build((0.0, 0.0, 1.0), 0, None)
    model = MomentModel(clean, recovered, failure_rate=0.1, recovery_rate=0.5)
    assert model.draw(0.5, u_failure=0.5, u_recovery=0.1, wait=0) == (MEDIOCRITY, False, False)
    assert model.draw(0.5, u_failure=0.05, u_recovery=0.9, wait=0) == (MISERY, True, False)
    assert model.draw(0.5, u_failure=0.05, u_recovery=0.1, wait=0) == (MAGIC, True, True)


def test_journey_tone() -> None:
    assert journey_tone(1, 5, 2) == -1
    assert journey_tone(0, 2, 2) == 1
    assert journey_tone(0, 1, 2) == 0


@pytest.mark.parametrize("mean", [0.2, 1.0, 10.0])
def test_poisson_quantile_matches_scipy(mean: float) -> None:
    for u in (0.001, 0.1, 0.5, 0.77, 0.999):
        assert poisson_quantile(mean, u) == int(stats.poisson.ppf(u, mean))
    assert poisson_quantile(0.0, 0.99) == 0


def test_sigmoid_is_symmetric() -> None:
    for x in (-3.0, -0.1, 0.0, 2.5):
        assert sigmoid(x) + sigmoid(-x) == pytest.approx(1.0)
    assert math.isinf(logit(0.0)) and math.isinf(logit(1.0))
