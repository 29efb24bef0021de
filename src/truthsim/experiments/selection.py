"""Choosing the best with a stated guarantee: pure functions over per-replication values.

Two procedures, both on paired (common random number) differences, so the variances that matter
are those of differences between variants, not of the variants themselves:

- :func:`kn`: Kim and Nelson's fully sequential procedure (Kim & Nelson 2001, "A fully
  sequential procedure for indifference-zone selection in simulation", ACM TOMACS 11(3)). After a
  first stage of ``n0`` replications it adds one replication at a time to the variants still in
  contention and drops any variant whose mean falls far enough below another's; it selects the
  best with probability at least ``confidence`` when the best leads the rest by ``delta`` or more.
- :func:`mcb`: Hsu's constrained multiple comparisons with the best on a fixed number of
  replications (Hsu 1984; Hsu 1996, "Multiple Comparisons", ch. 4), with Bonferroni critical
  values and pairwise variances for unequal variances and common random numbers (Nelson &
  Matejcik 1995, Management Science 41(12)). The intervals for every variant minus the best of
  the others hold jointly, so every "is / is not the best" sentence read from them holds jointly.

- :func:`screen`: the screening step of Nelson, Swann, Goldsman & Song (2001, "Simple
  procedures for selecting the best simulated system when the number of alternatives is large",
  Operations Research 49(6)), on a few replications before KN's first stage: a variant far
  behind another, by more than the paired t interval less ``delta``, is dropped. Screening at
  ``1 - a1`` and KN at ``1 - a2`` among the survivors select the best with probability at least
  ``1 - a1 - a2`` (Bonferroni, whatever their dependence; KN's constants stay those of every
  variant, since a pair's elimination test is the same in any set of survivors).

Variants are columns; higher is better. Ties go to the lower index (the caller puts the
baseline, then the cheaper options, first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: the smallest first stage the procedures accept: variances from fewer replications are too
#: unreliable for the guarantee to mean much in practice
MIN_FIRST_STAGE = 10
#: replications per variant the screen sees before KN's first stage, unless told. Its guarantee
#: holds from 2 on (for normal outputs), but its widths shrink fast with more: for 9 variants in
#: a 95% answer (a selection at 98.75%, its screen at 99.375%) the t quantile is 25.3 at 3,
#: 11.1 at 4, 7.7 at 5 and 4.5 at 10 replications
SCREEN = 5
#: the most replications per variant a sequential or two-stage procedure runs unless told
DEFAULT_MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class KNState:
    """Where the fully sequential procedure stands after the replications it was given."""

    survivors: tuple[int, ...]  #: variants still in contention (best sample mean first)
    eliminated_at: dict[int, int]  #: variant -> replications it had when it was dropped
    stage: int  #: replications per survivor examined so far
    done: bool  #: one survivor, or past the point where the procedure must stop

    @property
    def best(self) -> int | None:
        return self.survivors[0] if self.done else None


def kn_constants(k: int, n0: int, confidence: float) -> float:
    """KN's h^2 for ``k`` variants, first stage ``n0`` and the stated confidence."""
    alpha = 1.0 - confidence
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


def pairwise_variances(first: np.ndarray) -> np.ndarray:
    """Sample variance of X_i - X_l for every pair, from an (n, k) array of replications."""
    diffs = first[:, :, None] - first[:, None, :]
    return diffs.var(axis=0, ddof=1)


def screen(first: np.ndarray, delta: float, confidence: float) -> tuple[int, ...]:
    """The variants that survive screening on an (n, k) array, best sample mean first.

    Variant i survives when its mean is at least every other's less ``(W_il - delta)+``, with
    ``W_il = t S_il / sqrt(n)``, ``S_il`` the standard deviation of the paired differences and
    ``t`` the one-sided t quantile at ``1 - (1 - confidence) / (k - 1)`` (Bonferroni: valid with
    common random numbers). The best survives with probability at least ``confidence`` when it
    leads the rest by ``delta`` or more.
    """
    n, k = first.shape
    _check(k, n, delta, confidence)
    means = first.mean(axis=0)
    if k > 1:
        t = stats.t.ppf(1.0 - (1.0 - confidence) / (k - 1), n - 1)
        width = np.maximum(0.0, t * np.sqrt(pairwise_variances(first) / n) - delta)
        gap = means[None, :] - means[:, None]  # row i, column l: mean_l - mean_i
        np.fill_diagonal(gap, -np.inf)
        kept = np.flatnonzero(~(gap > width).any(axis=1))
    else:
        kept = np.zeros(1, dtype=int)
    return tuple(sorted((int(i) for i in kept), key=lambda i: (-means[i], i)))


def screen_first(
    samples: Sequence[np.ndarray], n_screen: int, delta: float, confidence: float
) -> tuple[int, ...]:
    """:func:`screen` on the first ``n_screen`` replications of each variant."""
    first = np.column_stack([np.asarray(s[:n_screen], dtype=float) for s in samples])
    return screen(first, delta, confidence)


def halved(confidence: float) -> float:
    """The confidence each of the screen and KN gets so that both hold at ``confidence``."""
    return 1.0 - (1.0 - confidence) / 2.0


def screened_kn(
    samples: Sequence[np.ndarray],
    delta: float,
    confidence: float,
    n_screen: int = SCREEN,
    n0: int = MIN_FIRST_STAGE,
) -> KNState:
    """The screen on the first ``n_screen`` replications, then KN among its survivors, each at
    :func:`halved` ``confidence``: the procedure a what-if runs (``pool.by_kn``), on data."""
    part = halved(confidence)
    return kn(samples, delta, part, n0, screen_first(samples, n_screen, delta, part), n_screen)


def kn(
    samples: Sequence[np.ndarray],
    delta: float,
    confidence: float,
    n0: int = MIN_FIRST_STAGE,
    among: Sequence[int] | None = None,
    n_screen: int = 0,
) -> KNState:
    """Run KN as far as ``samples`` (one array of replications per variant) allow.

    Every variant in ``among`` (all by default) needs ``n0`` replications, unless it is the only
    one; a survivor's further replications are examined one
    at a time, in order, for as long as every survivor has the next one. Replications beyond what
    the procedure needs are ignored, so calling again with more data continues where it stopped.
    ``among``: the variants a screen of ``n_screen`` replications left (the others count as
    eliminated there, and need no first stage); KN's constants stay those of all
    ``len(samples)`` variants.
    """
    k = len(samples)
    _check(k, n0, delta, confidence)
    live0 = list(range(k)) if among is None else sorted(among)
    screened_to_one = among is not None and len(live0) == 1
    if not screened_to_one and any(len(samples[i]) < n0 for i in live0):
        raise ValueError(f"every variant needs the first stage of {n0} replications")
    eliminated = {i: n_screen for i in range(k) if i not in live0}
    if len(live0) == 1:
        return KNState((live0[0],), eliminated, n_screen if screened_to_one else n0, True)
    first = np.zeros((n0, k))
    for i in live0:
        first[:, i] = samples[i][:n0]
    h2 = kn_constants(k, n0, confidence)
    spread = h2 * pairwise_variances(first) / delta**2  # W_il(r) = delta/(2r) (spread_il - r)
    sums = first.sum(axis=0)
    survivors = live0
    r = n0
    while True:
        means = sums / r
        live = np.array(survivors)
        if r > spread[np.ix_(live, live)].max():  # every W is 0: the largest mean is selected
            ranked = sorted(survivors, key=lambda i: (-means[i], i))
            eliminated.update({i: r for i in ranked[1:]})
            return KNState((ranked[0],), eliminated, r, True)
        width = np.maximum(0.0, delta / (2 * r) * (spread[np.ix_(live, live)] - r))
        gap = means[live][None, :] - means[live][:, None]  # row i, column l: mean_l - mean_i
        np.fill_diagonal(gap, -np.inf)
        dropped = (gap > width).any(axis=1)
        for i in live[dropped]:
            eliminated[int(i)] = r
        survivors = [int(i) for i in live[~dropped]]
        ranked = tuple(sorted(survivors, key=lambda i: (-means[i], i)))
        if len(survivors) == 1:
            return KNState(ranked, eliminated, r, True)
        if any(len(samples[i]) <= r for i in survivors):
            return KNState(ranked, eliminated, r, False)
        for i in survivors:
            sums[i] += samples[i][r]
        r += 1


def kn_bound(
    samples: Sequence[np.ndarray],
    survivors: Sequence[int],
    delta: float,
    confidence: float,
    n0: int = MIN_FIRST_STAGE,
) -> int:
    """Replications per variant by which KN is sure to finish among ``survivors``.

    Every elimination width is zero from stage floor(h^2 S^2 / delta^2) + 1 on, and there the
    largest mean is selected: a bound fixed by the first stage.
    """
    first = np.column_stack([np.asarray(samples[i][:n0], dtype=float) for i in survivors])
    spread = kn_constants(len(samples), n0, confidence) * pairwise_variances(first) / delta**2
    return max(n0, math.floor(float(spread.max())) + 1)


def kn_fixed_equivalent(first: np.ndarray, delta: float, confidence: float) -> int:
    """Replications per variant a fixed-sample design needs for the same guarantee.

    The two-stage design that takes the same first stage and then a fixed number for every
    variant (Nelson & Matejcik 1995, procedure NM / Clark & Yang 1986 with Bonferroni): enough
    that every paired interval with Bonferroni-adjusted one-sided t is at most ``delta`` wide.
    """
    n0, k = first.shape
    t = stats.t.ppf(1.0 - (1.0 - confidence) / (k - 1), n0 - 1)
    return max(n0, math.ceil(t**2 * pairwise_variances(first).max() / delta**2))


@dataclass(frozen=True)
class MCB:
    """Simultaneous intervals for each variant's mean minus the best of the others' means."""

    means: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence: float
    #: variants that may be the best (upper bound not below zero), best sample mean first
    contenders: tuple[int, ...]

    def best_within(self, delta: float) -> int | None:
        """The leader, if it is the best or within ``delta`` of it at the stated confidence."""
        leader = self.contenders[0]
        return leader if self.low[leader] >= -delta else None


def mcb(values: np.ndarray, confidence: float) -> MCB:
    """Constrained MCB on an (n, k) array: replication by variant, common random numbers."""
    n, k = values.shape
    means = values.mean(axis=0)
    if k == 1:
        zero = np.zeros(1)
        return MCB(means, zero, zero, confidence, (0,))
    if n < 2:
        raise ValueError("multiple comparisons need at least 2 replications")
    t = stats.t.ppf(1.0 - (1.0 - confidence) / (k - 1), n - 1)
    w = t * np.sqrt(pairwise_variances(values) / n)
    diff = means[:, None] - means[None, :]  # row i, column j: mean_i - mean_j
    others = ~np.eye(k, dtype=bool)
    upper = np.where(others, diff + w, np.inf).min(axis=1)
    high = np.maximum(0.0, upper)
    # ">= 0" rather than Hsu's "> 0": the same with continuous outputs, and it keeps variants
    # that are exactly tied with the best (identical replications) in contention
    contenders = np.flatnonzero(upper >= 0)
    low = np.zeros(k)
    for i in range(k):
        rivals = [j for j in contenders if j != i]
        if rivals:
            low[i] = min(0.0, min(diff[i, j] - w[i, j] for j in rivals))
    order = tuple(sorted((int(i) for i in contenders), key=lambda i: (-means[i], i)))
    return MCB(means, low, high, confidence, order)


def _check(k: int, n0: int, delta: float, confidence: float) -> None:
    if k < 1:
        raise ValueError("nothing to choose from")
    if n0 < 2:
        raise ValueError("the first stage needs at least 2 replications")
    if not delta > 0:
        raise ValueError("the indifference zone delta must be positive")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
