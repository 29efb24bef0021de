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

    def replications_to_exclude_zero(self, power: float = 0.8) -> int | None:
        """Replications after which the interval excludes zero with probability ``power``.

        For a true difference as large as this estimate and a standard deviation as large as
        this sample's, at this estimate's confidence (see :func:`replications_for_power`).
        """
        if self.n < 2 or self.mean == 0 or math.isnan(self.se):
            return None
        return replications_for_power(
            self.se * math.sqrt(self.n), abs(self.mean), self.confidence, power
        )

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


def replications_for_power(
    sd: float, difference: float, confidence: float = CONFIDENCE, power: float = 0.8
) -> int:
    """Smallest n at which a two-sided t interval at ``confidence`` excludes zero with ``power``.

    The exact power of the paired t test: a noncentral t with noncentrality sqrt(n) d / sd.
    """
    if sd == 0:
        return 2
    if difference <= 0:
        raise ValueError("the difference to detect must be positive")
    alpha = 1.0 - confidence

    def achieved(n: int) -> float:
        t = stats.t.ppf(1 - alpha / 2, n - 1)
        shift = math.sqrt(n) * difference / sd
        return float(stats.nct.sf(t, n - 1, shift) + stats.nct.cdf(-t, n - 1, shift))

    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = max(2, math.ceil((z * sd / difference) ** 2))
    while n > 2 and achieved(n - 1) >= power:
        n -= 1
    while achieved(n) < power:
        n += 1
    return n


def simultaneous(confidence: float, comparisons: int) -> float:
    """Per-interval confidence that makes ``comparisons`` intervals hold jointly (Bonferroni)."""
    return 1.0 - (1.0 - confidence) / max(1, comparisons)


def robust_df(x: np.ndarray) -> float:
    """Degrees of freedom of a sample variance, lowered for heavy tails (never raised).

    Var(S^2 / sigma^2) = 2 / (n - 1) + kappa / n for excess kurtosis kappa; a t quantile with
    df = 2 / (that variance) widens intervals when the sample looks heavy-tailed, as skewed
    simulation outputs (revenue, rare losses) often are. With kappa <= 0 it is the usual n - 1.
    """
    n = len(x)
    kappa = float(stats.kurtosis(x, bias=False)) if n > 3 and np.ptp(x) > 0 else 0.0
    return 2.0 / (2.0 / (n - 1) + max(0.0, kappa) / n)


def stein_replications(first: np.ndarray, half_width: float, confidence: float) -> int:
    """Total replications a two-stage procedure needs for an interval of ``half_width``.

    Stein (1945): from a first stage of n0 with standard deviation s, take
    N = max(n0, ceil((t s / h)^2)); the mean of all N then lies within t s / sqrt(N) <= h of the
    truth with probability ``confidence`` exactly for normal data, whatever the variance. The t
    quantile uses :func:`robust_df`, so heavy-tailed first stages ask for more replications.
    """
    x = np.asarray(first, dtype=float)
    t = stats.t.ppf(0.5 + confidence / 2, robust_df(x))
    sd = float(np.std(x, ddof=1))
    return max(len(x), math.ceil((t * sd / half_width) ** 2))


def stein_estimate(
    values: np.ndarray, first_stage: int, confidence: float = CONFIDENCE
) -> Estimate:
    """The two-stage interval: the mean of every replication, with the wider of two half-widths.

    Stein's, from the first stage's spread, holds exactly for normal data; the usual t interval
    of all replications guards against a first stage that saw too little of a skewed
    distribution. Containing both, the interval covers at least as often as either.
    """
    x = np.asarray(values, dtype=float)
    n0, n = first_stage, len(x)
    first = x[:n0]
    stein = stats.t.ppf(0.5 + confidence / 2, robust_df(first)) * float(np.std(first, ddof=1))
    usual = stats.t.ppf(0.5 + confidence / 2, robust_df(x)) * float(np.std(x, ddof=1))
    half = max(float(stein), float(usual)) / math.sqrt(n)
    mean = float(x.mean())
    se = float(np.std(x, ddof=1)) / math.sqrt(n)
    return Estimate(mean, se, mean - half, mean + half, n, confidence)
