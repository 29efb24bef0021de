"""Confidence intervals checked by what they promise: 95% of them cover the true mean.

Normal samples have exactly t-distributed means, so :func:`estimate` must cover the true mean
95% of the time for any number of replications; the test is two-sided (too narrow and too wide
both fail) and sized so that a 1.96 quantile is rejected, and so are intervals 10% too wide
(with 10 replications; 50% with 2 or 3, where the t distribution's tails are heavy).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tests.test_experiments import coverage_bounds
from truthsim.experiments import estimate

TRIALS = 10_000


@pytest.mark.slow
@pytest.mark.parametrize(("n", "wider"), [(2, 1.5), (3, 1.5), (10, 1.1)])
def test_t_intervals_cover_the_mean_95_percent_of_the_time(n: int, wider: float) -> None:
    samples = np.random.default_rng(100 + n).normal(5.0, 2.0, size=(TRIALS, n))
    low, high = coverage_bounds(TRIALS)
    half_widths = np.empty(TRIALS)
    covered = 0
    for i, x in enumerate(samples):
        e = estimate(x)
        assert e.n == n and e.mean == pytest.approx(x.mean())
        assert e.se == pytest.approx(x.std(ddof=1) / np.sqrt(n))
        covered += e.low <= 5.0 <= e.high
        half_widths[i] = e.half_width
    assert low <= covered <= high, (covered, low, high)
    # the same samples reject the mistakes this test is there for
    miss = np.abs(samples.mean(axis=1) - 5.0)
    se = samples.std(axis=1, ddof=1) / np.sqrt(n)
    assert not low <= np.count_nonzero(miss <= 1.96 * se) <= high, "1.96 instead of t"
    assert not low <= np.count_nonzero(miss <= wider * half_widths) <= high, "too wide"
    assert half_widths == pytest.approx(stats.t.ppf(0.975, n - 1) * se)


@pytest.mark.slow
def test_paired_differences_cover_the_true_difference() -> None:
    """A paired interval is the t interval of per-replication differences: with a shared
    component that cancels, it covers the true difference 95% of the time, and is narrower
    than an interval that ignores the pairing."""
    rng = np.random.default_rng(7)
    n, trials = 5, 2000
    low, high = coverage_bounds(trials)
    shared = rng.normal(0.0, 10.0, size=(trials, n))
    a = shared + rng.normal(1.0, 1.0, size=(trials, n))
    b = shared + rng.normal(0.0, 1.0, size=(trials, n))
    covered, paired, unpaired = 0, 0.0, 0.0
    for x, y in zip(a, b, strict=True):
        e = estimate(x - y)
        covered += e.low <= 1.0 <= e.high
        paired += e.half_width
        unpaired += np.hypot(estimate(x).half_width, estimate(y).half_width)
    assert low <= covered <= high, covered
    # the shared component (sd 10) cancels: sd of a difference sqrt(2) against sqrt(202)
    assert paired < 0.15 * unpaired


def test_missing_values_are_left_out() -> None:
    with_gaps = estimate([1.0, float("nan"), 3.0, 8.0])
    assert with_gaps == estimate([1.0, 3.0, 8.0])
    assert estimate([float("nan")] * 3).n == 0


@pytest.mark.parametrize(("mean", "sd"), [(1.0, 1.0), (0.5, 3.0), (-2.0, 9.0), (4.0, 1.0)])
def test_replications_advised_are_the_fewest_whose_interval_excludes_zero(
    mean: float, sd: float
) -> None:
    """By definition: with n replications of this spread, a difference this large gives a t
    interval that excludes zero with probability at least 0.8 (the exact power of the paired t
    test, a noncentral t); with n - 1 it does so less often."""
    values = np.array([-1.0, 1.0, -1.0, 1.0, 0.0]) * sd / np.std([-1, 1, -1, 1, 0], ddof=1) + mean
    e = estimate(values)
    n = e.replications_to_exclude_zero()
    assert n is not None

    def power(k: int) -> float:
        t, shift = stats.t.ppf(0.975, k - 1), np.sqrt(k) * abs(mean) / sd
        return stats.nct.sf(t, k - 1, shift) + stats.nct.cdf(-t, k - 1, shift)

    assert power(n) >= 0.8, n
    assert n == 2 or power(n - 1) < 0.8, n
