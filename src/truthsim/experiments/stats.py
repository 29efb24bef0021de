"""Estimates with uncertainty: mean, standard error and a t-based confidence interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over ``n`` replications with its standard error and confidence interval."""

    mean: float
    se: float
    low: float
    high: float
    n: int
    confidence: float = CONFIDENCE

    def __float__(self) -> float:
        """The mean, so an estimate can go wherever a number is expected."""
        return float(self.mean)

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or below zero."""
        return self.low > 0 or self.high < 0

    def replications_to_exclude_zero(self) -> int | None:
        """Fewest replications whose interval would exclude zero, for a difference this large and
        this spread: the smallest n with t(n - 1) x sd / sqrt(n) < |mean| (found by bisection,
        since the left side falls as n grows)."""
        if self.n < 2 or self.mean == 0:
            return None
        sd = self.se * math.sqrt(self.n)
        if sd == 0:
            return self.n
        quantile = 0.5 + self.confidence / 2

        def excludes(n: int) -> bool:
            return stats.t.ppf(quantile, n - 1) * sd / math.sqrt(n) < abs(self.mean)

        high = 2
        while not excludes(high):
            high *= 2
        low = high // 2  # does not exclude zero (or is 1 when high is 2)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if excludes(middle) else (middle, high)
        return high

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "mean": _finite(self.mean),
            "se": _finite(self.se),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "n": self.n,
        }


def estimate(values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean, standard error and t interval of independent replications (NaNs are left out)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, confidence)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1, confidence)
    se = float(x.std(ddof=1) / math.sqrt(n))
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    return Estimate(mean, se, mean - t * se, mean + t * se, n, confidence)


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
