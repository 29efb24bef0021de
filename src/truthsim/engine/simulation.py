"""One replication of a scenario on SimPy: customers arrive, live their journeys, and come back or not.

A customer lives journey after journey (see ``journey``) until they do not come back; arrivals,
journeys and returns are callbacks on SimPy's scheduler rather than generator processes.
Prospects arrive as a Poisson process, word of mouth brings and deters more, and a finite
market runs out of prospects. All randomness comes from keyed streams (see ``streams``), drawn
for many journeys in one vectorised step.
"""

from __future__ import annotations

import gc
import math
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from heapq import heappop, heappush

import numpy as np
import simpy
from scipy import special
from simpy.events import NORMAL

from truthsim import exact
from truthsim.behaviour.attribution import (
    apportion,
    blame_through,
    decisive_moments,
    main_cause,
)
from truthsim.behaviour.rhythm import days_to_next, next_start, rate_factor
from truthsim.engine.backed import BackedDesks
from truthsim.engine.base import BasePool, install, lead_in
from truthsim.engine.calendar import Calendar, Wake
from truthsim.engine.customer import Customer
from truthsim.engine.desks import Desks
from truthsim.engine.firm_base import FirmBase
from truthsim.engine.journey import COME_BACK, Journey
from truthsim.engine.plan import Plan, TouchpointPlan
from truthsim.engine.records import CAUSE, CUSTOMER, JOURNEY, MOMENT, Rows
from truthsim.engine.streams import Streams, Ticket, keys, tag
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.probability import logit, sigmoid
from truthsim.scenario.schema import MINUTES_PER_DAY

_PROSPECT, _SEGMENT, _ARRIVALS, _MARKET, _BASELINE, _RHYTHM = (
    tag(n) for n in ("prospect", "segment", "arrivals", "market", "baseline", "rhythm")
)
_ARRIVAL_BLOCK = 1024
#: the customers on day 0: a steady state's pool, or a firm's own customers
Base = BasePool | FirmBase


@contextmanager
def no_collections() -> Iterator[None]:
    """Keep Python's cycle collector off during a run (as it was before, after it).

    A run makes millions of short-lived objects while its long-lived ones (customers and their
    histories) grow; a collection rescans those again and again and finds nothing: the engine
    makes no reference cycle that outlives its event (each is broken when the event is
    processed, the rest by :meth:`Simulation.release`; tests/test_engine_run.py checks that a
    run leaves nothing to the collector). At raised thresholds the collections still cost
    2-3% of a year-long airline run (one process, runs alternating with and without).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Simulation:
    """State and processes of one replication. Use :func:`truthsim.simulate` rather than this."""

    def __init__(
        self, plan: Plan, root: int, cap: int | None = None, base: Base | None = None
    ) -> None:
        self.plan = plan
        self.customer_cap = cap  #: most active customers this replication may hold (None: no limit)
        self.active = 0  #: customers acquired and not lost: they are not prospects any more
        self.causes = Rows(CAUSE)
        #: the losses blamed on moments made worse by an internal one behind them
        self.causes_through = Rows(CAUSE)
        self.streams = Streams(root, plan.slots, plan.transforms, plan.derived)
        #: the customers on day 0 (rows of the pool), and how long before day 0 the earliest of
        #: their journeys in progress began: the run begins then (see engine.base)
        pool, rows = base.draw(self.streams) if base is not None else (None, None)
        #: which of the base's customers this replication holds, in the order of their ids
        self.base_rows = rows
        self.start = -lead_in(pool, rows) if pool is not None else 0.0  # type: ignore[arg-type]
        self.env = simpy.Environment(initial_time=self.start)
        #: what is due later: on SimPy's schedule if today, else in the calendar
        self.calendar = Calendar(self.env, plan.end)
        #: each staffed touchpoint's servers and line (None: self-service)
        self.desks: list[Desks | BackedDesks | None] = [self._desks(tp) for tp in plan.touchpoints]
        self.moments = Rows(MOMENT)
        #: the moments behind the front line (engine.internal), and their loads where measured
        self.internal = Rows(MOMENT)
        self.internal_loads: array | None = array("d") if plan.loaded else None
        #: each moment's load, in record order, where some touchpoint measures it (else None)
        self.loads: array | None = array("d") if plan.loaded else None
        self.journeys = Rows(JOURNEY)
        self.customers: list[Customer] = []
        self.deterred = array("d")
        self.returns = array("d")
        self.pending_deterred = 0  #: people told of a miserable journey, not yet deterred
        #: customers lost and people deterred by journeys decided before they ended: heaps of
        #: (the journey's end, how many), counted once the simulation reaches that time
        self._losses: list[tuple[float, int, Customer]] = []
        #: minutes a lost customer's history is kept after the loss (for snapshots of a base)
        self.keep_lost = 0.0
        self._forgetting: deque[tuple[float, int, Customer]] = deque()
        self._deterrals: list[tuple[float, int]] = []
        self._arrivals = self._prospects()
        #: (time, key, market draw, segment, ticket) of the prospect whose arrival is scheduled
        self._prospect: tuple[float, int, float | None, int, Ticket]
        self._prospect_wake = Wake(self._next_prospect)
        self._prospect_callbacks = self._prospect_wake.callbacks
        if pool is not None:
            install(self, pool, rows)  # type: ignore[arg-type]

    def _desks(self, tp: TouchpointPlan) -> Desks | BackedDesks | None:
        """A staffed touchpoint's servers and line: answering on arrival, or moving event by
        event where its services may need an internal touchpoint (see engine.backed)."""
        if tp.servers is None:
            return None
        plan = self.plan
        staffing = (
            tp.schedule.changes(plan.end, self.start) if tp.schedule else [(self.start, tp.servers)]
        )
        window = (plan.warmup, plan.horizon)
        patient, load = tp.patience is None, tp.load_window
        if tp.need is not None:
            return BackedDesks(self.calendar, staffing, *window, patient, load)
        return Desks(staffing, *window, patient=patient, load_window=load)

    def run(self) -> Simulation:
        self.begin()
        self.advance(self.plan.horizon)
        for desks in self.desks:
            if isinstance(desks, BackedDesks):
                desks.close()  # those still in line at the end
        return self

    def begin(self) -> None:
        """Start the clock: the first day, and the first prospect's arrival."""
        self.calendar.start()
        self._next_prospect(None)

    def advance(self, until: float) -> None:
        """Run until ``until``, with the losses and deterrals due by then counted."""
        self.env.run(until=until)
        self._catch_up()

    def release(self) -> None:
        """Drop the customers and what is still scheduled, once the records are out. Pending
        events refer back to this simulation, so without this everything the run made would
        wait for the cycle collector to be freed."""
        queue = self.env._queue  # SimPy's schedule of pending events
        for *_, event in queue:
            event.callbacks = None
        queue.clear()
        self.calendar.clear()
        self._prospect_callbacks.clear()
        self._arrivals.close()
        self.customers = []

    def customer_records(self) -> np.ndarray:
        """One row per customer acquired, as they stand now."""
        table = Rows(CUSTOMER)
        pack = table.pack
        # the baseline as a probability, once per baseline: per segment unless customers differ
        baseline_return: dict[float, float] = {}
        for c in self.customers:
            p = baseline_return.get(c.baseline)
            if p is None:
                p = baseline_return[c.baseline] = sigmoid(c.baseline)
            table.buffer += pack(
                c.id,
                c.segment.index,
                c.acquired,
                p,
                c.referred,
                c.journeys,
                not math.isnan(c.churn_time),
                c.churn_time,
                c.cause,
                c.revenue,
            )
        return table.to_numpy()

    # -- arrivals and lifetimes, as scheduled callbacks ---------------------------------------

    def _prospects(self) -> Iterator[tuple[float, int, float | None, int, Ticket]]:
        """New prospects (arrival time, key, market draw or None when not needed, segment, the
        ticket of their first journey) as a (possibly hour-of-day shaped) Poisson process, by
        time change, up to the horizon; each block's journeys are announced to the streams."""
        plan, streams = self.plan, self.streams
        expected = 0.0  # cumulative expected arrivals: a unit-rate Poisson process
        index = 0
        for block in range(1 << 62):
            expected = expected + np.cumsum(
                -exact.log(streams.block(_ARRIVALS, block, _ARRIVAL_BLOCK))
            )
            times = plan.arrival_clock.times(expected)
            expected = expected[-1]
            n = len(times)
            prospects = keys(_PROSPECT, np.arange(index + 1, index + 1 + n))
            index += n
            # each prospect's market and segment draws too, a block at a time
            markets = streams.draws(prospects, _MARKET) if plan.market is not None else [None] * n
            customer_keys = prospects.tolist()
            shares = streams.draws(prospects, _SEGMENT) if len(plan.segments) > 1 else [None] * n
            segments = [self._segment(k, u) for k, u in zip(customer_keys, shares, strict=True)]
            # the whole block is announced at once, so that its journeys are drawn together
            arrivals = [
                (t, k, market, segment, streams.expect(k, 0, t, segment))
                for t, k, market, segment in zip(
                    times.tolist(), customer_keys, markets, segments, strict=True
                )
                if t < plan.horizon
            ]
            yield from arrivals
            if len(arrivals) < n:
                return

    def _next_prospect(self, wake: Wake | None) -> None:
        """A prospect arrives (``wake``: the scheduled arrival; None at the start); the next
        arrival is scheduled after it."""
        if wake is not None:
            t, k, market, segment, ticket = self._prospect
            self._catch_up()
            if not self._reachable(k, market):
                Streams.forget(ticket)  # already a customer: the market has fewer prospects
            elif self.pending_deterred > 0:
                self.pending_deterred -= 1
                self.deterred.append(t)
                Streams.forget(ticket)
            else:
                self._acquire(k, False, segment, ticket)
        arrival = next(self._arrivals, None)
        if arrival is not None:
            self._prospect = arrival
            wake = self._prospect_wake  # one prospect is scheduled at a time: one Wake will do
            wake.callbacks = self._prospect_callbacks
            self.env.schedule(wake, NORMAL, arrival[0] - self.env.now)  # type: ignore[arg-type]

    def _reachable(self, customer_key: int, u: float | None = None) -> bool:
        """Whether a would-be customer is still a prospect: in a market of M people with A of
        them active customers, a draw from the market finds a prospect with chance (M - A) / M.
        ``u``: the customer's market draw, if drawn already."""
        market = self.plan.market
        if market is None:
            return True
        if u is None:
            u = self.streams.draw(customer_key, _MARKET)
        return u * market >= self.active

    def _segment(self, customer_key: int, u: float | None = None) -> int:
        """The segment a new customer belongs to, from their own draw (``u``, if drawn already)."""
        segments = self.plan.segments
        if len(segments) == 1:  # one segment needs no draw
            return 0
        if u is None:
            u = self.streams.draw(customer_key, _SEGMENT)
        return min(bisect_right(self.plan.segment_cumulative, u), len(segments) - 1)

    def _acquire(self, customer_key: int, referred: bool, position: int, ticket: Ticket) -> None:
        """A new customer of segment ``position`` starts a journey (``ticket``: its numbers)."""
        if self.customer_cap is not None and self.active >= self.customer_cap:
            raise ScenarioError(
                [
                    Problem(
                        ("word_of_mouth",),
                        f"the customer base grew past {self.customer_cap:,} active customers in one "
                        f"replication (day {self.env.now / MINUTES_PER_DAY:.0f}): referrals feed on "
                        "themselves; set arrivals.market_size, lower magic_tells or "
                        "referred_share, or run with --allow-large",
                    )
                ]
            )
        segment = self.plan.segments[position]
        now = self.env.now
        customer = Customer(len(self.customers), customer_key, segment, now, referred)
        if segment.spread is not None:  # customers differ: each draws a baseline once (sBG)
            a, b = segment.spread
            p = float(special.betaincinv(a, b, self.streams.draw(customer_key, _BASELINE)))
            customer.baseline = logit(p)
        if segment.rate_shape is not None:  # customers differ in how often they come (NBD)
            u = self.streams.draw(customer_key, _RHYTHM)
            customer.rhythm = rate_factor(segment.rate_shape, u)  # type: ignore[assignment]
        self.customers.append(customer)
        self.active += 1
        Journey(self, customer, 0, now, ticket).begin()

    def refer(self, customer_key: int, delay_days: float, now: float) -> None:
        """Someone told at ``now`` of a magical journey comes ``delay_days`` later, if before
        the horizon."""
        start = now + delay_days * MINUTES_PER_DAY
        if start < self.plan.horizon:
            segment = self._segment(customer_key)
            ticket = self.streams.expect(customer_key, 0, start, segment)
            arrives = Wake(lambda _: self._referred(customer_key, segment, ticket))
            self.calendar.at(arrives, start)  # type: ignore[arg-type]

    def _referred(self, customer_key: int, segment: int, ticket: Ticket) -> None:
        self._catch_up()
        if self._reachable(customer_key):
            self._acquire(customer_key, True, segment, ticket)
        else:
            Streams.forget(ticket)

    def _blame(self, customer: Customer, u: float) -> None:
        """Record the moments without which the customer would have come back (see attribution)."""
        plan = self.plan
        history = customer.history
        assert history is not None
        decisive = decisive_moments(
            history, customer.baseline, plan.cap, u, plan.remember, plan.linear_memory
        )
        causes = apportion(history, decisive)
        add = self.causes.add
        for journey, touchpoint, share in causes:
            add(customer.id, journey, touchpoint, share)
        if plan.backed:
            for journey, internal, share in blame_through(history, decisive):
                self.causes_through.add(customer.id, journey, internal, share)
        if causes:
            customer.cause = main_cause(causes)  # type: ignore[assignment]

    def lose(self, customer: Customer, u: float, now: float) -> None:
        """The customer decided not to come back at the end of a journey ending ``now`` (``u``:
        the decision's uniform); they stop counting as active from then on."""
        customer.churn_time = now
        heappush(self._losses, (now, customer.id, customer))  # ids order equal times
        self._blame(customer, u)

    def deter(self, told: int, now: float) -> None:
        """``told`` people hear of a miserable journey that ended ``now``: from then on, that
        many prospects to come are deterred. Before day 0 (journeys of the base replayed, see
        engine.base) nobody is told: the prospects of that time are in the base already, and
        new ones arrive only from day 0."""
        if told and now >= 0.0:
            heappush(self._deterrals, (now, told))

    def _catch_up(self) -> None:
        """Count the losses and deterrals of journeys decided ahead that have ended by now."""
        now = self.env.now
        losses, deterrals = self._losses, self._deterrals
        while losses and losses[0][0] <= now:
            # a lost customer's memory is no longer needed once the loss takes effect, unless
            # a snapshot of the base may still replay the journey that lost them (keep_lost)
            lost = heappop(losses)
            self.active -= 1
            if self.keep_lost:
                self._forgetting.append(lost)
            else:
                lost[2].history = None
        forgetting = self._forgetting
        while forgetting and forgetting[0][0] < now - self.keep_lost:
            forgetting.popleft()[2].history = None
        while deterrals and deterrals[0][0] <= now:
            self.pending_deterred += heappop(deterrals)[1]

    def come_back(self, customer: Customer, number: int, u: list[float], now: float) -> None:
        """The customer will come back after journey ``number``, ended ``now`` (``u``: its
        numbers): schedule the next journey, unless it would start after the end of the run."""
        plan = self.plan
        days = days_to_next(u[plan.gap_column], customer.rhythm)  # drawn with the journey
        minute = u[plan.gap_minute_column] if plan.profile is not None else None
        customer.next_start = start = next_start(now, days, minute)
        if start >= plan.end:
            return  # still a customer at the horizon
        customer.fade((start - now) / MINUTES_PER_DAY, plan.half_life_days)
        ticket = self.streams.expect(customer.key, number + 1, start, customer.segment.index)
        # NOTE (speed): the calendar schedules at a time, not after a delay; this is the time
        # ``env.timeout(start - now)`` would give, to the last bit
        at = now + (start - now)
        later = Journey(self, customer, number + 1, at, ticket)  # no numbers while it waits
        later.callbacks = COME_BACK
        self.calendar.at(later, at)
