"""The rhythm of coming back as a likelihood: days between journeys, and how customers differ.

The engine's rule (:mod:`truthsim.behaviour.rhythm`): a customer's gaps are Y / m, with Y the
segment's gap (exponential, gamma or lognormal, of mean mu) and m the customer's own rate factor,
Gamma(k, rate k) with mean 1, drawn once. Given a customer's x observed gaps (sum S, sum of logs
L, sum of squared logs Q), the m-integral of their density is closed-form for exponential and
gamma gaps (the Gamma is conjugate), and a customer who would come back after the last journey
seen has not by the end of the data with probability rho, the predictive chance of a gap longer
than the R days left, given the gaps seen:

- exponential: G0 = Gamma(k + x) / Gamma(k) (k mu)^k / (k mu + S)^(k + x), and
  rho = ((k mu + S) / (k mu + S + R))^(k + x) (the NBD's, as in BG/NBD);
- gamma of shape kappa (scale t = mu / kappa): G0 = Gamma(k + kappa x) / Gamma(k) (k t)^k
  prod(g^(kappa - 1)) / Gamma(kappa)^x / (k t + S)^(k + kappa x), and rho = I_z(k + kappa x,
  kappa) with z = (k t + S) / (k t + S + R): given the gaps, the rate is Gamma(k + kappa x,
  k t + S), and P(U > rate R) for U ~ Gamma(kappa) is a Beta-prime tail;
- lognormal (customers alike): the normal density of the log gaps, and rho = P(Y > R).

Without a spread (customers alike) m = 1. A segment whose rhythm is not fitted has its
written distribution: the same formulas at the written values where it is one of these
families, and otherwise its survival function for rho (its gaps then tell nothing of the fit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from truthsim.scenario.customers import Rhythm

EXPONENTIAL, GAMMA, LOGNORMAL = "exponential", "gamma", "lognormal"
FAMILIES = (EXPONENTIAL, GAMMA, LOGNORMAL)
#: fitting-scale bounds: log days (a mean, a scale, a standard deviation), log gamma shape, log
#: rate shape (the schema's own limits)
DAYS_BOUNDS = (math.log(1e-3), math.log(1e5))
SHAPE_BOUNDS = (math.log(0.05), math.log(50.0))
RATE_SHAPE_BOUNDS = (math.log(1e-3), math.log(1e4))
#: the shortest gap taken (days: a minute), so that a same-day return keeps a finite log
FLOOR_DAYS = 1.0 / 1440.0


@dataclass(frozen=True)
class RhythmForm:
    """How a segment's rhythm is fitted: its family, and whether customers differ in it."""

    family: str
    spread: bool = False

    def fields(self) -> list[str]:
        """The scenario's fields under days_between_journeys, one slot each (log scale)."""
        own = {EXPONENTIAL: ["mean"], GAMMA: ["shape", "scale"], LOGNORMAL: ["mean", "sd"]}
        return own[self.family] + (["rate_shape"] if self.spread else [])

    def width(self) -> int:
        return len(self.fields())

    def bounds(self) -> list[tuple[float, float]]:
        known = {"shape": SHAPE_BOUNDS, "rate_shape": RATE_SHAPE_BOUNDS}
        return [known.get(f, DAYS_BOUNDS) for f in self.fields()]


@dataclass
class Gaps:
    """Per customer: the gaps seen (count, sum, sum of logs, sum of squared logs, in days) and
    the days from their last journey's end to the end of the data."""

    x: np.ndarray
    total: np.ndarray
    logs: np.ndarray
    squares: np.ndarray
    left: np.ndarray

    @classmethod
    def of(cls, customer: np.ndarray, gaps: np.ndarray, left: np.ndarray, n: int) -> Gaps:
        """From each gap's customer (0..n-1) and length, and each customer's days left."""
        g = np.maximum(gaps, FLOOR_DAYS)
        logs = np.log(g)
        return cls(
            np.bincount(customer, minlength=n).astype(float),
            np.bincount(customer, weights=g, minlength=n),
            np.bincount(customer, weights=logs, minlength=n),
            np.bincount(customer, weights=logs * logs, minlength=n),
            np.maximum(np.asarray(left, dtype=float), 0.0),
        )

    def take(self, rows: np.ndarray) -> Gaps:
        return Gaps(*(getattr(self, f)[rows] for f in ("x", "total", "logs", "squares", "left")))


def rhythm_terms(
    form: RhythmForm | None, values: np.ndarray, written: Rhythm, gaps: Gaps
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: log G0 (the gaps' density, m integrated out; 0 for a rhythm not fitted)
    and log rho (the chance that a return after the last journey seen is not seen yet)."""
    if form is None:
        return np.zeros(len(gaps.x)), _written_survival(written, gaps)
    k = math.exp(values[-1]) if form.spread else None
    x, S, L, R = gaps.x, gaps.total, gaps.logs, gaps.left
    if form.family == EXPONENTIAL:
        mu = math.exp(values[0])
        if k is None:
            return -x * math.log(mu) - S / mu, -R / mu
        a = k * mu
        log_g0 = (
            special.gammaln(k + x) - special.gammaln(k) + k * math.log(a) - (k + x) * np.log(a + S)
        )
        return log_g0, (k + x) * (np.log(a + S) - np.log(a + S + R))
    if form.family == GAMMA:
        kappa, t = math.exp(values[0]), math.exp(values[1])
        density = (kappa - 1.0) * L - x * special.gammaln(kappa)
        if k is None:
            log_g0 = density - S / t - kappa * x * math.log(t)
            return log_g0, np.log(np.maximum(special.gammaincc(kappa, R / t), 1e-300))
        a, shape = k * t, k + kappa * x
        log_g0 = (
            density
            + special.gammaln(shape)
            - special.gammaln(k)
            + k * math.log(a)
            - shape * np.log(a + S)
        )
        z = (a + S) / (a + S + R)
        return log_g0, np.log(np.maximum(special.betainc(shape, kappa, z), 1e-300))
    mu, sd = math.exp(values[0]), math.exp(values[1])
    sigma = max(math.sqrt(math.log1p((sd / mu) ** 2)), 1e-9)
    nu = math.log(mu) - sigma * sigma / 2.0
    log_g0 = (
        -L
        - x * (math.log(sigma) + 0.5 * math.log(2.0 * math.pi))
        - (gaps.squares - 2.0 * nu * L + x * nu * nu) / (2.0 * sigma * sigma)
    )
    with np.errstate(divide="ignore"):
        tail = special.log_ndtr(-(np.log(np.maximum(R, 1e-300)) - nu) / sigma)
    return log_g0, np.where(R > 0.0, tail, 0.0)


def _written_survival(written: Rhythm, gaps: Gaps) -> np.ndarray:
    """log rho under the written distribution, given each customer's gaps (their rate factor
    integrated out where customers differ): the rhythm kept as the scenario has it."""
    form = written_form(written)
    if form is not None:
        return rhythm_terms(form, written_values(written, form), written, gaps)[1]
    survival = 1.0 - written.cdf()(gaps.left)
    return np.log(np.maximum(survival, 1e-300))


def written_form(written: Rhythm) -> RhythmForm | None:
    """The written distribution as a form the likelihood knows, or None."""
    if written.kind not in FAMILIES:
        return None
    return RhythmForm(written.kind, written.rate_shape is not None)


def written_values(written: Rhythm, form: RhythmForm) -> np.ndarray:
    """The written distribution's values on the fitting scale of ``form``."""
    return np.log([float(getattr(written, field)) for field in form.fields()])


def start_values(form: RhythmForm, gaps: Gaps, written: Rhythm) -> np.ndarray:
    """Where a fit of the rhythm starts: the gaps' own mean and spread (the written mean where
    no gap was seen), customers differing moderately."""
    seen = gaps.x.sum()
    mean = float(gaps.total.sum() / seen) if seen else written.expected()
    mean = max(mean, 1e-3)
    if seen > 1:
        log_mean = gaps.logs.sum() / seen
        log_var = max(gaps.squares.sum() / seen - log_mean**2, 1e-4)
    else:
        log_var = 1.0
    shape = min(max(1.0 / log_var, 0.1), 20.0)  # the gamma whose log-gaps spread as much
    start = {
        "mean": mean,
        "shape": shape,
        "scale": mean / shape,
        "sd": mean * math.sqrt(math.expm1(log_var)),
        "rate_shape": 1.0,
    }
    lows, highs = zip(*form.bounds(), strict=True)
    return np.clip(np.log([start[f] for f in form.fields()]), lows, highs)


def scenario_values(form: RhythmForm, values: np.ndarray) -> dict[str, object]:
    """The scenario's days_between_journeys for fitted ``values``: {kind, mean, ...}."""
    return {"kind": form.family} | {
        field: float(math.exp(v)) for field, v in zip(form.fields(), values, strict=True)
    }
