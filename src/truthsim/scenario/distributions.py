"""Named probability distributions with their natural parameters.

Every distribution is sampled by its inverse CDF from uniform numbers, a whole batch at a time. That is what makes
common random numbers work: the same uniform gives a larger service time when the mean grows,
so a what-if run moves each draw monotonically instead of reshuffling it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.limits import MAX_TIME, MAX_VALUES_LISTED, MIN_SCALE

if TYPE_CHECKING:
    import numpy as np

Kind = Literal[
    "exponential",
    "lognormal",
    "gamma",
    "erlang",
    "weibull",
    "loglogistic",
    "triangular",
    "uniform",
    "normal",
    "fixed",
    "empirical",
    "piecewise",
]

#: which parameters each kind takes, in the order a user would write them
PARAMETERS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "gamma": ("shape", "scale"),
    "erlang": ("shape", "mean"),  # shape: a whole number of exponential phases
    "weibull": ("shape", "scale"),
    "loglogistic": ("shape", "scale"),  # scale: the median; shape > 1 for a finite mean
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "fixed": ("value",),
    "empirical": ("values",),
    "piecewise": ("values",),  # observed values; between them, straight lines (no ties)
}


class Distribution(Strict):
    """A non-negative random quantity (minutes or days), e.g. ``{kind: exponential, mean: 3}``.

    ``normal`` is truncated at 0; ``empirical`` draws equally often from the listed values.
    """

    kind: Kind
    mean: float | None = Field(default=None, ge=MIN_SCALE, le=MAX_TIME)
    sd: float | None = Field(default=None, ge=0, le=MAX_TIME)
    shape: float | None = Field(default=None, ge=MIN_SCALE, le=MAX_TIME)
    scale: float | None = Field(default=None, ge=MIN_SCALE, le=MAX_TIME)
    low: float | None = Field(default=None, ge=0, le=MAX_TIME)
    mode: float | None = Field(default=None, ge=0, le=MAX_TIME)
    high: float | None = Field(default=None, ge=0, le=MAX_TIME)
    value: float | None = Field(default=None, ge=0, le=MAX_TIME)
    values: list[float] | None = Field(default=None, min_length=1, max_length=MAX_VALUES_LISTED)

    @model_validator(mode="after")
    def _parameters_fit_kind(self) -> Distribution:
        wanted = PARAMETERS[self.kind]
        given = {name for name in _ALL if getattr(self, name) is not None}
        missing = [name for name in wanted if name not in given]
        extra = sorted(given - set(wanted))
        takes = ", ".join(wanted)
        if missing:
            raise ValueError(f"{self.kind} needs {', '.join(missing)} (it takes {takes})")
        if extra:
            raise ValueError(f"{self.kind} takes {takes}, not {', '.join(extra)}")
        if self.kind == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("triangular needs low <= mode <= high")
        if self.kind == "uniform" and not self.low <= self.high:  # type: ignore[operator]
            raise ValueError("uniform needs low <= high")
        if self.kind in ("empirical", "piecewise") and not all(
            0 <= v <= MAX_TIME
            for v in self.values  # type: ignore[union-attr]
        ):
            raise ValueError(f"{self.kind} values must lie between 0 and {MAX_TIME:g}")
        if self.kind == "piecewise" and len(self.values) < 2:  # type: ignore[arg-type]
            raise ValueError("piecewise needs at least two values to draw lines between")
        if self.kind == "erlang" and not float(self.shape).is_integer():  # type: ignore[arg-type]
            raise ValueError(f"erlang's shape is a whole number of phases, not {self.shape:g}")
        if self.kind == "loglogistic" and not self.shape > 1:  # type: ignore[operator]
            raise ValueError("loglogistic needs shape > 1 (at or below 1 its mean is infinite)")
        return self

    def expected(self) -> float:
        """The distribution's mean (used by summaries and theory checks)."""
        k = self.kind
        if k in ("exponential", "lognormal"):
            return float(self.mean)  # type: ignore[arg-type]
        if k in ("gamma", "erlang"):
            return float(self.mean if k == "erlang" else self.shape * self.scale)  # type: ignore[operator]
        if k == "weibull":
            return float(self.scale * math.gamma(1 + 1 / self.shape))  # type: ignore[operator]
        if k == "loglogistic":
            b = math.pi / float(self.shape)  # type: ignore[arg-type]
            return float(self.scale) * b / math.sin(b)  # type: ignore[arg-type]
        if k == "piecewise":
            ordered = sorted(self.values)  # type: ignore[arg-type]
            return sum(a + b for a, b in itertools.pairwise(ordered)) / (2 * (len(ordered) - 1))
        if k == "triangular":
            return (self.low + self.mode + self.high) / 3  # type: ignore[operator]
        if k == "uniform":
            return (self.low + self.high) / 2  # type: ignore[operator]
        if k == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        if k == "empirical":
            return sum(self.values) / len(self.values)  # type: ignore[arg-type]
        m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
        if s == 0:
            return m
        a = -m / s
        above = 0.5 * math.erfc(a / math.sqrt(2))  # P(Z > a), the truncated normal's mass
        return m + s * math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / above

    def quantiles(self) -> Callable[[np.ndarray], np.ndarray]:
        """Return ``u -> x``, the inverse CDF over arrays: the engine transforms whole batches."""
        import numpy as np
        from scipy import special  # (see expected)

        from truthsim import exact  # the same bits on every machine (see exact)

        k = self.kind
        if k == "exponential":
            mean = float(self.mean)  # type: ignore[arg-type]
            return lambda u: -mean * exact.log1p(-u)
        if k == "lognormal":
            m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
            sigma = math.sqrt(math.log1p((s / m) ** 2))
            mu = math.log(m) - sigma * sigma / 2
            return lambda u: exact.exp(mu + sigma * special.ndtri(u))
        if k in ("gamma", "erlang"):
            shape, scale = self._gamma()
            return lambda u: scale * special.gammaincinv(shape, u)
        if k == "weibull":
            shape, scale = float(self.shape), float(self.scale)  # type: ignore[arg-type]
            return lambda u: scale * exact.exp(exact.log(-exact.log1p(-u)) / shape)
        if k == "loglogistic":
            shape, scale = float(self.shape), float(self.scale)  # type: ignore[arg-type]
            return lambda u: scale * exact.exp((exact.log(u) - exact.log1p(-u)) / shape)
        if k == "piecewise":
            ordered = np.sort(np.asarray(self.values, dtype=float))
            knots = np.linspace(0.0, 1.0, len(ordered))
            return lambda u: np.interp(u, knots, ordered)
        if k == "triangular":
            lo, mo, hi = float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]
            if hi == lo:
                return lambda u: np.full_like(u, lo)
            cut = (mo - lo) / (hi - lo)
            return lambda u: np.where(
                u < cut,
                lo + np.sqrt(u * (hi - lo) * (mo - lo)),
                hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo)),
            )
        if k == "uniform":
            lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
            return lambda u: lo + u * (hi - lo)
        if k == "fixed":
            value = float(self.value)  # type: ignore[arg-type]
            return lambda u: np.full_like(u, value)
        if k == "empirical":
            ordered = np.sort(np.asarray(self.values, dtype=float))
            n = len(ordered)
            return lambda u: ordered[np.minimum((u * n).astype(np.int64), n - 1)]
        m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
        if s == 0:
            return lambda u: np.full_like(u, m)
        floor = float(special.ndtr(-m / s))
        return lambda u: np.maximum(0.0, m + s * special.ndtri(floor + u * (1 - floor)))

    def cdf(self) -> Callable[[np.ndarray], np.ndarray]:
        """Return ``x -> P(X <= x)`` over arrays, the inverse of :meth:`quantiles` (for a
        customer's next journey given the time already passed)."""
        import numpy as np
        from scipy import special

        from truthsim import exact  # the same bits on every machine (see exact)

        k = self.kind
        if k == "exponential":
            mean = float(self.mean)  # type: ignore[arg-type]
            return lambda x: 1.0 - exact.exp(-np.maximum(x, 0.0) / mean)
        if k == "lognormal":
            m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
            sigma = math.sqrt(math.log1p((s / m) ** 2))
            mu = math.log(m) - sigma * sigma / 2
            if sigma == 0.0:
                return lambda x: (x >= m).astype(float)
            return lambda x: special.ndtr((exact.log(np.maximum(x, 0.0)) - mu) / sigma)
        if k in ("gamma", "erlang"):
            shape, scale = self._gamma()
            return lambda x: special.gammainc(shape, np.maximum(x, 0.0) / scale)
        if k == "weibull":
            shape, scale = float(self.shape), float(self.scale)  # type: ignore[arg-type]
            return lambda x: (
                1.0 - exact.exp(-exact.exp(shape * exact.log(np.maximum(x, 0.0) / scale)))
            )
        if k == "loglogistic":
            shape, scale = float(self.shape), float(self.scale)  # type: ignore[arg-type]
            return lambda x: 1.0 / (1.0 + exact.exp(-shape * exact.log(np.maximum(x, 0.0) / scale)))
        if k == "piecewise":
            ordered = np.sort(np.asarray(self.values, dtype=float))
            knots = np.linspace(0.0, 1.0, len(ordered))
            return lambda x: np.interp(x, ordered, knots)
        if k == "triangular":
            lo, mo, hi = float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]
            if hi == lo:
                return lambda x: (x >= lo).astype(float)

            def triangular(x: np.ndarray) -> np.ndarray:
                x = np.clip(x, lo, hi)
                rising = (x - lo) ** 2 / ((hi - lo) * (mo - lo)) if mo > lo else np.zeros_like(x)
                falling = (
                    1 - (hi - x) ** 2 / ((hi - lo) * (hi - mo)) if hi > mo else np.ones_like(x)
                )
                return np.where(x < mo, rising, falling)

            return triangular
        if k == "uniform":
            lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
            if hi == lo:
                return lambda x: (x >= lo).astype(float)
            return lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        if k == "fixed":
            value = float(self.value)  # type: ignore[arg-type]
            return lambda x: (x >= value).astype(float)
        if k == "empirical":
            ordered = np.sort(np.asarray(self.values, dtype=float))
            return lambda x: np.searchsorted(ordered, x, side="right") / len(ordered)
        m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
        if s == 0:
            return lambda x: (x >= m).astype(float)
        floor = float(special.ndtr(-m / s))
        return lambda x: np.clip((special.ndtr((x - m) / s) - floor) / (1 - floor), 0.0, 1.0)

    def _gamma(self) -> tuple[float, float]:
        """(shape, scale) of a gamma or an Erlang (whose mean is written, not its scale)."""
        shape = float(self.shape)  # type: ignore[arg-type]
        if self.kind == "erlang":
            return shape, float(self.mean) / shape  # type: ignore[arg-type]
        return shape, float(self.scale)  # type: ignore[arg-type]

    def quantile_function(self) -> Callable[[float], float]:
        """The inverse CDF for one number at a time (draws too rare to batch)."""
        import numpy as np

        many = self.quantiles()
        return lambda u: float(many(np.array([u]))[0])

    def describe(self) -> str:
        """A short human reading such as ``exponential(mean=3)``."""
        args = ", ".join(f"{p}={_fmt(getattr(self, p))}" for p in PARAMETERS[self.kind])
        return f"{self.kind}({args})"


_ALL = ("mean", "sd", "shape", "scale", "low", "mode", "high", "value", "values")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)
