"""The customers a replication starts with: a pool of customer states, and drawing from it.

A pool holds customers as they stood at some moment (a snapshot of a long run, or a firm's
customers at the end of its data): their segment, own baseline and rhythm, memory and history,
and where they were in their lives. A customer *between journeys* has a last journey that ended
some time ago; when their next one starts is drawn anew in each replication, from the gap
distribution given the time already passed. A customer *in a journey* had begun it some minutes
before; the replication replays that journey from its start, on the replication's own numbers,
so the simulation begins that many minutes before day 0 (nothing else happens then: new
customers arrive from day 0, and statistics start at the warm-up's end, never before day 0).

Each replication draws its base from the pool with numbers keyed by the replication's root and
the place in the base alone, so every variant of a replication starts from the same customers
(common random numbers), and their futures are keyed by their own customer key as any other's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from truthsim.behaviour.attribution import History
from truthsim.behaviour.returns import experience_after
from truthsim.behaviour.rhythm import days_after
from truthsim.engine.customer import Customer
from truthsim.engine.records import JOURNEY
from truthsim.engine.streams import Streams, key, keys, tag
from truthsim.scenario.schema import MINUTES_PER_DAY

if TYPE_CHECKING:
    from truthsim.engine.simulation import Simulation

#: keys of the base's customers, and the purposes of the draws that make a base
BASE, PICK, COUNT, RESIDUAL, MINUTE = (
    tag(n) for n in ("base", "pick", "count", "residual", "minute")
)


@dataclass
class BasePool:
    """Customer states, one row each, with their histories flattened.

    Times are minutes relative to the moment the states were taken (0): ``acquired`` and
    ``ongoing`` are at or before it. ``elapsed`` is set for customers between journeys (minutes
    since their last journey ended; their ``experience`` is as it stood then), ``ongoing`` for
    customers in a journey (when it began; ``experience`` as it stood then).
    """

    segment: np.ndarray
    baseline: np.ndarray  #: own baseline return, log-odds
    rhythm: np.ndarray  #: own rate of coming back relative to the segment's
    acquired: np.ndarray
    referred: np.ndarray
    journeys: np.ndarray  #: journeys decided before the one to come (its number)
    experience: np.ndarray
    elapsed: np.ndarray  #: NaN for customers in a journey
    ongoing: np.ndarray  #: NaN for customers between journeys
    #: the histories: per customer the first of its journeys in the flat arrays (and the
    #: total at the end), per journey its first moment (and the total at the end)
    journey_at: np.ndarray
    remembered: np.ndarray
    before: np.ndarray
    fades: np.ndarray  #: per journey the fade after it (NaN where none applies yet)
    moment_at: np.ndarray
    impacts: np.ndarray
    places: np.ndarray
    #: how many customers a base holds on average (the snapshots' mean)
    mean_count: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.segment)

    def draw(self, streams: Streams) -> tuple[BasePool, np.ndarray]:
        """This replication's base: the pool and the rows it holds (see :func:`drawn`)."""
        return self, drawn(self, streams.draw)

    def history(self, i: int) -> History:
        """Customer ``i``'s history as the engine keeps it."""
        h = History()
        first, last = int(self.journey_at[i]), int(self.journey_at[i + 1])
        for j in range(first, last):
            lo, hi = int(self.moment_at[j]), int(self.moment_at[j + 1])
            h.add(
                tuple(self.impacts[lo:hi].tolist()),
                tuple(self.places[lo:hi].tolist()),
                float(self.remembered[j]),
                float(self.before[j]),
            )
            if not math.isnan(self.fades[j]):
                h.fades.append(float(self.fades[j]))
        return h


POOL_FIELDS = ("segment", "baseline", "rhythm", "acquired", "referred", "journeys", "experience",
           "elapsed", "ongoing", "journey_at", "remembered", "before", "fades", "moment_at",
           "impacts", "places")  # fmt: skip


def save_pool(pool: BasePool, path: Path) -> None:
    """The pool as one .npz file of plain arrays."""
    arrays = {name: getattr(pool, name) for name in POOL_FIELDS}
    arrays["mean_count"] = np.array(pool.mean_count)
    arrays["notes"] = np.array(pool.notes, dtype=str)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load_pool(path: Path) -> BasePool:
    """A pool saved by :func:`save_pool`."""
    with np.load(path, allow_pickle=False) as saved:
        return BasePool(
            **{name: saved[name] for name in POOL_FIELDS},
            mean_count=float(saved["mean_count"]),
            notes=[str(n) for n in saved["notes"]],
        )


def join(pools: list[BasePool]) -> BasePool:
    """Several pools as one (snapshots taken at several moments)."""
    rows = ("segment", "baseline", "rhythm", "acquired", "referred", "journeys", "experience",
            "elapsed", "ongoing")  # fmt: skip
    flat = ("remembered", "before", "fades", "impacts", "places")
    out = {name: np.concatenate([getattr(p, name) for p in pools]) for name in rows + flat}
    journey_at, moment_at = [np.zeros(1, dtype=np.int64)], [np.zeros(1, dtype=np.int64)]
    for p in pools:
        journey_at.append(p.journey_at[1:] + journey_at[-1][-1])
        moment_at.append(p.moment_at[1:] + moment_at[-1][-1])
    return BasePool(
        **out,
        journey_at=np.concatenate(journey_at),
        moment_at=np.concatenate(moment_at),
        mean_count=float(np.mean([len(p) for p in pools])),
        notes=[n for p in pools for n in p.notes],
    )


def capture(sim: Simulation, now: float, window: float) -> BasePool:
    """The simulation's customers at ``now``, ready to be replayed from ``now - window``.

    A customer who began a journey in the window is taken as they stood when the first such
    journey began (lost since or not), and replayed from there; any other customer not lost by
    ``now`` is taken between journeys, as their last journey left them. Choosing by when
    journeys began, never by how they went on, keeps the replays unbiased: a journey caught in
    progress is more likely a long one, and replayed on fresh numbers it would end sooner.
    (A journey begun before the window and still going on at ``now``, longer than the window,
    is replayed from its start.) Histories of customers lost in the window must still be kept
    (``sim.keep_lost``)."""
    first = _first_in_window(sim, now - window, now)
    rows: dict[str, list] = {name: [] for name in (
        "segment", "baseline", "rhythm", "acquired", "referred", "journeys", "experience",
        "elapsed", "ongoing")}  # fmt: skip
    journey_at, remembered, before, fades = [0], [], [], []
    moment_at, impacts, places = [0], [], []
    cap = sim.plan.cap
    for c in sim.customers:
        if c.acquired > now:
            continue
        h = c.history
        began = first.get(c.id)
        if began is None:
            if c.churn_time <= now:
                continue  # lost by now, with nothing to replay
            if c.last_start <= c.last_end <= now:  # between journeys
                kept = journeys = c.journeys
                experience = experience_after(h.before[-1], h.remembered[-1], cap)
                elapsed, ongoing = now - c.last_end, math.nan
            else:  # a journey longer than the window, still going on
                began = (c.journeys - (c.last_end > now), c.last_start)
        if began is not None:
            journeys, start = began
            kept = journeys
            # as the journey began: the experience it was decided with (or is being lived with)
            experience = h.before[journeys] if journeys < len(h.impacts) else c.experience
            elapsed, ongoing = math.nan, start - now
        assert h is not None  # kept while a loss is recent (see Simulation.keep_lost)
        for name, value in (("segment", c.segment.index), ("baseline", c.baseline),
                            ("rhythm", c.rhythm), ("acquired", c.acquired - now),
                            ("referred", c.referred), ("journeys", journeys),
                            ("experience", experience), ("elapsed", elapsed),
                            ("ongoing", ongoing)):  # fmt: skip
            rows[name].append(value)
        in_journey = not math.isnan(ongoing)
        for j in range(kept):
            remembered.append(h.remembered[j])
            before.append(h.before[j])
            # the fade after each journey that another followed; a customer between journeys
            # has their last gap's drawn anew
            fades.append(h.fades[j] if j < kept - 1 or in_journey else math.nan)
            impacts.extend(h.impacts[j])
            places.extend(h.places[j])
            moment_at.append(len(impacts))
        journey_at.append(len(remembered))
    return BasePool(
        segment=np.array(rows["segment"], dtype=np.int16),
        baseline=np.array(rows["baseline"], dtype=float),
        rhythm=np.array(rows["rhythm"], dtype=float),
        acquired=np.array(rows["acquired"], dtype=float),
        referred=np.array(rows["referred"], dtype=bool),
        journeys=np.array(rows["journeys"], dtype=np.int64),
        experience=np.array(rows["experience"], dtype=float),
        elapsed=np.array(rows["elapsed"], dtype=float),
        ongoing=np.array(rows["ongoing"], dtype=float),
        journey_at=np.array(journey_at, dtype=np.int64),
        remembered=np.array(remembered, dtype=float),
        before=np.array(before, dtype=float),
        fades=np.array(fades, dtype=float),
        moment_at=np.array(moment_at, dtype=np.int64),
        impacts=np.array(impacts, dtype=float),
        places=np.array(places, dtype=np.int16),
        mean_count=float(len(rows["segment"])),
    )


def _first_in_window(sim: Simulation, start: float, now: float) -> dict[int, tuple[int, float]]:
    """Per customer who began a journey in [start, now): (the first such journey's number, its
    start), from the decided journeys' records and the journeys under way."""
    records = np.frombuffer(bytes(sim.journeys.buffer), dtype=JOURNEY)
    inside = records[(records["start"] >= start) & (records["start"] < now)]
    order = np.lexsort((inside["journey"], inside["customer"]))
    first: dict[int, tuple[int, float]] = {}
    for c, j, t in zip(inside["customer"][order].tolist(), inside["journey"][order].tolist(),
                       inside["start"][order].tolist(), strict=True):  # fmt: skip
        first.setdefault(c, (j, t))
    for c in sim.customers:  # under way and not decided yet
        if start <= c.last_start < now and not c.last_start <= c.last_end:
            first.setdefault(c.id, (c.journeys, c.last_start))
    return first


def drawn(pool: BasePool, draw) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Which pool rows a replication's base holds: a Poisson number of them (the count of a
    base of independent lives, whose mean is the pool's), each picked with equal chance; from
    ``draw(*parts)``, the replication's keyed uniforms."""
    if not len(pool):
        return np.zeros(0, dtype=np.int64)
    count = int(stats.poisson.ppf(draw(BASE, COUNT), pool.mean_count))
    picks = np.array([draw(BASE, PICK, k) for k in range(count)])
    return np.minimum((picks * len(pool)).astype(np.int64), len(pool) - 1)


def lead_in(pool: BasePool, rows: np.ndarray) -> float:
    """Minutes before day 0 at which the replication begins: the earliest journey in progress
    (whole days, so the clock keeps its hours and weekdays); 0 when none is."""
    ongoing = pool.ongoing[rows]
    ongoing = ongoing[~np.isnan(ongoing)]
    if not len(ongoing):
        return 0.0
    return math.ceil(-float(ongoing.min()) / MINUTES_PER_DAY) * MINUTES_PER_DAY


def install(sim: Simulation, pool: BasePool, rows: np.ndarray) -> None:
    """Put the drawn customers into the simulation, each with their next journey due."""
    from truthsim.engine.journey import BEGIN, COME_BACK, Journey

    plan, streams = sim.plan, sim.streams
    starts = first_starts(sim, pool, rows)
    for slot, i in enumerate(rows.tolist()):
        segment = plan.segments[int(pool.segment[i])]
        customer_key = key(BASE, slot)
        customer = Customer(len(sim.customers), customer_key, segment, float(pool.acquired[i]),
                            bool(pool.referred[i]))  # fmt: skip
        customer.baseline = float(pool.baseline[i])
        customer.rhythm = float(pool.rhythm[i])
        customer.journeys = number = int(pool.journeys[i])
        customer.history = pool.history(i)
        customer.experience = float(pool.experience[i])
        start = float(starts[slot])
        if math.isnan(pool.ongoing[i]):  # between journeys: memory fades until the next one
            last_end = -float(pool.elapsed[i])
            customer.last_start = customer.last_end = last_end
            customer.fade((start - last_end) / MINUTES_PER_DAY, plan.half_life_days)
            callbacks = COME_BACK
        else:  # in a journey: it is replayed from its start
            callbacks = BEGIN
        sim.customers.append(customer)
        sim.active += 1
        customer.next_start = start
        if start >= plan.end:
            continue
        ticket = streams.expect(customer_key, number, start, segment.index)
        journey = Journey(sim, customer, number, start, ticket)
        journey.callbacks = callbacks
        sim.calendar.at(journey, start)  # type: ignore[arg-type]


def first_starts(sim: Simulation, pool: BasePool, rows: np.ndarray) -> np.ndarray:
    """When each drawn customer's next (or replayed) journey starts, in minutes from day 0: the
    journey in progress where one is, else the next after the time already passed (see
    behaviour.rhythm.days_after), at an hour of day as the arrival profile has it."""
    plan, streams = sim.plan, sim.streams
    customer_keys = keys(BASE, np.arange(len(rows), dtype=np.uint64))
    starts = pool.ongoing[rows].copy()
    between = np.isnan(starts)
    u = np.array(streams.draws(customer_keys, RESIDUAL)) if len(rows) else np.zeros(0)
    elapsed = pool.elapsed[rows]
    factor = pool.rhythm[rows]
    segment = pool.segment[rows]
    for s, seg in enumerate(plan.segments):
        here = between & (segment == s)
        if not here.any():
            continue
        gaps = plan.scenario.segments[seg.name].days_between_journeys
        days = days_after(
            gaps.cdf(), gaps.quantiles(), factor[here], elapsed[here] / MINUTES_PER_DAY, u[here]
        )
        starts[here] = -elapsed[here] + days * MINUTES_PER_DAY
    if plan.profile is not None and between.any():
        minute = plan.profile.minute_of_day(np.array(streams.draws(customer_keys, MINUTE)))
        snapped = np.floor(starts / MINUTES_PER_DAY) * MINUTES_PER_DAY + minute
        snapped = np.where(snapped < 0.0, snapped + MINUTES_PER_DAY, snapped)
        starts = np.where(between, snapped, starts)
    return starts
