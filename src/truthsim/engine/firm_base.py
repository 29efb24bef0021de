"""A firm's own customers on day 0, each drawn anew in every replication from what their history
says about them.

Day 0 is the end of the firm's data. Each customer's history leaves them alive (they will come
back, after a gap longer than the days since their last journey) with a probability, and, if
alive, with an own baseline return and rate of coming back drawn from their posterior given the
history, as BG/NBD's conditional expectations use it. Those posteriors are computed once, by the
calibration (see :mod:`truthsim.calibration.firm`), and held here as per-customer laws:

- alive: a probability;
- baseline return: a Beta (conjugate where no moment is known), or a grid of values with each
  one's cumulative probability (where moments move the customer's return probability);
- rate factor: a Gamma (conjugate for exponential gaps), a grid, or 1 (customers alike).

A replication draws with numbers keyed by the customer's place in the data and a purpose, so
every variant of a replication starts from the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import special

from truthsim.engine.base import POOL_FIELDS, BasePool
from truthsim.engine.streams import Streams, keys, tag

FIRM, ALIVE, BASELINE, RATE = (tag(n) for n in ("firm", "alive", "firm-baseline", "firm-rate"))


@dataclass
class Law:
    """Per customer, a law on (0, inf) or (0, 1) to draw from by inverse CDF: a Beta(a, b), a
    Gamma(shape, rate), a grid (values, cumulative probabilities; one row per customer), or a
    fixed value."""

    kind: str  #: "beta", "gamma", "grid" or "fixed"
    first: np.ndarray  #: a, shape, grid values or the fixed values
    second: np.ndarray | None = None  #: b, rate, or the grid's cumulative probabilities

    def draw(self, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The quantiles at ``u`` of the laws of customers ``rows``."""
        if self.kind == "fixed":
            return self.first[rows]
        if self.kind == "beta":
            return special.betaincinv(self.first[rows], self.second[rows], u)  # type: ignore[index]
        if self.kind == "gamma":
            return special.gammaincinv(self.first[rows], u) / self.second[rows]  # type: ignore[index]
        cumulative = self.second[rows]  # type: ignore[index]
        index = (cumulative < u[:, None]).sum(axis=1)
        return self.first[rows, np.minimum(index, cumulative.shape[1] - 1)]


@dataclass
class FirmBase:
    """A firm's customers as their data leave them (a pool whose baselines and rhythms are
    drawn per replication), with the chance each is still a customer."""

    pool: BasePool  #: histories, memory and times; its baseline and rhythm are replaced
    alive: np.ndarray  #: per customer, the probability they will come back
    baseline: Law  #: per customer, their baseline return probability given they are alive
    rate: Law  #: per customer, their rate factor given they are alive
    ids: list[str]  #: the customers' ids in the data, in the pool's order

    def draw(self, streams: Streams) -> tuple[BasePool, np.ndarray]:
        """This replication's customers: those drawn alive, with their own baseline (log-odds)
        and rate, from the replication's keyed numbers."""
        draw_many = streams.draws
        n = len(self.alive)
        customer_keys = keys(FIRM, np.arange(n, dtype=np.uint64))
        alive = np.array(draw_many(customer_keys, ALIVE)) < self.alive
        rows = np.flatnonzero(alive)
        u_b = np.array(draw_many(customer_keys[rows], BASELINE)) if len(rows) else np.zeros(0)
        u_r = np.array(draw_many(customer_keys[rows], RATE)) if len(rows) else np.zeros(0)
        baseline, rhythm = np.zeros(n), np.ones(n)
        p = np.clip(self.baseline.draw(u_b, rows), 1e-12, 1.0 - 1e-12)
        baseline[rows] = special.logit(p)
        rhythm[rows] = np.maximum(self.rate.draw(u_r, rows), 1e-12)
        return replace(self.pool, baseline=baseline, rhythm=rhythm), rows


def save_firm_base(base: FirmBase, path: Path) -> None:
    """The base as one .npz file (plain arrays: it loads without the data or the calibration)."""
    arrays = {f"pool_{name}": getattr(base.pool, name) for name in POOL_FIELDS}
    arrays |= {f"baseline_{k}": v for k, v in _law_arrays(base.baseline).items()}
    arrays |= {f"rate_{k}": v for k, v in _law_arrays(base.rate).items()}
    arrays["alive"] = base.alive
    arrays["ids"] = np.array(base.ids, dtype=str)
    arrays["kinds"] = np.array([base.baseline.kind, base.rate.kind], dtype=str)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def load_firm_base(path: Path) -> FirmBase:
    """A base saved by :func:`save_firm_base`."""
    with np.load(path, allow_pickle=False) as saved:
        pool = BasePool(**{name: saved[f"pool_{name}"] for name in POOL_FIELDS}, mean_count=0.0)
        pool.mean_count = float(len(pool))
        kinds = [str(k) for k in saved["kinds"]]
        laws = [
            Law(
                kind,
                saved[f"{side}_first"],
                saved.get(f"{side}_second", None),
            )
            for kind, side in zip(kinds, ("baseline", "rate"), strict=True)
        ]
        return FirmBase(pool, saved["alive"], laws[0], laws[1], [str(i) for i in saved["ids"]])


def _law_arrays(law: Law) -> dict[str, np.ndarray]:
    out = {"first": law.first}
    if law.second is not None:
        out["second"] = law.second
    return out
