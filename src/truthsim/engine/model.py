"""One replication of a scenario on SimPy: customers arrive, live their journeys, and come back or not.

Each customer is one SimPy process that runs journey after journey. A journey visits the
touchpoints in order; at a staffed touchpoint the customer queues first-come-first-served for a
server (see ``station``) and abandons if patience runs out; self-service takes time but no queue. Every visit is a moment of truth whose outcome
shifts the customer's return propensity through the scenario's memory model. All randomness
comes from keyed streams (see ``streams``), one vectorised batch per journey.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from scipy import special

from truthsim.behaviour.attribution import History, blame
from truthsim.behaviour.memory import fade
from truthsim.behaviour.outcome import MAGIC, MISERY
from truthsim.behaviour.word_of_mouth import MAGICAL, MISERABLE, journey_tone, poisson_quantile
from truthsim.engine.plan import FAILURE, OUTCOME, PATIENCE, RECOVERY, Plan, SegmentPlan
from truthsim.engine.records import CAUSE, CUSTOMER, JOURNEY, MOMENT, Rows
from truthsim.engine.station import Station
from truthsim.engine.streams import Streams, key, keys, tag
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.model import MINUTES_PER_DAY
from truthsim.scenario.probability import logit, sigmoid

_PROSPECT, _SEGMENT, _ARRIVALS, _REFERRAL, _MARKET, _BASELINE = (
    tag(n) for n in ("prospect", "segment", "arrivals", "referral", "market", "baseline")
)
_ARRIVAL_BLOCK = 1024


class Customer:
    """A customer's state across journeys."""

    __slots__ = (
        "acquired",
        "baseline",
        "cause",
        "churn_time",
        "experience",
        "history",
        "id",
        "journeys",
        "key",
        "referred",
        "revenue",
        "segment",
    )

    def __init__(self, id: int, key: int, segment: SegmentPlan, acquired: float, referred: bool):
        self.id = id
        self.key = key
        self.segment = segment
        self.baseline = segment.baseline  #: this customer's baseline return log-odds
        self.acquired = acquired
        self.referred = referred
        self.experience = 0.0  #: accumulated remembered shift, log-odds
        self.journeys = 0
        self.revenue = 0.0
        self.churn_time = np.nan
        self.cause = -1  #: the touchpoint most to blame for losing the customer, or -1
        self.history: History | None = History()  #: dropped once the customer is lost


class Simulation:
    """State and processes of one replication. Use :func:`truthsim.simulate` rather than this."""

    def __init__(self, plan: Plan, root: int, cap: int | None = None) -> None:
        self.plan = plan
        self.customer_cap = cap  #: most active customers this replication may hold (None: no limit)
        self.active = 0  #: customers acquired and not lost: they are not prospects any more
        self.causes = Rows(CAUSE)
        self.env = simpy.Environment()
        self.streams = Streams(root, plan.slots, plan.transforms, plan.derived)
        self.stations = [Station(self.env, tp.servers) for tp in plan.touchpoints]
        self.moments = Rows(MOMENT)
        self.journeys = Rows(JOURNEY)
        self.customers: list[Customer] = []
        self.deterred = array("d")
        self.returns = array("d")
        self.pending_deterred = 0

    def run(self) -> Simulation:
        plan, env = self.plan, self.env
        env.process(self._arrivals())
        if plan.warmup > 0:
            env.process(self._end_warmup())
        for tp, station in zip(plan.touchpoints, self.stations, strict=True):
            if tp.schedule is not None:  # shift changes, scheduled ahead as plain callbacks
                for at, servers in tp.schedule.changes(plan.end):  # through any run-off
                    if at > 0:
                        change = env.timeout(at)
                        change.callbacks.append(lambda _, s=station, n=servers: s.staff(n))
        env.run(until=plan.horizon)
        for station in self.stations:
            station.change(plan.horizon, 0, 0)
        return self

    def run_off(self) -> Simulation:
        """Continue past the horizon until the plan's end: only customers already acquired."""
        if self.plan.end > self.plan.horizon:
            self.env.run(until=self.plan.end)
        return self

    def customer_records(self) -> np.ndarray:
        table = Rows(CUSTOMER)
        add = table.add
        for c in self.customers:
            add(
                c.id,
                c.segment.index,
                c.acquired,
                sigmoid(c.baseline),
                c.referred,
                c.journeys,
                not np.isnan(c.churn_time),
                c.churn_time,
                c.cause,
                c.revenue,
            )
        return table.to_numpy()

    # -- processes ---------------------------------------------------------------------------

    def _end_warmup(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(self.plan.warmup)
        for station in self.stations:
            station.restart(self.env.now)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """New prospects as a (possibly hour-of-day shaped) Poisson process, by time change."""
        plan, env, streams = self.plan, self.env, self.streams
        expected = 0.0  # cumulative expected arrivals: a unit-rate Poisson process
        index = 0
        per_day = plan.per_minute * MINUTES_PER_DAY
        for block in range(1 << 62):
            expected = expected + np.cumsum(
                -np.log(streams.block(_ARRIVALS, block, _ARRIVAL_BLOCK))
            )
            if plan.profile is None:
                times = expected / plan.per_minute
            else:
                days = expected / per_day
                whole = np.floor(days)
                times = whole * MINUTES_PER_DAY + plan.profile.minute_of_day(days - whole)
            expected = expected[-1]
            prospects = keys(_PROSPECT, np.arange(index + 1, index + 1 + len(times)))
            for k, t in zip(prospects, times.tolist(), strict=True):
                if t < plan.horizon:
                    streams.expect(k, 0)
            for k, t in zip(prospects, times.tolist(), strict=True):
                if t >= plan.horizon:
                    return
                yield env.timeout(t - env.now)
                index += 1
                if not self._reachable(k):
                    streams.forget(k, 0)  # already a customer: the market has fewer prospects
                    continue
                if self.pending_deterred > 0:
                    self.pending_deterred -= 1
                    self.deterred.append(t)
                    streams.forget(k, 0)
                    continue
                self._acquire(k, referred=False)

    def _reachable(self, customer_key: int) -> bool:
        """Whether a would-be customer is still a prospect: in a market of M people with A of
        them active customers, a draw from the market finds a prospect with chance (M - A) / M."""
        market = self.plan.market
        if market is None:
            return True
        return self.streams.draw(customer_key, _MARKET) * market >= self.active

    def _acquire(self, customer_key: int, referred: bool) -> None:
        u = self.streams.draw(customer_key, _SEGMENT)
        segments = self.plan.segments
        position = min(bisect_right(self.plan.segment_cumulative, u), len(segments) - 1)
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
        segment = segments[position]
        customer = Customer(len(self.customers), customer_key, segment, self.env.now, referred)
        if segment.spread is not None:  # customers differ: each draws a baseline once (sBG)
            a, b = segment.spread
            p = float(special.betaincinv(a, b, self.streams.draw(customer_key, _BASELINE)))
            customer.baseline = logit(p)
        self.customers.append(customer)
        self.active += 1
        self.env.process(self._lifetime(customer))

    def _refer(self, customer_key: int, delay_days: float) -> None:
        start = self.env.now + delay_days * MINUTES_PER_DAY
        if start < self.plan.horizon:
            later = self.env.timeout(delay_days * MINUTES_PER_DAY)
            later.callbacks.append(lambda _: self._referred(customer_key))

    def _referred(self, customer_key: int) -> None:
        if self._reachable(customer_key):
            self._acquire(customer_key, referred=True)

    def _blame(self, customer: Customer, u: float) -> None:
        """Record the moments without which the customer would have come back (see attribution)."""
        plan = self.plan
        history = customer.history
        assert history is not None
        causes = blame(history, customer.baseline, plan.cap, u, plan.remember, plan.linear_memory)
        add = self.causes.add
        for journey, touchpoint, share in causes:
            add(customer.id, journey, touchpoint, share)
        if causes:
            shares: dict[int, float] = {}
            for _, touchpoint, share in causes:
                shares[touchpoint] = shares.get(touchpoint, 0.0) + share
            customer.cause = max(shares, key=lambda t: (shares[t], -t))
        customer.history = None  # a lost customer's memory is no longer needed

    def _lifetime(self, customer: Customer) -> Generator[simpy.Event, Any, None]:
        """Journey after journey until the customer does not come back (or time runs out)."""
        plan, env = self.plan, self.env
        segment = customer.segment
        number = 0
        while True:
            u: list[float] = []
            returning = yield from self._journey(customer, number, u)
            if returning is None:
                return  # still a customer at the horizon, mid-journey
            if not returning:
                customer.churn_time = env.now
                self.active -= 1
                self._blame(customer, u[plan.return_slot])
                return
            now = env.now
            start = now + u[segment.gap_column] * MINUTES_PER_DAY  # drawn with the journey
            if plan.profile is not None:
                day = start // MINUTES_PER_DAY
                start = day * MINUTES_PER_DAY + u[plan.gap_minute_column]
                if start < now:
                    start += MINUTES_PER_DAY
            if start >= plan.end:
                return  # still a customer at the horizon (or at the end of the run-off)
            faded = fade(1.0, (start - now) / MINUTES_PER_DAY, plan.half_life_days)
            customer.experience *= faded
            customer.history.fades.append(faded)
            self.streams.expect(customer.key, number + 1)
            u.clear()  # a waiting customer holds no random numbers
            yield env.timeout(start - now)
            self.returns.append(env.now)
            number += 1

    def _journey(
        self, customer: Customer, number: int, u: list[float]
    ) -> Generator[simpy.Event, Any, bool | None]:
        """One journey's moments; whether the customer will come back (None: past the horizon)."""
        plan, env = self.plan, self.env
        touchpoints = plan.touchpoints
        u.extend(self.streams.journey(customer.key, number))
        segment = customer.segment
        moment = _Moment()
        impacts: list[float] = []
        places: list[int] = []
        n_misery = n_magic = n_recovered_magic = 0
        completed = True
        start = env.now
        keep_going = 1.0  # chance that no misery so far led to a complaint

        lag = 0.0  # time spent since env.now in delays and self-service, not yet yielded
        for step in plan.steps:
            if step.delay is not None:  # the way to a step takes its time, visited or not
                lag += u[step.delay_slot]  # already a time (see Plan.transforms)
            if step.cumulative is not None:
                x = u[step.draw_slot]
                position = 0
                for edge in step.cumulative:
                    if x < edge:
                        break
                    position += 1
                position = min(position, len(step.targets) - 1)
            elif step.probability < 1.0 and u[step.draw_slot] >= step.probability:
                continue
            else:
                position = 0
            index = step.targets[position]
            lag = yield from self._visit(
                customer, number, index, step.first_slots[position], u, lag, moment
            )
            if lag < 0.0:
                return None  # the journey runs past the horizon: censored, not decided
            impacts.append(moment.impact)
            places.append(index)
            if moment.outcome == MISERY:
                n_misery += 1
                keep_going *= 1.0 - touchpoints[index].complain
            elif moment.outcome == MAGIC:
                n_magic += 1
                n_recovered_magic += moment.recovered
            if moment.abandoned:
                completed = False
                break

        resolved = False  # a complaint handled without misery (people told become fewer)
        complaint = plan.complaint
        if complaint is not None and u[complaint.draw_slot] >= keep_going:  # the judgment day
            if complaint.delay is not None:
                lag += u[complaint.delay_slot]
            index = complaint.targets[0]
            lag = yield from self._visit(
                customer, number, index, complaint.first_slots[0], u, lag, moment
            )
            if lag < 0.0:
                return None
            impacts.append(moment.impact)
            places.append(index)
            if moment.outcome == MISERY:
                n_misery += 1
            else:
                resolved = True
                n_magic += moment.outcome == MAGIC

        if lag > 0.0:
            yield env.timeout(lag)
        remembered = plan.remember(impacts)
        before = customer.experience
        customer.experience = min(before + remembered, plan.cap)  # memory saturates
        customer.history.add(tuple(impacts), tuple(places), remembered, before)
        probability = sigmoid(customer.baseline + customer.experience)
        returning = u[plan.return_slot] < probability
        revenue = segment.value if completed else 0.0
        customer.journeys += 1
        customer.revenue += revenue
        journeys = self.journeys
        journeys.buffer += journeys.pack(
            customer.id,
            number,
            segment.index,
            start,
            env.now,
            completed,
            returning,
            remembered,
            probability,
            n_misery,
            n_magic,
            revenue,
        )

        if plan.word_of_mouth is not None:  # a recovered failure's magic is not retold
            tone = journey_tone(n_misery, n_magic - n_recovered_magic, plan.magic_needed)
            if tone == MISERABLE:
                told = plan.deter_resolved if resolved else plan.deter_mean
                self.pending_deterred += poisson_quantile(told, u[plan.deterred_slot])
            elif tone == MAGICAL:
                for k in range(poisson_quantile(plan.refer_mean, u[plan.referred_slot])):
                    referral = key(customer.key, number, _REFERRAL, k)
                    self._refer(referral, plan.referral_delay(self.streams.draw(referral)))  # type: ignore[misc]
        return returning

    def _visit(
        self,
        customer: Customer,
        number: int,
        index: int,
        first: int,
        u: list[float],
        lag: float,
        moment: _Moment,
    ) -> Generator[simpy.Event, Any, float]:
        """One moment of truth at touchpoint ``index``; fills ``moment`` and returns the lag
        (time not yet yielded), or -1 when a self-service visit runs past the horizon."""
        env, plan = self.env, self.plan
        tp = plan.touchpoints[index]
        station = self.stations[index]
        tolerance = customer.segment.patience
        service = u[first]
        wait = 0.0
        abandoned = False
        if station.servers is None:
            # self-service: no queue, so no event is needed; the time joins the lag
            arrival = env.now + lag
            lag += service
            if arrival + service > plan.end:
                return -1.0
        else:
            if lag > 0.0:
                yield env.timeout(lag)
                lag = 0.0
            arrival = env.now
            if not station.arrive(arrival):
                turn = station.join_queue()
                if tp.patience is not None:  # one timeout whose callback takes them out of line
                    patience = env.timeout(u[first + PATIENCE] * tolerance)
                    patience.callbacks.append(lambda _: station.lapse(turn))
                    abandoned = not (yield turn)
                else:
                    yield turn
                now = env.now
                wait = now - arrival
                station.change(now, -1, 0 if abandoned else 1)
            if not abandoned:
                yield env.timeout(service)
                station.depart(env.now)

        sensitivity = customer.segment.sensitivity
        if abandoned:
            outcome, failed, recovered, service = MISERY, False, False, 0.0
            impact = tp.impact[MISERY] * sensitivity
        else:
            outcome, failed, recovered = tp.moment.draw(
                u[first + OUTCOME], u[first + FAILURE], u[first + RECOVERY], wait, tolerance
            )
            impact = (tp.recovered if recovered else tp.impact)[outcome] * sensitivity
        moment.outcome, moment.impact = outcome, impact
        moment.abandoned, moment.recovered = abandoned, recovered
        moments = self.moments
        moments.buffer += moments.pack(
            customer.id,
            number,
            index,
            arrival,
            wait,
            service,
            outcome,
            abandoned,
            failed,
            recovered,
        )
        return lag


class _Moment:
    """How the last visit ended (reused, so a visit allocates nothing)."""

    __slots__ = ("abandoned", "impact", "outcome", "recovered")

    def __init__(self) -> None:
        self.outcome, self.impact, self.abandoned, self.recovered = 0, 0.0, False, False
