"""What a fit returns: each parameter's estimate with its interval, the sampling distribution of
a group of them, and the parameters the data could not pin down (with the reason)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: 97.5% normal quantile: 95% two-sided intervals
Z95 = 1.959963984540054
#: half the 95% chi-square(1) quantile: a profile likelihood interval's drop in log-likelihood
PROFILE_DROP = 1.920729410347062
#: level at which a test's rejection is reported (e.g. customers of a segment who differ)
LEVEL = 0.05


@dataclass
class Fitted:
    """One fitted scenario value at a dotted path, with a 95% interval."""

    path: str
    estimate: float
    low: float
    high: float
    se: float  #: standard error on the value's own scale (delta method where it was transformed)
    source: str  #: the data it came from, in words ("4,210 moments in moments.csv")
    method: str  #: how: "ordered logit (statsmodels)", "profile likelihood", ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "estimate": _plain(self.estimate),
            "low": _plain(self.low),
            "high": _plain(self.high),
            "se": _plain(self.se),
            "source": self.source,
            "method": self.method,
        }


@dataclass
class Unidentified:
    """A parameter the data cannot estimate: kept as the scenario has it, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class Draws:
    """A group of parameters drawn together: a normal distribution on transformed scales.

    ``latent`` are the estimates on the fitting scale, ``covariance`` their covariance. Each
    entry of ``targets`` maps latent values to scenario paths: ``(transform, latent indexes,
    paths)`` with transform one of identity, log, logit, outcomes (two cut-point values to three
    shares), shift (a log-odds impact to a change in an average customer's return probability).
    """

    latent: np.ndarray
    covariance: np.ndarray
    targets: list[tuple[str, list[int], list[str]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "latent": [float(x) for x in self.latent],
            "covariance": [[float(x) for x in row] for row in self.covariance],
            "targets": [
                {"transform": t, "latent": list(i), "paths": list(p)} for t, i, p in self.targets
            ],
        }


@dataclass
class FitResult:
    """What one fit contributes to the calibration."""

    fitted: list[Fitted] = field(default_factory=list)
    unidentified: list[Unidentified] = field(default_factory=list)
    draws: list[Draws] = field(default_factory=list)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: FitResult) -> None:
        self.fitted += other.fitted
        self.unidentified += other.unidentified
        self.draws += other.draws
        self.diagnostics.update(other.diagnostics)
        self.notes += other.notes


def wald(
    path: str,
    value: float,
    se: float,
    source: str,
    method: str,
    transform: str = "identity",
) -> Fitted:
    """A Wald interval on the fitting scale, mapped back (monotone transforms keep coverage).

    ``value`` and ``se`` are on the fitting scale: identity, log (a positive value) or logit
    (a probability).
    """
    back = {"identity": lambda x: x, "log": _exp, "logit": _sigmoid}[transform]
    slope = {"identity": 1.0, "log": back(value), "logit": back(value) * (1 - back(value))}
    estimate = back(value)
    if not math.isfinite(se):
        return Fitted(path, estimate, math.nan, math.nan, math.nan, source, method)
    return Fitted(
        path,
        estimate,
        back(value - Z95 * se),
        back(value + Z95 * se),
        slope[transform] * se,
        source,
        method,
    )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _plain(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def counted(n: int, what: str, file: str) -> str:
    return f"{n:,} {what} in {file}"


def _exp(x: float) -> float:
    """exp, with an interval's end beyond any float kept at the largest one (not an error)."""
    return math.exp(min(x, 709.0))
