"""The rule book's array forms give its scalar rules' numbers to the last bit, and the rules
say what the model says (docs/model.md): saturation, the return decision, complaints."""

from __future__ import annotations

import math

import numpy as np

from truthsim.behaviour import (
    ceiling_cap,
    comes_back,
    complains,
    experience_after,
    experience_after_all,
    return_probabilities,
    return_probability,
    silent_after,
)
from truthsim.scenario.probability import logit

RNG = np.random.default_rng(11)
LOG_ODDS = np.concatenate([RNG.normal(0.0, 4.0, 20_000), [0.0, -0.0, 40.0, -40.0, 800.0, -800.0]])


def test_return_probabilities_are_the_scalar_rule_to_the_last_bit():
    want = np.array([return_probability(x, 0.0) for x in LOG_ODDS.tolist()])
    assert np.array_equal(return_probabilities(LOG_ODDS), want)


def test_experience_after_all_is_the_scalar_rule_to_the_last_bit():
    before, remembered = RNG.normal(0.0, 1.0, (2, 5_000))
    for cap in (0.5, math.inf):
        want = [experience_after(b, r, cap) for b, r in zip(before, remembered, strict=True)]
        assert np.array_equal(experience_after_all(before, remembered, cap), want)


def test_experience_saturates_at_the_ceiling():
    cap = ceiling_cap(0.95, 0.5)
    assert cap == logit(0.95)
    assert experience_after(cap - 0.1, 1.0, cap) == cap
    assert experience_after(0.2, -0.5, cap) == 0.2 - 0.5
    assert ceiling_cap(None, 0.5) == math.inf
    # at the cap, a reference customer returns with the ceiling's probability
    assert math.isclose(return_probability(logit(0.5), cap), 0.95)


def test_a_smaller_uniform_number_returns_first():
    p = return_probability(logit(0.3), 0.0)
    assert comes_back(0.2999, p) and not comes_back(0.3001, p)


def test_a_journey_complains_with_the_chance_that_any_misery_leads_to_one():
    silent = silent_after(silent_after(1.0, 0.2), 0.5)  # two miseries
    assert math.isclose(silent, 0.8 * 0.5)
    # one uniform number per journey: complains for u in [silent, 1), chance 1 - silent = 0.6
    u = np.linspace(0.0, 1.0, 100_001)[:-1]
    share = np.mean([complains(x, silent) for x in u.tolist()])
    assert abs(share - 0.6) < 1e-4
