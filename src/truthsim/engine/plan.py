"""A scenario compiled for speed: plain Python numbers and closures the engine's hot loop reads.

Also lays out the random-number slots of a journey: each (step, touchpoint, purpose) gets a
stable key derived from names, so the same draw serves the same purpose in every scenario
variant that shares the journey's structure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import accumulate

import numpy as np

from truthsim.behaviour.internal import carried_pushes
from truthsim.behaviour.memory import Remember, memory_model
from truthsim.behaviour.outcome import MomentModel, OutcomeModel
from truthsim.behaviour.recovery import moment_impacts
from truthsim.engine.arrivals import ArrivalClock, DayProfile
from truthsim.engine.streams import key, tag
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.journey import Step
from truthsim.scenario.probability import logit
from truthsim.scenario.schema import Scenario
from truthsim.scenario.staffing import Schedule

Quantile = Callable[[float], float]
Quantiles = Callable[[np.ndarray], np.ndarray]

#: a touchpoint visit's draws, by purpose: positions in a step's ``visits`` columns
SERVICE, PATIENCE, OUTCOME, FAILURE, RECOVERY = range(5)
_PURPOSES = ("service", "patience", "outcome", "failure", "recovery")
#: where the touchpoint needs an internal one, the visit's further draws: whether this moment
#: needs it, and the internal moment's service, outcome, failure and recovery
NEED, INTERNAL_SERVICE, INTERNAL_OUTCOME, INTERNAL_FAILURE, INTERNAL_RECOVERY = range(5, 10)
_INTERNAL_PURPOSES = ("need", "internal service", "internal outcome", "internal failure",
                      "internal recovery")  # fmt: skip
_JOURNEY_PURPOSES = ("return", "gap", "gap_hour", "deterred", "referred")
#: what a customer who gives up waiting does next (see scenario.touchpoint.Abandonment)
LOST, RETRY, CONTINUE = range(3)
_ABANDON = {"lost": LOST, "retry": RETRY, "continue": CONTINUE}


@dataclass(frozen=True, slots=True)
class NeedPlan:
    """A front-line touchpoint's need of an internal one (see behaviour.internal)."""

    touchpoint: int  #: the internal touchpoint's index
    share: float  #: the share of moments that need it
    carried: tuple[float, float, float]  #: push on the latent quality per internal outcome


@dataclass(frozen=True, slots=True)
class TouchpointPlan:
    index: int
    name: str
    title: str
    servers: int | None  #: servers at the start (None: unlimited)
    schedule: Schedule | None  #: how the servers change by hour of day, if they do
    service: Quantiles
    patience: Quantiles | None
    moment: MomentModel
    impact: tuple[float, float, float]  #: log-odds shift x importance, per outcome
    recovered: tuple[float, float, float]  #: the same for a recovered failure, per outcome
    complain: float  #: chance that a misery here leads to a complaint
    abandon: int = LOST  #: after giving up waiting: LOST, RETRY or CONTINUE
    retry_share: float = 0.0  #: RETRY: the share who try again
    #: per segment, its own outcome rule where the touchpoint has outcome mixes by segment
    by_segment: tuple[MomentModel, ...] | None = None
    #: minutes over which the servers' busy share is measured, where load moves outcomes
    load_window: float | None = None
    internal: bool = False  #: it serves staff, not customers
    need: NeedPlan | None = None  #: the internal touchpoint a share of its moments needs


Retry = tuple[int, int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class StepPlan:
    targets: tuple[int, ...]  #: touchpoint indexes this step may visit
    cumulative: tuple[float, ...] | None  #: cumulative choice chances, or None for one target
    probability: float
    draw_slot: int  #: uniform deciding whether (and where) the step happens
    delay: Quantiles | None
    delay_slot: int
    visits: tuple[tuple[int, ...], ...]  #: per target, its columns by purpose (SERVICE, ...)
    #: per target whose abandoners may try again: (draw column, delay column, the retry's
    #: visit columns); None elsewhere
    retries: tuple[Retry | None, ...] = ()
    #: the segments (indexes) that take the step, if not everyone
    segments: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    index: int
    name: str
    value: float
    baseline: float  #: baseline return propensity, log-odds (of the mean, when it varies)
    spread: tuple[float, float] | None  #: Beta(a, b) of each customer's baseline, if it varies
    patience: float
    sensitivity: float
    rate_shape: float | None = None  #: Gamma shape of customers' rates, if they differ


class Plan:
    """Everything one replication needs from a scenario, prepared once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.horizon = scenario.horizon
        #: nothing is scheduled from here on: a journey that would go on past it is censored
        self.end = self.horizon
        self.warmup = scenario.warmup
        arrivals = scenario.arrivals
        self.profile = DayProfile(arrivals.hourly_profile) if arrivals.hourly_profile else None
        #: when new customers arrive (by time change of a unit-rate Poisson process)
        self.arrival_clock = ArrivalClock(arrivals.per_day, arrivals.calendar(), self.profile)
        order = scenario.touchpoint_order()
        self.touchpoints = [_touchpoint(i, name, scenario, order) for i, name in enumerate(order)]
        self.segments = _segments(scenario)
        #: some touchpoint's outcomes move with its servers' load: moments record it
        self.loaded = any(tp.load_window is not None for tp in self.touchpoints)
        #: some touchpoint needs an internal one: internal moments are recorded
        self.backed = any(tp.need is not None for tp in self.touchpoints)
        self.segment_cumulative = list(accumulate(s.share for s in scenario.segments.values()))
        self._lay_out_draws(scenario)
        self._behaviour(scenario)

    def _lay_out_draws(self, scenario: Scenario) -> None:
        """The journey's steps with the columns of their draws, and the journey's own draws."""
        layout = SlotLayout(scenario)
        by_name = {tp.name: tp.index for tp in self.touchpoints}
        steps = [_step(layout, by_name, i, step) for i, step in enumerate(scenario.journey)]
        complaint = _complaint_step(layout, by_name, scenario)
        wom = scenario.word_of_mouth is not None
        needed = (True, True, self.profile is not None, wom, wom)
        self.return_slot, gap_slot, gap_hour_slot, deterred_slot, referred_slot = (
            layout.slot("journey", p, needed=n)
            for p, n in zip(_JOURNEY_PURPOSES, needed, strict=True)
        )
        self.slots = np.array(layout.keys, dtype=np.uint64)
        column = layout.resolver(self.return_slot)
        self.gap_slot, self.gap_hour_slot = gap_slot, gap_hour_slot
        self.steps = [_resolved(step, column) for step in steps]
        #: complaints after a misery: a step of their own, after the journey (or None)
        self.complaint = _resolved(complaint, column) if complaint is not None else None
        self.deterred_slot, self.referred_slot = column(deterred_slot), column(referred_slot)
        #: slots whose uniforms become times as soon as a batch is drawn (one numpy call per
        #: column). NOTE (speed): replaces turning each uniform into a time at its visit.
        self.transforms = _transforms(self, scenario)
        #: columns computed from a slot's uniform as a batch is drawn, placed after the slots:
        #: (slot, u -> x); the uniforms stay as they were, so the random layout does not change
        #: with one function per segment, each journey's by its customer's segment
        self.derived: list[tuple[int, tuple[Quantiles, ...]]] = []

        def derive(source: int, *quantiles: Quantiles) -> int:
            self.derived.append((source, quantiles))
            return len(layout.keys) + len(self.derived) - 1

        #: the column holding the days to the next journey, from the customer's segment
        self.gap_column = derive(
            gap_slot, *(seg.days_between_journeys.quantiles() for seg in scenario.segments.values())
        )
        #: the column holding the minute of day a returning journey starts at, with a profile
        self.gap_minute_column = (
            derive(gap_hour_slot, self.profile.minute_of_day) if self.profile else -1
        )

    def _behaviour(self, scenario: Scenario) -> None:
        """Memory, the ceiling, the market and word of mouth, as plain numbers."""
        memory = scenario.memory
        self.remember: Remember = memory_model(memory.model, memory.recency_decay)
        #: the journey's memory is a weighted sum (a moment of zero impact never matters)
        self.linear_memory = memory.model == "additive"
        self.half_life_days = memory.forgetting_half_life_days
        self.cap = experience_cap(scenario)  #: the most experience can add to return log-odds
        self.market = scenario.arrivals.market_size
        self.word_of_mouth = wom = scenario.word_of_mouth
        self.deter_mean = wom.misery_tells * wom.deterred_share if wom else 0.0
        #: deterred after a miserable journey whose complaint was handled without misery
        self.deter_resolved = wom.resolved_tells * wom.deterred_share if wom else 0.0
        self.refer_mean = wom.magic_tells * wom.referred_share if wom else 0.0
        self.magic_needed = wom.magic_moments if wom else 0
        self.referral_delay = wom.referral_delay_days.quantile_function() if wom else None


class SlotLayout:
    """The journey's random numbers, one slot per (step, touchpoint, purpose) the scenario reads.

    Each slot has a key of its own, made from names, so a draw's value depends on its key alone
    and leaving one out changes no other. A purpose the scenario does not need (a patience where
    customers wait for ever, a failure where nothing fails, a delay not written ...) gets no
    slot: its column is the return decision's, which every journey draws. NOTE (speed): replaces
    a column for every purpose; the engine either never reads such a column or reads it where
    every value gives the same result (a failure of rate 0), so sharing it changes nothing.
    """

    UNNEEDED = -1  #: the slot of a purpose not needed, until resolved to the return column

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.keys: list[int] = []

    def slot(self, *parts: str | int, needed: bool = True) -> int:
        if not needed:
            return self.UNNEEDED
        self.keys.append(key(*(tag(p) if isinstance(p, str) else p for p in parts)))
        return len(self.keys) - 1

    def visit(self, where: str | int, name: str) -> tuple[int, ...]:
        """A visit's slots by purpose (SERVICE, PATIENCE, OUTCOME, FAILURE, RECOVERY)."""
        tp = self.scenario.touchpoints[name]
        fails = tp.failure.rate > 0.0
        needed = (True, tp.patience is not None, True, fails, fails and tp.failure.recovery > 0)
        slots = tuple(
            self.slot("visit", where, name, p, needed=n)
            for p, n in zip(_PURPOSES, needed, strict=True)
        )
        if tp.needs is None:
            return slots
        behind = self.scenario.touchpoints[tp.needs.touchpoint]
        fails = behind.failure.rate > 0.0
        needed = (tp.needs.share < 1.0, True, True, fails, fails and behind.failure.recovery > 0)
        return slots + tuple(
            self.slot("visit", where, name, p, needed=n)
            for p, n in zip(_INTERNAL_PURPOSES, needed, strict=True)
        )

    def retry(self, i: int, name: str) -> Retry | None:
        """Draws of a second try after giving up, where abandoners may try again."""
        tp = self.scenario.touchpoints[name]
        if tp.abandonment.then != "retry" or tp.patience is None:
            return None
        return (self.slot("retry", i, name, "draw"), self.slot("retry", i, name, "delay"),
                self.visit(f"retry {i}", name))  # fmt: skip

    def resolver(self, return_slot: int) -> Callable[[int], int]:
        """Slot to column: an unneeded purpose reads the return decision's column."""
        return lambda slot: return_slot if slot == self.UNNEEDED else slot


def _segments(scenario: Scenario) -> list[SegmentPlan]:
    return [
        SegmentPlan(
            i,
            name,
            seg.value_per_journey,
            logit(seg.mean_return),
            seg.baseline_return.beta_parameters()
            if isinstance(seg.baseline_return, ReturnSpread)
            else None,
            seg.patience,
            seg.sensitivity,
            seg.days_between_journeys.rate_shape,
        )
        for i, (name, seg) in enumerate(scenario.segments.items())
    ]


def _step(layout: SlotLayout, by_name: dict[str, int], i: int, step: Step) -> StepPlan:
    """Step ``i`` of the journey, its draws laid out (slots in the order they always had)."""
    chosen = step.choice is not None or step.probability < 1.0
    draw_slot = layout.slot("step", i, "draw", needed=chosen)
    delay_slot = layout.slot("step", i, "delay", needed=step.delay is not None)
    visits = tuple(layout.visit(i, target) for target in step.targets())
    segments = layout.scenario.segments
    return StepPlan(
        tuple(by_name[t] for t in step.targets()),
        tuple(accumulate(step.choice.values())) if step.choice is not None else None,
        step.probability,
        draw_slot,
        step.delay.quantiles() if step.delay else None,
        delay_slot,
        visits,
        tuple(layout.retry(i, target) for target in step.targets()),
        None
        if step.segments is None
        else frozenset(list(segments).index(s) for s in step.segments),
    )


def _complaint_step(
    layout: SlotLayout, by_name: dict[str, int], scenario: Scenario
) -> StepPlan | None:
    """Complaints after a misery: a step of their own, after the journey."""
    complaints = scenario.complaints
    if complaints is None:
        return None
    desk = complaints.touchpoint
    draw_slot = layout.slot("complaint", "draw")
    delay_slot = layout.slot("complaint", "delay", needed=complaints.delay is not None)
    return StepPlan(
        (by_name[desk],),
        None,
        1.0,
        draw_slot,
        complaints.delay.quantiles() if complaints.delay else None,
        delay_slot,
        (layout.visit("complaint", desk),),
    )


def _resolved(step: StepPlan, column: Callable[[int], int]) -> StepPlan:
    return replace(
        step,
        draw_slot=column(step.draw_slot),
        delay_slot=column(step.delay_slot),
        visits=tuple(tuple(column(c) for c in v) for v in step.visits),
        retries=tuple(
            None if r is None else (r[0], r[1], tuple(column(c) for c in r[2]))
            for r in step.retries
        ),
    )


def _transforms(plan: Plan, scenario: Scenario) -> list[tuple[int, Quantiles]]:
    """(column, u -> time) of every delay, service time and patience a journey may draw."""
    transforms: list[tuple[int, Quantiles]] = []
    for step in [*plan.steps, *([plan.complaint] if plan.complaint else [])]:
        if step.delay is not None:
            transforms.append((step.delay_slot, step.delay))
        for target, columns in zip(step.targets, step.visits, strict=True):
            tp = plan.touchpoints[target]
            transforms.append((columns[SERVICE], tp.service))
            if tp.patience is not None:
                transforms.append((columns[PATIENCE], tp.patience))
            if tp.need is not None:
                behind = plan.touchpoints[tp.need.touchpoint]
                transforms.append((columns[INTERNAL_SERVICE], behind.service))
        for target, again in zip(step.targets, step.retries, strict=False):
            if again is not None:  # the delay, and the second try's times
                tp = plan.touchpoints[target]
                delay = scenario.touchpoints[tp.name].abandonment.delay
                transforms.append((again[1], delay.quantiles()))  # type: ignore[union-attr]
                transforms.append((again[2][SERVICE], tp.service))
                transforms.append((again[2][PATIENCE], tp.patience))  # type: ignore[arg-type]
                if tp.need is not None:
                    behind = plan.touchpoints[tp.need.touchpoint]
                    transforms.append((again[2][INTERNAL_SERVICE], behind.service))
    return transforms


def _touchpoint(index: int, name: str, scenario: Scenario, order: list[str]) -> TouchpointPlan:
    tp = scenario.touchpoints[name]
    need = None
    if tp.needs is not None:
        need = NeedPlan(
            order.index(tp.needs.touchpoint),
            tp.needs.share,
            carried_pushes(tp.needs.carry.as_tuple()),
        )
    impact, recovered = moment_impacts(tp, scenario.reference_return)
    load = (tp.load.threshold, tp.load.doubling) if tp.load is not None else None

    def moment(outcomes: tuple[float, float, float]) -> MomentModel:
        return MomentModel(
            clean=OutcomeModel.build(outcomes, tp.wait.tolerance, tp.wait.doubling, load),
            recovered=OutcomeModel.build(
                tp.failure.recovered_outcomes.as_tuple(),
                tp.wait.tolerance,
                tp.wait.doubling,
                load,
            ),
            failure_rate=tp.failure.rate,
            recovery_rate=tp.failure.recovery,
        )

    by_segment = None
    if tp.outcomes_by_segment:
        by_segment = tuple(moment(tp.outcomes_for(s).as_tuple()) for s in scenario.segments)
    return TouchpointPlan(
        index=index,
        name=name,
        title=tp.title(name),
        servers=tp.servers.at(0.0) if isinstance(tp.servers, Schedule) else tp.servers,
        schedule=tp.servers if isinstance(tp.servers, Schedule) else None,
        service=tp.service.quantiles(),
        patience=tp.patience.quantiles() if tp.patience else None,
        moment=moment(tp.outcomes.as_tuple()),
        impact=impact,
        recovered=recovered,
        complain=0.0
        if scenario.complaints is None
        else (tp.complain if tp.complain is not None else scenario.complaints.share),
        abandon=_ABANDON[tp.abandonment.then],
        retry_share=tp.abandonment.share if tp.abandonment.then == "retry" else 0.0,
        by_segment=by_segment,
        load_window=tp.load.window if tp.load is not None else None,
        internal=tp.internal,
        need=need,
    )
