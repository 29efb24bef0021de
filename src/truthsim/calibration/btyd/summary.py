"""Per-customer sufficient statistics (x, t_x, T) of a transaction log, vectorised.

The "recency-frequency" summary of Fader, Hardie & Lee (2005), section 2: ``x`` repeat
transactions in the calibration period, ``t_x`` the time of the last one and ``T`` the length
of observation, both measured from the customer's first transaction. For the discrete BG/BB
model the same arrays hold (x, t_x, n), with ``T`` the number of transaction opportunities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Summary", "holdout_counts", "poisson_log", "summarise"]


@dataclass(frozen=True)
class Summary:
    """Per-customer arrays, float64: ``x`` repeat transactions, ``t_x`` time of the last one
    and ``T`` time to the end of calibration (both from the first transaction); ``ids`` the
    customer ids in the same order (``None`` when built by hand)."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        arrays = [
            np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (self.x, self.t_x, self.T)
        ]
        x, t_x, T = np.broadcast_arrays(*arrays)
        for name, a in (("x", x), ("t_x", t_x), ("T", T)):
            object.__setattr__(self, name, np.ascontiguousarray(a))
        if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T) or np.any((x == 0) & (t_x != 0)):
            raise ValueError("need x >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0")
        if self.ids is not None and len(self.ids) != len(x):
            raise ValueError("ids must have one entry per customer")

    def __len__(self) -> int:
        return len(self.x)


def _sorted_distinct(
    customer: np.ndarray, time: np.ndarray, keep: np.ndarray, merge_ties: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kept transactions sorted by (customer, time), ties merged; and each customer's start."""
    c = np.asarray(customer)[keep]
    t = np.asarray(time, dtype=np.float64)[keep]
    order = np.lexsort((t, c))
    c, t = c[order], t[order]
    new = np.empty(len(c), dtype=bool)
    new[:1] = True
    np.not_equal(c[1:], c[:-1], out=new[1:])
    if merge_ties:
        distinct = new.copy()
        distinct[1:] |= t[1:] != t[:-1]
        c, t, new = c[distinct], t[distinct], new[distinct]
    return c, t, np.flatnonzero(new)


def summarise(
    customer: np.ndarray, time: np.ndarray, end: float, *, merge_ties: bool = True
) -> Summary:
    """Summary (x, t_x, T) of a transaction log using the transactions at times <= ``end``.

    ``customer`` holds integer ids and ``time`` the transaction times (any unit). Customers are
    in ``np.unique(customer)`` order; those whose first transaction is after ``end`` are left
    out. With ``merge_ties`` (default) transactions of one customer at the same time count as
    one, as Fader & Hardie do with same-day CDNOW purchases. No Python loop per customer.
    """
    customer = np.asarray(customer)
    time = np.asarray(time, dtype=np.float64)
    if customer.shape != time.shape or customer.ndim != 1:
        raise ValueError("customer and time must be 1-d arrays of the same length")
    if np.isnan(time).any():
        raise ValueError("time has NaN")
    c, t, start = _sorted_distinct(customer, time, time <= end, merge_ties)
    stop = np.append(start[1:], len(c)) - 1 if len(start) else start
    first, last = t[start], t[stop]
    return Summary(
        x=(stop - start).astype(np.float64), t_x=last - first, T=end - first, ids=c[start]
    )


def holdout_counts(
    customer: np.ndarray,
    time: np.ndarray,
    start: float,
    stop: float,
    ids: np.ndarray,
    *,
    merge_ties: bool = True,
) -> np.ndarray:
    """Number of transactions of each customer in ``ids`` at times in (start, stop], as int64.

    Customers not in ``ids`` are ignored; ties are merged as in :func:`summarise`.
    """
    customer = np.asarray(customer)
    time = np.asarray(time, dtype=np.float64)
    ids = np.asarray(ids)
    c, _, _ = _sorted_distinct(customer, time, (time > start) & (time <= stop), merge_ties)
    counts = np.zeros(len(ids), dtype=np.int64)
    if len(ids) == 0 or len(c) == 0:
        return counts
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.minimum(np.searchsorted(sorted_ids, c), len(ids) - 1)
    found = sorted_ids[pos] == c
    counts[order] = np.bincount(pos[found], minlength=len(ids))
    return counts


def poisson_log(
    rng: np.random.Generator,
    rate: np.ndarray,
    horizon: np.ndarray,
    cap: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic log (customer, time) for the simulators: customer i (0..n-1) buys at time 0,
    then at the first ``cap[i]`` points of a Poisson process of rate ``rate[i]`` on
    (0, ``horizon[i]``]. Sorted by customer, then time."""
    rate, horizon = np.broadcast_arrays(np.asarray(rate, float), np.asarray(horizon, float))
    n_customers = len(rate)
    counts = rng.poisson(rate * horizon)
    who = np.repeat(np.arange(n_customers), counts)
    when = (1.0 - rng.random(len(who))) * horizon[who]
    order = np.lexsort((when, who))
    who, when = who[order], when[order]
    if cap is not None:
        rank = np.arange(len(who)) - (np.cumsum(counts) - counts)[who]
        keep = rank < np.asarray(cap)[who]
        who, when = who[keep], when[keep]
    customer = np.concatenate([np.arange(n_customers), who])
    time = np.concatenate([np.zeros(n_customers), when])
    order = np.lexsort((time, customer))
    return customer[order], time[order]
