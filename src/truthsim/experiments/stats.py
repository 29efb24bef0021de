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
        """Replications a paired difference this large needs for its interval to exclude zero."""
        if self.n < 2 or self.mean == 0:
            return None
        sd = self.se * math.sqrt(self.n)
        if sd == 0:
            return self.n
        n = self.n
        for _ in range(50):  # the t quantile depends on n: iterate to a fixed point
            needed = math.ceil(
                (stats.t.ppf(0.5 + self.confidence / 2, max(n - 1, 1)) * sd / abs(self.mean)) ** 2
            )
            if needed == n:
                break
            n = max(needed, 2)
        return max(n, 2)

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
