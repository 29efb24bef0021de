"""The statistical procedures on synthetic data whose truth is known: fast, many repetitions.

Tolerances are two binomial standard errors of the promised rate; seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from truthsim.experiments.selection import (
    kn,
    kn_bound,
    kn_fixed_equivalent,
    mcb,
    screen,
    screened_kn,
)
from truthsim.experiments.stats import (
    estimate,
    replications_for_power,
    simultaneous,
    stein_estimate,
    stein_replications,
)

CONFIDENCE = 0.95


def allowed(rate: float, repetitions: int) -> float:
    """Two binomial standard errors of ``rate`` over ``repetitions``."""
    return 2 * math.sqrt(rate * (1 - rate) / repetitions)


def paired(rng: np.random.Generator, means: list[float], n: int, common: float = 2.0) -> np.ndarray:
    """(n, k) replications sharing a common noise, as common random numbers make them."""
    shared = rng.normal(0, common, (n, 1))
    return np.asarray(means)[None, :] + shared + rng.normal(0, 1.0, (n, len(means)))


def test_kn_selects_the_best_ahead_by_exactly_delta() -> None:
    rng = np.random.default_rng(11)
    delta, repetitions, correct, used = 0.5, 300, 0, []
    means = [0.0, 0.0, delta, 0.0, 0.0]
    for _ in range(repetitions):
        data = paired(rng, means, 400)
        state = kn(list(data.T), delta, CONFIDENCE, 10)
        assert state.done
        correct += state.best == 2
        used.append(state.stage)
    assert correct / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)
    assert max(used) < 400


@pytest.mark.parametrize("means", [[0.0, 0.9, 1.0, 0.45], [0.0, 0.45, 1.0, 0.95]])
def test_kn_selects_within_delta_of_the_best_when_several_are_close(means: list[float]) -> None:
    rng = np.random.default_rng(21)
    delta, repetitions, good = 0.5, 300, 0
    for _ in range(repetitions):
        state = kn(list(paired(rng, means, 400).T), delta, CONFIDENCE, 10)
        good += state.done and means[state.best] >= max(means) - delta
    assert good / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)


def test_kn_drops_clearly_worse_variants_early() -> None:
    rng = np.random.default_rng(12)
    data = paired(rng, [0.0, 5.0, 0.2, 4.9], 300)
    state = kn(list(data.T), 0.5, CONFIDENCE, 10)
    assert state.eliminated_at[0] == 10 and state.eliminated_at[2] == 10
    assert state.best in (1, 3)


def test_kn_stops_where_the_data_end_and_continues_later() -> None:
    rng = np.random.default_rng(13)
    data = paired(rng, [0.0, 0.1, 0.05], 200)
    partial = kn([data[:12, i] for i in range(3)], 0.1, CONFIDENCE, 10)
    assert not partial.done and partial.stage == 12 and len(partial.survivors) > 1
    whole = kn([data[:, i] for i in range(3)], 0.1, CONFIDENCE, 10)
    assert whole.stage >= partial.stage


def test_kn_finishes_by_its_bound() -> None:
    rng = np.random.default_rng(23)
    for _ in range(50):
        data = paired(rng, [0.0, 0.05, 0.1], 2000)
        samples = list(data.T)
        bound = kn_bound(samples, [0, 1, 2], 0.2, CONFIDENCE, 10)
        state = kn(samples, 0.2, CONFIDENCE, 10)
        assert state.done and state.stage <= bound


def test_identical_variants_tie_to_the_first() -> None:
    same = np.tile(np.arange(10.0), (3, 1))
    state = kn(list(same), 1.0, CONFIDENCE, 10)
    assert state.done and state.best == 0


def test_fixed_equivalent_needs_more_than_kn_on_a_clear_case() -> None:
    rng = np.random.default_rng(14)
    data = paired(rng, [0.0, 1.0, 0.0, 0.3], 400)
    state = kn(list(data.T), 0.2, CONFIDENCE, 10)
    used = 4 * 10 + sum(state.eliminated_at.get(i, state.stage) - 10 for i in range(4))
    assert 4 * kn_fixed_equivalent(data[:10], 0.2, CONFIDENCE) > used


@pytest.mark.parametrize(
    "means", [[0.0, 0.0, 0.0, 0.0], [0.0, 0.3, 0.6, 0.0], [1.0, 0.0, 0.0, 0.0]]
)
def test_mcb_intervals_hold_jointly(means: list[float]) -> None:
    rng = np.random.default_rng(15)
    truth = np.asarray(means)
    others = np.array([np.max(np.delete(truth, i)) for i in range(len(truth))])
    repetitions, held = 2000, 0
    for _ in range(repetitions):
        result = mcb(paired(rng, means, 10), CONFIDENCE)
        gap = truth - others
        held += bool(np.all((result.low <= gap + 1e-12) & (gap <= result.high + 1e-12)))
    assert held / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)


def test_mcb_keeps_exact_ties_with_the_best_in_contention() -> None:
    rng = np.random.default_rng(24)
    data = paired(rng, [0.0, 2.0, 1.9], 10)
    data = np.column_stack([data, data[:, 1]])  # a fourth variant identical to the best
    result = mcb(data, CONFIDENCE)
    assert {1, 3} <= set(result.contenders)
    assert result.low[2] <= 0 <= result.high[1]


def test_mcb_names_a_clear_best() -> None:
    rng = np.random.default_rng(16)
    result = mcb(paired(rng, [0.0, 3.0, 0.0], 20), CONFIDENCE)
    assert result.contenders == (1,) and result.best_within(0.1) == 1 and result.low[1] == 0


@pytest.mark.slow
def test_simultaneous_marks_against_the_baseline_rarely_fire_when_nothing_changes() -> None:
    rng = np.random.default_rng(17)
    repetitions, fired, k = 2000, 0, 7
    for _ in range(repetitions):
        data = paired(rng, [0.0] * k, 10)
        level = simultaneous(CONFIDENCE, k - 1)
        fired += any(estimate(data[:, i] - data[:, 0], level).low > 0 for i in range(1, k))
    assert fired / repetitions <= 1 - CONFIDENCE + allowed(1 - CONFIDENCE, repetitions)


@pytest.mark.slow
def test_marks_after_sequential_selection_rarely_fire_when_nothing_changes() -> None:
    """Sampling stops early for variants that look bad; the joint intervals against the
    baseline, on the replications each pair shares, must still hold under the null."""
    rng = np.random.default_rng(22)
    repetitions, fired, k = 600, 0, 7
    level = simultaneous(CONFIDENCE, k - 1)
    for _ in range(repetitions):
        data = paired(rng, [0.0] * k, 200)
        state = kn(list(data.T), 0.6, CONFIDENCE, 10)
        n = [state.eliminated_at.get(i, state.stage) for i in range(k)]
        fired += any(
            estimate(data[: min(n[i], n[0]), i] - data[: min(n[i], n[0]), 0], level).low > 0
            for i in range(1, k)
        )
    assert fired / repetitions <= 1 - CONFIDENCE + allowed(1 - CONFIDENCE, repetitions)


def test_advised_replications_reach_the_stated_power() -> None:
    rng = np.random.default_rng(18)
    n = replications_for_power(2.0, 0.8, CONFIDENCE, 0.8)
    assert n == replications_for_power(2.0, 0.8, CONFIDENCE, 0.8)
    repetitions = 2000
    hits = sum(estimate(rng.normal(0.8, 2.0, n)).low > 0 for _ in range(repetitions))
    assert abs(hits / repetitions - 0.8) <= allowed(0.8, repetitions) + 0.02
    assert replications_for_power(2.0, 0.8, CONFIDENCE, 0.9) > n


@pytest.mark.parametrize(
    ("name", "shape"), [("normal", None), ("skewed (gamma, skewness 0.5)", 16.0)]
)
@pytest.mark.slow
def test_two_stage_precision_covers_at_least_nominally(name: str, shape: float | None) -> None:
    rng = np.random.default_rng(19)

    def draw(n: int) -> np.ndarray:
        return rng.normal(3.0, 2.0, n) if shape is None else rng.gamma(shape, 1.0, n)

    truth, sd = (3.0, 2.0) if shape is None else (shape, math.sqrt(shape))
    repetitions, covered = 2000, 0
    for _ in range(repetitions):
        first = draw(10)
        total = stein_replications(first, 0.4 * sd, CONFIDENCE)
        e = stein_estimate(np.concatenate([first, draw(total - 10)]), 10, CONFIDENCE)
        covered += e.low <= truth <= e.high
    assert covered / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions), name


def test_the_screen_keeps_the_best_ahead_by_exactly_delta() -> None:
    """The best leads every other by exactly delta: the screen on 5 replications keeps it with
    probability at least its confidence (each of its 5 comparisons errs with probability
    0.05 / 5 at most, so a screen with too small a t, or the wrong degrees of freedom, fails)."""
    rng = np.random.default_rng(5)
    delta, repetitions, kept = 0.5, 4000, 0
    means = [0.0, 0.0, 0.0, delta, 0.0, 0.0]
    for _ in range(repetitions):
        kept += 3 in screen(paired(rng, means, 5, common=0.0), delta, CONFIDENCE)
    assert kept / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)


def test_the_screen_drops_what_is_far_behind_and_keeps_what_is_close() -> None:
    """Ten standard deviations behind is dropped; a tie is kept (its gap would have to pass
    about 2.4 of its standard errors)."""
    rng = np.random.default_rng(6)
    data = paired(rng, [0.0, 10.0, 10.0], 5)
    assert set(screen(data, 0.1, CONFIDENCE)) == {1, 2}


def test_screen_then_kn_selects_the_best_ahead_by_exactly_delta() -> None:
    """Half the error to the screen, half to KN among its survivors: together at least the
    confidence (KN keeps the constants of all six variants)."""
    rng = np.random.default_rng(7)
    delta, repetitions, correct, used = 0.5, 600, 0, []
    means = [0.0, 0.0, 0.0, 0.0, 0.0, delta]
    for _ in range(repetitions):
        state = screened_kn(list(paired(rng, means, 400).T), delta, CONFIDENCE)
        assert state.done
        correct += state.best == 5
        used.append(state.stage)
    assert correct / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)


def test_a_screen_that_leaves_one_decides_without_a_first_stage() -> None:
    rng = np.random.default_rng(8)
    data = paired(rng, [0.0, 20.0, 5.0], 400)
    state = screened_kn(list(data.T), 0.5, CONFIDENCE)
    assert state.done and state.best == 1
    assert state.stage == 5 and state.eliminated_at == {0: 5, 2: 5}


def test_kn_still_refuses_a_lone_variant_without_its_first_stage() -> None:
    with pytest.raises(ValueError, match="first stage"):
        kn([np.zeros(3)], 0.5, CONFIDENCE, 10)
