"""One journey on SimPy: the moments of truth a customer lives, one touchpoint after another.

A journey visits the touchpoints in order; at a staffed touchpoint the customer queues
first-come-first-served for a server (see ``station``) and abandons if patience runs out;
self-service takes time but no queue, and no event. Every visit is a moment of truth whose
outcome shifts the customer's return propensity through the scenario's memory model; the
journey ends with the return decision and, for a magical or miserable one, word of mouth.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from truthsim.behaviour.outcome import MAGIC, MISERY
from truthsim.behaviour.word_of_mouth import (
    MAGICAL,
    MISERABLE,
    journey_tone,
    poisson_quantile,
)
from truthsim.engine.customer import Customer, Moment
from truthsim.engine.plan import FAILURE, OUTCOME, PATIENCE, RECOVERY, Plan
from truthsim.engine.records import Rows
from truthsim.engine.station import Station
from truthsim.engine.streams import Streams, key, tag
from truthsim.scenario.probability import sigmoid

_REFERRAL = tag("referral")


class Journeys:
    """The journey and visit processes of a :class:`~truthsim.engine.model.Simulation`.

    A mixin: the attributes below, and ``_refer`` (schedule a referred prospect), are the
    simulation's own.
    """

    plan: Plan
    env: simpy.Environment
    streams: Streams
    stations: list[Station]
    moments: Rows
    journeys: Rows
    pending_deterred: int
    _refer: Callable[[int, float], None]

    def _journey(
        self, customer: Customer, number: int, u: list[float]
    ) -> Generator[simpy.Event, Any, bool | None]:
        """One journey's moments; whether the customer will come back (None: past the horizon)."""
        plan, env = self.plan, self.env
        touchpoints = plan.touchpoints
        u.extend(self.streams.journey(customer.key, number))
        segment = customer.segment
        moment = Moment()
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
        moment: Moment,
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
