"""A plain SimPy model of the engine's semantics, written to be read: the reference the fast
engine's records are checked against (tests/test_reference_engine.py).

Every journey is a generator process that lets time pass with ``yield env.timeout(...)`` and
queues at a staffed touchpoint in an explicit first-come-first-served line; one process brings
the new customers. The rules are those of :mod:`truthsim.behaviour`, the scenario as compiled
by :class:`~truthsim.engine.plan.Plan`, and a journey's random numbers the keyed numbers of
:class:`~truthsim.engine.streams.Streams`: the same numbers serve the same purposes in both
engines whatever order their events come in. Slow: meant for small scenarios.
"""

from __future__ import annotations

import itertools
import math
from array import array
from bisect import bisect_right
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy
from scipy import special

from truthsim import exact
from truthsim.behaviour.attribution import apportion, blame_through, decisive_moments, main_cause
from truthsim.behaviour.complaints import complains, silent_after
from truthsim.behaviour.internal import made_worse
from truthsim.behaviour.outcome import MAGIC, MISERY
from truthsim.behaviour.returns import comes_back, experience_after, return_probability
from truthsim.behaviour.rhythm import days_after, days_to_next, next_start, rate_factor
from truthsim.behaviour.word_of_mouth import MAGICAL, MISERABLE, journey_tone, poisson_quantile
from truthsim.engine.base import BASE, MINUTE, RESIDUAL, BasePool, lead_in
from truthsim.engine.customer import Customer
from truthsim.engine.plan import (
    CONTINUE,
    NEED,
    SERVICE,
    Plan,
    StepPlan,
    TouchpointPlan,
)
from truthsim.engine.records import CAUSE, CUSTOMER, JOURNEY, MOMENT, Rows
from truthsim.engine.reference_line import Line, Process, internal_visit
from truthsim.engine.result import SimulationResult
from truthsim.engine.simulation import Base
from truthsim.engine.streams import Streams, key, root_from_seed, tag
from truthsim.scenario.probability import logit, sigmoid
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

#: the keys of the draws outside journeys, by purpose (the engine's own)
PROSPECT, SEGMENT, ARRIVALS, MARKET, BASELINE, RHYTHM, REFERRAL = (
    tag(n) for n in ("prospect", "segment", "arrivals", "market", "baseline", "rhythm", "referral")
)
ARRIVAL_BLOCK = 1024  #: arrival gaps are drawn in blocks of this many (which numbers they get)
DAY = MINUTES_PER_DAY
Numbers = Sequence[float]  #: a journey's numbers by column (see Plan: times already drawn)


def simulate_reference(
    scenario: Scenario, seed: int | None = None, *, base: Base | None = None
) -> SimulationResult:
    """One replication on the reference model, as :func:`truthsim.simulate` returns it for the
    same scenario and seed (``base``: the customers on day 0; by default the scenario's own)."""
    from truthsim.engine import _result, base_pool  # the engine's records into its result

    seed = scenario.seed if seed is None else seed
    base = base_pool(scenario) if base is None else base
    model = Reference(Plan(scenario), root_from_seed(seed), base)
    model.env.run(until=model.plan.horizon)
    for line in (desk for desk in model.desks if desk is not None):
        line.close()  # those still in line at the horizon
    return _result(model, scenario, seed)  # type: ignore[arg-type]


@dataclass
class Trip:
    """A journey so far."""

    number: int
    start: float
    impacts: list[float] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    miseries: list[tuple[int, float]] = field(default_factory=list)  #: (moment, complaint chance)
    misery: int = 0
    magic: int = 0
    recovered_magic: int = 0
    #: (moment, internal touchpoint) of each moment an internal one behind it made worse
    through: list[tuple[int, int]] = field(default_factory=list)
    completed: bool = True
    silent: float = 1.0  #: the chance that no misery so far led to a complaint
    complaining: bool = False
    resolved: bool = False  #: a complaint handled without misery


class Reference:
    """One replication: its clock, lines, customers and records."""

    def __init__(self, plan: Plan, root: int, base: Base | None) -> None:
        self.plan = plan
        self.streams = Streams(root, plan.slots, plan.transforms, plan.derived)
        pool, rows = base.draw(self.streams) if base is not None else (None, None)
        self.base_rows = rows
        start = -lead_in(pool, rows) if pool is not None else 0.0  # type: ignore[arg-type]
        self.env = simpy.Environment(initial_time=start)
        window = (plan.warmup, plan.horizon)
        self.desks: list[Line | None] = []  # a line where staffed, none at self-service
        for tp in plan.touchpoints:
            shifts = tp.schedule.changes(plan.end, start) if tp.schedule else [(start, tp.servers)]
            line = None if tp.servers is None else Line(self.env, shifts, window, tp.load_window)
            self.desks.append(line)
        self.moments = Rows(MOMENT)
        self.loads: array | None = array("d") if plan.loaded else None  #: as the engine's
        self.journeys, self.causes = Rows(JOURNEY), Rows(CAUSE)
        #: the moments behind the front line, their loads, and the losses that went through them
        self.internal = Rows(MOMENT)
        self.internal_loads: array | None = array("d") if plan.loaded else None
        self.causes_through = Rows(CAUSE)
        self.customers: list[Customer] = []
        self.active = 0  #: customers acquired and not lost
        self.pending_deterred = 0  #: prospects to come who were told of a miserable journey
        self.deterred, self.returns = array("d"), array("d")
        if pool is not None:
            self.install(pool, rows)  # type: ignore[arg-type]
        self.env.process(self.arrivals())

    def arrivals(self) -> Process:
        """Prospects: a unit-rate Poisson process mapped to times by the arrival clock."""
        plan, env = self.plan, self.env
        expected, number = 0.0, 0
        for block in itertools.count():
            gaps = -exact.log(self.streams.block(ARRIVALS, block, ARRIVAL_BLOCK))
            expected = expected + np.cumsum(gaps)
            times = plan.arrival_clock.times(expected)
            expected = expected[-1]
            for t in times.tolist():
                if t >= plan.horizon:
                    return
                number += 1
                yield env.timeout(t - env.now)
                prospect = key(PROSPECT, number)
                if not self.reachable(prospect):
                    continue  # already a customer
                if self.pending_deterred > 0:
                    self.pending_deterred -= 1
                    self.deterred.append(t)
                else:
                    self.acquire(prospect, referred=False)

    def referral(self, who: int, days: float) -> Process:
        yield self.env.timeout(days * DAY)
        if self.reachable(who):
            self.acquire(who, referred=True)

    def reachable(self, who: int) -> bool:
        """In a market of M people, A of them customers, a draw finds a prospect with chance
        (M - A) / M."""
        market = self.plan.market
        return market is None or self.streams.draw(who, MARKET) * market >= self.active

    def acquire(self, who: int, referred: bool) -> None:
        segments, draw = self.plan.segments, self.streams.draw
        place = bisect_right(self.plan.segment_cumulative, draw(who, SEGMENT))
        segment = segments[0 if len(segments) == 1 else min(place, len(segments) - 1)]
        customer = Customer(len(self.customers), who, segment, self.env.now, referred)
        if segment.spread is not None:  # customers differ in loyalty: a Beta draw each
            p = float(special.betaincinv(*segment.spread, draw(who, BASELINE)))
            customer.baseline = logit(p)
        if segment.rate_shape is not None:  # ... and in how often they come: a Gamma draw
            customer.rhythm = rate_factor(segment.rate_shape, draw(who, RHYTHM))
        self.customers.append(customer)
        self.active += 1
        self.env.process(self.journey(customer, 0, 0.0, returning=False))

    def install(self, pool: BasePool, rows: np.ndarray) -> None:
        """The customers on day 0: between journeys (the next drawn given the time already
        passed), or in a journey, which is replayed from its start."""
        plan, draw = self.plan, self.streams.draw
        for slot, i in enumerate(rows.tolist()):
            who, segment = key(BASE, slot), plan.segments[int(pool.segment[i])]
            customer = Customer(len(self.customers), who, segment, float(pool.acquired[i]),
                                bool(pool.referred[i]))  # fmt: skip
            customer.baseline, customer.rhythm = float(pool.baseline[i]), float(pool.rhythm[i])
            customer.experience = float(pool.experience[i])
            customer.journeys, customer.history = int(pool.journeys[i]), pool.history(i)
            start = float(pool.ongoing[i])  # in a journey: replayed from its start
            between = math.isnan(start)
            if between:
                last = -float(pool.elapsed[i])
                gaps = plan.scenario.segments[segment.name].days_between_journeys
                passed, u = np.array([-last / DAY]), np.array([draw(who, RESIDUAL)])
                rhythm = np.array([customer.rhythm])
                days = days_after(gaps.cdf(), gaps.quantiles(), rhythm, passed, u)
                start = last + float(days[0]) * DAY
                if plan.profile is not None:  # at an hour of day as the profile has it
                    minute = float(plan.profile.minute_of_day(draw(who, MINUTE)))
                    start = math.floor(start / DAY) * DAY + minute
                    start += DAY if start < 0.0 else 0.0
                customer.fade((start - last) / DAY, plan.half_life_days)
            self.customers.append(customer)
            self.active += 1
            if start < plan.end:
                after = start - self.env.now
                self.env.process(self.journey(customer, customer.journeys, after, between))

    def journey(self, customer: Customer, number: int, after: float, returning: bool) -> Process:
        """Journey ``number`` of ``customer``, beginning ``after`` minutes from now."""
        env, plan = self.env, self.plan
        yield env.timeout(after)
        if returning:
            self.returns.append(env.now)
        ticket = self.streams.expect(customer.key, number, env.now, customer.segment.index)
        u = self.streams.numbers(ticket)
        trip = Trip(number, env.now)
        for step in plan.steps:
            if step.delay is not None:  # the way takes its time, the step taken or not
                yield env.timeout(u[step.delay_slot])
            target = chosen(step, u, customer.segment.index)
            if target is None:
                continue
            tp = plan.touchpoints[step.targets[target]]
            gave_up = yield from self.visit(customer, trip, tp, step.visits[target], u)
            if gave_up and tp.abandon != CONTINUE:
                again = step.retries[target]  # (draw, delay, the second try's columns)
                if again is not None and u[again[0]] < tp.retry_share:
                    yield env.timeout(u[again[1]])
                    gave_up = yield from self.visit(customer, trip, tp, again[2], u)
                if gave_up:
                    trip.completed = False
                    break
        complaint = plan.complaint
        if complaint is not None and complains(u[complaint.draw_slot], trip.silent):
            trip.complaining = True
            if complaint.delay is not None:
                yield env.timeout(u[complaint.delay_slot])
            desk = plan.touchpoints[complaint.targets[0]]
            yield from self.visit(customer, trip, desk, complaint.visits[0], u)
        self.decide(customer, trip, u)

    def visit(
        self, customer: Customer, trip: Trip, tp: TouchpointPlan, columns: tuple[int, ...],
        u: Numbers,
    ) -> Generator[simpy.Event, object, bool]:  # fmt: skip
        """A moment of truth at ``tp``: served (after a wait in line where staffed), or given
        up waiting; recorded and tallied. True when the customer gave up."""
        env, line, segment = self.env, self.desks[tp.index], customer.segment
        service, patience, u_outcome, u_failure, u_recovery = (u[c] for c in columns[:5])
        arrival, wait, gave_up, load = env.now, 0.0, False, 0.0
        carried, through = 0.0, None  # where an internal moment is behind it
        if line is None:  # self-service: no line
            yield env.timeout(service)
        else:
            backed = tp.need is not None  # the service's length is known only as it begins
            turn = line.join(None if backed else service)
            yield turn if tp.patience is None else turn | env.timeout(patience * segment.patience)
            wait = env.now - arrival
            if turn.triggered and not backed:
                load = turn.value  # the servers' busy share as the service began
                yield env.timeout(service)
                line.done()
            elif turn.triggered:
                load, entry = turn.value  # (busy share, the service's [start, end])
                started = env.now
                if u[columns[NEED]] < tp.need.share:  # type: ignore[union-attr]
                    behind = self.plan.touchpoints[tp.need.touchpoint]  # type: ignore[union-attr]
                    asked = yield from self.ask(customer, trip, behind, columns, u)
                    carried = tp.need.carried[asked[2]]  # type: ignore[union-attr]
                    through = (behind.index, wait)
                    wait += asked[0]
                    service += asked[1]
                entry[1] = env.now + u[columns[SERVICE]]  # the end, now known
                yield env.timeout(u[columns[SERVICE]])  # the front service itself
                line.done(started)
            else:
                line.leave(turn)
                service, gave_up = 0.0, True
        if gave_up:
            outcome, failed, recovered = MISERY, False, False
            impact = tp.impact[MISERY] * segment.sensitivity
        else:
            rule = tp.moment if tp.by_segment is None else tp.by_segment[segment.index]
            drawn = (u_outcome, u_failure, u_recovery)
            outcome, failed, recovered = rule.draw(*drawn, wait, segment.patience, load, carried)
            impact = (tp.recovered if recovered else tp.impact)[outcome] * segment.sensitivity
            if through is not None and made_worse(
                rule, outcome, drawn, through[1], segment.patience, load
            ):
                trip.through.append((len(trip.impacts), through[0]))
        self.moments.add(customer.id, trip.number, tp.index, arrival, wait, service, outcome,
                         gave_up, failed, recovered)  # fmt: skip
        if self.loads is not None:
            self.loads.append(load)
        trip.impacts.append(impact)
        trip.places.append(tp.index)
        if trip.complaining:  # the complaint's own moment
            trip.misery += outcome == MISERY
            trip.magic += outcome == MAGIC
            trip.resolved = trip.resolved or outcome != MISERY
        elif outcome == MISERY:
            trip.misery += 1
            if tp.complain:
                trip.silent = silent_after(trip.silent, tp.complain)
                trip.miseries.append((len(trip.impacts) - 1, tp.complain))
        elif outcome == MAGIC:
            trip.magic += 1
            trip.recovered_magic += recovered
        return gave_up

    def ask(
        self, customer: Customer, trip: Trip, tp: TouchpointPlan, columns: tuple[int, ...],
        u: Numbers,
    ) -> Generator[simpy.Event, object, tuple[float, float, int]]:  # fmt: skip
        """The agent asks internal touchpoint ``tp``; the internal moment is recorded.
        (wait, service, outcome)."""
        asked = self.env.now
        wait, service, outcome, failed, recovered, load = yield from internal_visit(
            self.env, self.desks[tp.index], tp, columns, u
        )
        self.internal.add(customer.id, trip.number, tp.index, asked, wait, service, outcome,
                          False, failed, recovered)  # fmt: skip
        if self.internal_loads is not None:
            self.internal_loads.append(load)
        return wait, service, outcome

    def decide(self, customer: Customer, trip: Trip, u: Numbers) -> None:
        """The journey is over: remember it, record it, tell others, come back or not."""
        env, plan, now, number = self.env, self.plan, self.env.now, trip.number
        remembered = plan.remember(trip.impacts)
        before = customer.experience
        customer.experience = experience_after(before, remembered, plan.cap)  # memory saturates
        complaint = None
        if trip.complaining:  # its moment, its number, the miseries that may have led to it
            drawn = u[plan.complaint.draw_slot]  # type: ignore[union-attr]
            complaint = (len(trip.impacts) - 1, drawn, tuple(trip.miseries))
        customer.history.add(tuple(trip.impacts), tuple(trip.places), remembered, before, complaint,
                             tuple(trip.through))  # fmt: skip
        probability = return_probability(customer.baseline, customer.experience)
        returning = comes_back(u[plan.return_slot], probability)
        revenue = customer.segment.value if trip.completed else 0.0
        customer.journeys += 1
        customer.revenue += revenue
        self.journeys.add(customer.id, number, customer.segment.index, trip.start, now,
                          trip.completed, returning, remembered, probability, trip.misery,
                          trip.magic, revenue)  # fmt: skip
        if plan.word_of_mouth is not None:  # a recovered failure's magic is not retold
            tone = journey_tone(trip.misery, trip.magic - trip.recovered_magic, plan.magic_needed)
            if tone == MISERABLE and now >= 0.0:  # nobody is told before day 0
                told = plan.deter_resolved if trip.resolved else plan.deter_mean
                self.pending_deterred += poisson_quantile(told, u[plan.deterred_slot])
            elif tone == MAGICAL:
                for k in range(poisson_quantile(plan.refer_mean, u[plan.referred_slot])):
                    who = key(customer.key, number, REFERRAL, k)
                    days = plan.referral_delay(self.streams.draw(who))  # type: ignore[misc]
                    env.process(self.referral(who, days))
        if returning:
            minute = u[plan.gap_minute_column] if plan.profile is not None else None
            start = next_start(now, days_to_next(u[plan.gap_column], customer.rhythm), minute)
            if start < plan.end:
                customer.fade((start - now) / DAY, plan.half_life_days)
                env.process(self.journey(customer, number + 1, start - now, returning=True))
            return
        customer.churn_time = now
        self.active -= 1
        decisive = decisive_moments(customer.history, customer.baseline, plan.cap,
                                    u[plan.return_slot], plan.remember, plan.linear_memory)  # fmt: skip
        causes = apportion(customer.history, decisive)
        for journey, internal, share in blame_through(customer.history, decisive):
            self.causes_through.add(customer.id, journey, internal, share)
        for journey, touchpoint, share in causes:
            self.causes.add(customer.id, journey, touchpoint, share)
        if causes:
            customer.cause = main_cause(causes)  # type: ignore[assignment]

    def customer_records(self) -> np.ndarray:
        """One row per customer, as they stand at the horizon."""
        rows = Rows(CUSTOMER)
        for c in self.customers:
            rows.add(c.id, c.segment.index, c.acquired, sigmoid(c.baseline), c.referred,
                     c.journeys, not math.isnan(c.churn_time), c.churn_time, c.cause,
                     c.revenue)  # fmt: skip
        return rows.to_numpy()

    def release(self) -> None:
        """Nothing to free early (the result's assembly calls this)."""


def chosen(step: StepPlan, u: Numbers, segment: int) -> int | None:
    """Which of the step's touchpoints the journey visits; None: the step is passed by."""
    if step.segments is not None and segment not in step.segments:
        return None
    if step.cumulative is not None:
        return min(bisect_right(step.cumulative, u[step.draw_slot]), len(step.targets) - 1)
    if step.probability < 1.0 and u[step.draw_slot] >= step.probability:
        return None
    return 0
