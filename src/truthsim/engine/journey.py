"""One journey on SimPy's scheduler: the moments of truth a customer lives, one touchpoint after
another.

A journey visits the touchpoints in order; at a staffed touchpoint the customer queues
first-come-first-served for a server and abandons if patience runs out (see ``desks``);
self-service takes time but no queue. Every visit is a moment of truth whose outcome shifts
the customer's return propensity through the scenario's memory model; the journey ends with
the return decision and, for a magical or miserable one, word of mouth.

Why a state machine and not a generator process. A SimPy process resumes its generator through
several layers for every event; a journey here is an object that SimPy's scheduler calls back
when its time comes (the object itself is the scheduled event: SimPy needs only its
``callbacks`` and ``_ok``). Only what must happen in time order is scheduled: arriving at a
staffed touchpoint after time on the way (arrivals at a line must be taken in time order) and
the next journey. A wait is known on arrival, so a visit's wait and service, like self-service
and the time on the way, join the journey's lag and take no event; the journey is decided as
soon as its last moment is known (see ``Journey.decide``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.behaviour.complaints import complains, silent_after
from truthsim.behaviour.outcome import MAGIC, MEDIOCRITY, MISERY
from truthsim.behaviour.returns import comes_back, experience_after, return_probability
from truthsim.behaviour.word_of_mouth import MAGICAL, MISERABLE, journey_tone, poisson_quantile
from truthsim.engine.customer import Customer
from truthsim.engine.desks import NEVER
from truthsim.engine.internal import went_through
from truthsim.engine.plan import (
    CONTINUE,
    FAILURE,
    OUTCOME,
    PATIENCE,
    RECOVERY,
    SERVICE,
    Retry,
)
from truthsim.engine.streams import Ticket, key, tag

if TYPE_CHECKING:
    from truthsim.engine.simulation import Simulation

_REFERRAL = tag("referral")
#: where a journey is: visiting its steps, deciding on a complaint, at the complaints desk
_STEPS, _COMPLAINT, _COMPLAINING = 0, 1, 2


class Journey:
    """One customer's journey in progress; SimPy calls it back when its next moment is due.

    NOTE (speed): replaces the generator process per journey of the reference engine
    (engine/reference.py); a journey is its own scheduled event, so resuming it builds no Timeout.
    """

    __slots__ = ("_ok", "at", "callbacks", "columns", "completed", "customer", "impacts",
                 "index", "keep_going", "lag", "miseries", "n_magic", "n_misery", "n_recovered_magic",
                 "number", "pending", "phase", "places", "position", "resolved", "retry", "sim",
                 "start", "through", "ticket", "u")  # fmt: skip

    def __init__(
        self, sim: Simulation, customer: Customer, number: int, at: float, ticket: Ticket
    ) -> None:
        self._ok = True  # read by SimPy's scheduler when this journey is a scheduled event
        self.callbacks: list | None = None
        self.sim = sim
        self.customer = customer
        self.number = number
        self.ticket: Ticket | None = ticket  #: where its numbers will be (see streams)
        #: the time of the journey's current moment: when SimPy calls it back (the journey
        #: schedules itself, so it knows and need not ask), or its end when it is decided
        self.at = at

    # -- the journey -------------------------------------------------------------------------

    def begin(self) -> None:
        """Start now: draw the journey's numbers and go to its first step."""
        sim = self.sim
        self.u = sim.streams.numbers(self.ticket)  # type: ignore[arg-type]
        self.ticket = None
        self.start = self.customer.last_start = self.at
        self.impacts: list[float] = []
        self.places: list[int] = []
        self.n_misery = self.n_magic = self.n_recovered_magic = 0
        self.completed = True
        self.resolved = False  # a complaint handled without misery (people told become fewer)
        self.keep_going = 1.0  # chance that no misery so far led to a complaint
        #: (moment, its complaint chance) of each misery that may lead to a complaint, kept
        #: for the churn-cause counterfactual; made at the first (most journeys have none)
        self.miseries: list[tuple[int, float]] | None = None
        #: (moment, internal touchpoint) of each moment made worse by an internal one behind it
        self.through: tuple[tuple[int, int], ...] | None = None
        self.pending: tuple | None = None  #: times a line that moves event by event gave
        # NOTE (speed): time on the way, waits and services add up here instead of each being
        # a ``yield env.timeout(...)``; only an arrival at a line is scheduled (see visit)
        self.lag = 0.0  # time since now on the way and in visits, not yet scheduled
        self.position = 0
        self.phase = _STEPS
        self.go()

    def come_back(self) -> None:
        """The next journey's time has come (a scheduled callback)."""
        self.sim.returns.append(self.at)
        self.begin()

    def go(self) -> None:
        """Take the steps from the current one until a visit must wait for time to pass."""
        plan, u = self.sim.plan, self.u
        steps = plan.steps
        count = len(steps)
        taken = self.position  # steps taken so far
        while self.phase == _STEPS and taken < count:
            step = steps[taken]
            taken += 1
            if step.delay is not None:  # the way to a step takes its time, visited or not
                self.lag += u[step.delay_slot]  # already a time (see Plan.transforms)
            if step.segments is not None and self.customer.segment.index not in step.segments:
                continue  # a step for other segments: passed by
            if step.cumulative is not None:
                x = u[step.draw_slot]
                target = 0
                for edge in step.cumulative:
                    if x < edge:
                        break
                    target += 1
                target = min(target, len(step.targets) - 1)
            elif step.probability < 1.0 and u[step.draw_slot] >= step.probability:
                continue
            else:
                target = 0
            self.position = taken  # (a line may call the journey back at once: internal.serve)
            if not self.visit(step.targets[target], step.visits[target], step.retries[target]):
                return  # called back when the visit ends (or never: censored)
        self.position = taken
        if self.phase != _COMPLAINING:
            complaint = plan.complaint
            if complaint is not None and complains(u[complaint.draw_slot], self.keep_going):
                self.phase = _COMPLAINING
                if complaint.delay is not None:
                    self.lag += u[complaint.delay_slot]
                if not self.visit(complaint.targets[0], complaint.visits[0]):
                    return
        end = self.at + self.lag
        if end < plan.horizon or end == self.at:
            self.at = end
            # NOTE (speed): replaces waiting until ``end`` and deciding then (see decide)
            self.decide()

    # -- one moment of truth -----------------------------------------------------------------

    def visit(self, index: int, columns: tuple[int, ...], retry: Retry | None = None) -> bool:
        """The moment of truth at touchpoint ``index`` (``columns``: its draws by purpose), its
        time joining the lag. True when it is over, False when the journey must first get there
        (called back on arrival) or runs past the end of the run (censored, not decided).
        ``retry``: the draws of a second try, where a customer who gives up may try again.
        Where a line that moves event by event has served the customer (internal.serve), its times
        are ``pending`` and the moment's outcome is drawn from them."""
        sim, u = self.sim, self.u
        carried, behind = 0.0, None  # where an internal moment is behind it (internal.serve)
        if self.pending is not None:
            arrival, wait, service, abandoned, load, carried, behind = self.pending
            self.pending = None
            self.lag = wait + service
        else:
            desks = sim.desks[index]
            if desks is not None and self.lag > 0.0:  # arrivals at a line: in time order
                self.index, self.columns, self.retry = index, columns, retry
                self.callbacks = ARRIVE
                self.at += self.lag
                sim.calendar.at(self, self.at)  # type: ignore[arg-type]
                self.lag = 0.0
                return False
            service = u[columns[SERVICE]]
            abandoned = False
            load = 0.0
            if desks is None:  # self-service: no line, so no event
                arrival = self.at + self.lag
                self.lag += service
                if arrival + service > sim.plan.end:
                    return False
                wait = 0.0
            else:
                arrival = self.at
                patience = (
                    NEVER
                    if desks.patient
                    else u[columns[PATIENCE]] * self.customer.segment.patience
                )
                if desks.backed:  # a line that moves event by event: called back (serve)
                    self.index, self.columns, self.retry = index, columns, retry
                    desks.join(self, arrival, patience)
                    return False
                # NOTE (speed): replaces requesting a server and racing the request against
                # patience; the wait is known on arrival (see desks)
                start = desks.arrive(arrival, service, patience)
                if start is None:  # gave up waiting
                    leaves = arrival + patience
                    if leaves >= sim.plan.end:
                        return False
                    wait = self.lag = leaves - arrival
                    service, abandoned = 0.0, True
                else:
                    ends = start + service
                    if ends >= sim.plan.end:
                        return False
                    self.lag = ends - arrival
                    wait = start - arrival
                    load = desks.load  # as this service began (0 where load is not measured)

        # the moment's outcome: recorded, remembered, counted
        tp = sim.plan.touchpoints[index]
        segment = self.customer.segment
        sensitivity = segment.sensitivity
        if abandoned:
            outcome, failed, recovered = MISERY, False, False
            impact = tp.impact[MISERY] * sensitivity
        else:
            rule = tp.moment if tp.by_segment is None else tp.by_segment[segment.index]
            outcome, failed, recovered = rule.draw(
                u[columns[OUTCOME]],
                u[columns[FAILURE]],
                u[columns[RECOVERY]],
                wait,
                segment.patience,
                load,
                carried,
            )
            impact = (tp.recovered if recovered else tp.impact)[outcome] * sensitivity
            if behind is not None:
                went_through(self, rule, outcome, columns, behind, load)
        moments = sim.moments
        moments.buffer += moments.pack(
            self.customer.id,
            self.number,
            index,
            arrival,
            wait,
            service,
            outcome,
            abandoned,
            failed,
            recovered,
        )
        if sim.loads is not None:
            sim.loads.append(load)
        self.impacts.append(impact)
        self.places.append(index)
        if self.phase == _COMPLAINING:
            if outcome == MISERY:
                self.n_misery += 1
            else:
                self.resolved = True
                self.n_magic += outcome == MAGIC
        elif outcome == MISERY:
            self.n_misery += 1
            if tp.complain:
                self.keep_going = silent_after(self.keep_going, tp.complain)
                if self.miseries is None:
                    self.miseries = []
                self.miseries.append((len(self.impacts) - 1, tp.complain))
            if abandoned and tp.abandon != CONTINUE:  # continue: on to the next step
                if retry is not None and u[retry[0]] < tp.retry_share:
                    self.lag += u[retry[1]]  # tries again later: a new wait, a new moment
                    return self.visit(index, retry[2])
                self.completed = False
                self.phase = _COMPLAINT  # the journey ends here
        elif outcome != MEDIOCRITY:
            self.n_magic += 1
            self.n_recovered_magic += recovered
        return True

    # -- at a line that moves event by event (engine.backed, engine.internal) ---------------

    def resume(self) -> None:
        """After ``internal.serve``: the moment's outcome, and on (nothing where it was
        censored)."""
        if self.pending is not None and self.visit(self.index, self.columns, self.retry):
            self.go()

    def gave_up(self, now: float) -> None:
        """The customer's patience ran out at ``now`` in a line that moves event by event."""
        if now >= self.sim.plan.end:
            return  # censored
        self.pending = (self.at, now - self.at, 0.0, True, 0.0, 0.0, None)
        if self.visit(self.index, self.columns, self.retry):
            self.go()

    def arrive(self) -> None:
        """At a staffed touchpoint after time on the way (a scheduled callback)."""
        if self.visit(self.index, self.columns, self.retry):
            self.go()

    # -- the end of the journey --------------------------------------------------------------

    def decide(self) -> None:
        """The journey is over at ``at``: remember it, record it, tell people, come back or not.

        Why as soon as the last moment is known, not when the journey ends. What the decision
        changes is the customer's own (memory, history, counts), or takes effect at a time it
        names: the next journey, referrals, and the two effects others see, a customer lost to
        the market and prospects deterred, which count from the journey's end (see
        ``Simulation.lose`` and ``Simulation.deter``). So deciding early changes nothing but
        the order of the records, and a journey takes one event fewer."""
        sim, customer = self.sim, self.customer
        plan, u, number = sim.plan, self.u, self.number
        now = self.at
        segment = customer.segment
        impacts = self.impacts
        remembered = plan.remember(impacts)
        before = customer.experience
        customer.experience = experience_after(before, remembered, plan.cap)
        complaint = None
        if self.phase == _COMPLAINING:  # the complaint is the journey's last moment
            drawn = u[plan.complaint.draw_slot]  # type: ignore[union-attr]
            complaint = (len(impacts) - 1, drawn, tuple(self.miseries or ()))
        customer.history.add(
            tuple(impacts), tuple(self.places), remembered, before, complaint, self.through
        )
        probability = return_probability(customer.baseline, customer.experience)
        returning = comes_back(u[plan.return_slot], probability)
        completed = self.completed
        revenue = segment.value if completed else 0.0
        customer.journeys += 1
        customer.revenue += revenue
        customer.last_end = now
        journeys = sim.journeys
        journeys.buffer += journeys.pack(
            customer.id,
            number,
            segment.index,
            self.start,
            now,
            completed,
            returning,
            remembered,
            probability,
            self.n_misery,
            self.n_magic,
            revenue,
        )

        if plan.word_of_mouth is not None:  # a recovered failure's magic is not retold
            tone = journey_tone(
                self.n_misery, self.n_magic - self.n_recovered_magic, plan.magic_needed
            )
            if tone == MISERABLE:
                told = plan.deter_resolved if self.resolved else plan.deter_mean
                sim.deter(poisson_quantile(told, u[plan.deterred_slot]), now)
            elif tone == MAGICAL:
                for k in range(poisson_quantile(plan.refer_mean, u[plan.referred_slot])):
                    referral = key(customer.key, number, _REFERRAL, k)
                    delay = plan.referral_delay(sim.streams.draw(referral))  # type: ignore[misc]
                    sim.refer(referral, delay, now)
        if returning:
            sim.come_back(customer, number, u, now)
        else:
            sim.lose(customer, u[plan.return_slot], now)


#: What SimPy calls back when a journey (the scheduled event itself) comes due: each a plain
#: function called with the journey, shared by all journeys (SimPy reads a list of callbacks
#: and never changes it), so that scheduling makes neither a bound method nor a list.
ARRIVE, COME_BACK, BEGIN = ([f] for f in (Journey.arrive, Journey.come_back, Journey.begin))
