"""What a fit of the return model holds: which numbers its parameter vector has, in order, and
how a segment's baseline and its spread between customers are read from them.

A segment's slots: its baseline (one number, or two with a Beta spread; none when held as the
scenario has it), then its rhythm (see :mod:`truthsim.calibration.rhythm`; none when kept as
written); after every segment's, the shifts and the forgetting half-life.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg, special

from truthsim.calibration.rhythm import RhythmForm

#: quadrature nodes over a customer's baseline when it varies within the segment
NODES = 20
#: how a segment's baseline is written: one number, {mean, polarisation}, {churn_alpha, churn_beta}
PLAIN, MEAN, SBG = None, "mean", "sbg"
#: bounds of the fitting scale: logit mean, logit polarisation, log churn alpha and beta (the
#: schema's Beta parameters stay within 0.001..10,000)
BOUND = 12.0
POLARISATION_BOUNDS = (-9.0, 6.0)
SBG_BOUNDS = (math.log(1.01e-3), math.log(0.99e4))
#: bounds of the log forgetting half-life in days: a day to about 270 years (never, in effect)
HALF_LIFE_BOUNDS = (0.0, math.log(1e5))


#: a segment's baseline as the scenario has it, held out of the fit: (mean, Beta (a, b) or None)
Held = tuple[float, tuple[float, float] | None]


@dataclass(frozen=True)
class Layout:
    """Which numbers the parameter vector holds, in order."""

    segments: list[str]
    spread: list[str | None]  #: per segment: PLAIN, MEAN or SBG (how its baseline varies)
    shifts: list[tuple[int, int]]  #: (touchpoint, outcome) pairs whose shift is estimated
    half_life: bool = False  #: whether the last slot is the log forgetting half-life (days)
    #: per segment, its baseline held as the scenario has it (no slots), or None: fitted
    held: tuple[Held | None, ...] = ()
    #: per segment, how its rhythm is fitted, or None (or nothing): kept as written
    rhythm: tuple[RhythmForm | None, ...] = ()

    def is_held(self, segment: int) -> bool:
        return segment < len(self.held) and self.held[segment] is not None

    def width(self, segment: int) -> int:
        """Slots of a segment's baseline: none when held, two with a spread, else one."""
        return 0 if self.is_held(segment) else 2 if self.spread[segment] else 1

    def rhythm_of(self, segment: int) -> RhythmForm | None:
        return self.rhythm[segment] if segment < len(self.rhythm) else None

    def rhythm_start(self) -> int:
        """The first rhythm slot (the baselines' slots come before)."""
        return sum(self.width(s) for s in range(len(self.spread)))

    def rhythm_slots(self) -> list[tuple[int, ...]]:
        """Per segment, the slots of its rhythm (none when kept as written)."""
        out, k = [], self.rhythm_start()
        for s in range(len(self.spread)):
            form = self.rhythm_of(s)
            width = form.width() if form is not None else 0
            out.append(tuple(range(k, k + width)))
            k += width
        return out

    def shift_start(self) -> int:
        """The first shift's slot (the baselines' and rhythms' slots come before)."""
        return self.rhythm_start() + sum(len(slots) for slots in self.rhythm_slots())

    def size(self) -> int:
        return self.shift_start() + len(self.shifts) + self.half_life

    def baseline_slots(self) -> list[tuple[int, ...]]:
        out, k = [], 0
        for s in range(len(self.spread)):
            width = self.width(s)
            out.append(tuple(range(k, k + width)))
            k += width
        return out

    def bounds(self) -> list[tuple[float, float]]:
        """Each slot's bounds on its fitting scale."""
        out: list[tuple[float, float]] = []
        for s, form in enumerate(self.spread):
            if self.is_held(s):
                continue
            if form == SBG:
                out += [SBG_BOUNDS, SBG_BOUNDS]
            elif form == MEAN:
                out += [(-BOUND, BOUND), POLARISATION_BOUNDS]
            else:
                out.append((-BOUND, BOUND))
        for s in range(len(self.spread)):
            form = self.rhythm_of(s)
            out += form.bounds() if form is not None else []
        out += [(-BOUND, BOUND)] * len(self.shifts)
        return out + ([HALF_LIFE_BOUNDS] if self.half_life else [])

    def holding(self, segment: int, value: Held) -> Layout:
        """This layout with a segment's baseline held at ``value``."""
        held = list(self.held) + [None] * (len(self.spread) - len(self.held))
        held[segment] = value
        return replace(self, held=tuple(held))

    def with_rhythm(self, segment: int, form: RhythmForm | None) -> Layout:
        rhythm = [self.rhythm_of(s) for s in range(len(self.spread))]
        rhythm[segment] = form
        return replace(self, rhythm=tuple(rhythm))

    def with_spread(self, segment: int, form: str | None) -> Layout:
        spread = list(self.spread)
        spread[segment] = form
        return replace(self, spread=spread)


def beta_of(form: str | None, values: Sequence[float]) -> tuple[float, tuple[float, float] | None]:
    """(mean baseline return, Beta (a, b) of the baseline or None) from a segment's slots."""
    if form == SBG:
        alpha, beta = math.exp(values[0]), math.exp(values[1])  # churn ~ Beta(alpha, beta)
        return beta / (alpha + beta), (beta, alpha)
    mean = float(special.expit(values[0]))
    if form == MEAN:
        return mean, beta_shape(mean, float(special.expit(values[1])))
    return mean, None


def at_no_spread(form: str | None, values: Sequence[float]) -> bool:
    """Whether a segment's fitted spread sits at its bound of 'customers alike'."""
    if form == MEAN:
        return values[1] <= POLARISATION_BOUNDS[0] + 0.05
    if form == SBG:
        return max(values[0], values[1]) >= SBG_BOUNDS[1] - 0.05
    return False


def beta_nodes(a: float, b: float, n: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes and weights for the Beta(a, b) distribution on (0, 1).

    The Golub-Welsch eigenvalue method on the Jacobi polynomials' three-term recurrence, with
    weights normalised to sum to 1 (scipy's ``roots_jacobi`` overflows in its weights' scale
    once a + b passes about 1,000, and the scale cancels here anyway).
    """
    al, be = b - 1.0, a - 1.0  # weight (1 - x)^al (1 + x)^be on (-1, 1), x = 2p - 1
    k = np.arange(n, dtype=float)
    s = 2.0 * k + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = np.where(
            k == 0, (be - al) / (al + be + 2.0), (be * be - al * al) / (s * (s + 2.0))
        )
    j = k[1:]
    t = 2.0 * j + al + be
    # (j + al + be) / (t - 1) is 1 at j = 1 (t - 1 is then j + al + be itself): taken so, it
    # stays defined where a + b = 1 makes both 0
    ratio = np.ones_like(j)
    ratio[1:] = (j[1:] + al + be) / (t[1:] - 1.0)
    off = np.sqrt(4.0 * j * (j + al) * (j + be) * ratio / (t * t * (t + 1.0)))
    x, vectors = linalg.eigh_tridiagonal(diagonal, off)
    weights = vectors[0] ** 2
    return np.clip((x + 1.0) / 2.0, 1e-300, np.nextafter(1.0, 0.0)), weights / weights.sum()


def beta_shape(mean: float, polarisation: float) -> tuple[float, float]:
    """Beta (a, b) with the given mean and polarisation 1 / (a + b + 1)."""
    total = 1.0 / polarisation - 1.0
    return mean * total, (1.0 - mean) * total
