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

from truthsim.behaviour.memory import Remember, memory_model
from truthsim.behaviour.outcome import MomentModel, OutcomeModel
from truthsim.behaviour.recovery import moment_impacts
from truthsim.engine.arrivals import ArrivalClock, DayProfile
from truthsim.engine.streams import key, tag
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.probability import logit
from truthsim.scenario.schema import Scenario
from truthsim.scenario.staffing import Schedule

Quantile = Callable[[float], float]
Quantiles = Callable[[np.ndarray], np.ndarray]

#: a touchpoint visit's draws, by purpose: positions in a step's ``visits`` columns
SERVICE, PATIENCE, OUTCOME, FAILURE, RECOVERY = range(5)
_PURPOSES = ("service", "patience", "outcome", "failure", "recovery")
_JOURNEY_PURPOSES = ("return", "gap", "gap_hour", "deterred", "referred")
#: what a customer who gives up waiting does next (see scenario.touchpoint.Abandonment)
LOST, RETRY, CONTINUE = range(3)
_ABANDON = {"lost": LOST, "retry": RETRY, "continue": CONTINUE}


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
        self.touchpoints = [
            _touchpoint(i, name, scenario) for i, name in enumerate(scenario.touchpoint_order())
        ]
        by_name = {tp.name: tp.index for tp in self.touchpoints}
        self.segments = [
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
        self.segment_cumulative = list(accumulate(s.share for s in scenario.segments.values()))

        # Each (step, touchpoint, purpose) has a key of its own; a journey's batch draws only
        # the columns the scenario reads (a patience only where there is patience, a failure
        # only where things fail ...). A draw's value depends on its key alone, so leaving one
        # out changes no other. A purpose never read shares the return decision's column.
        slot_keys: list[int] = []

        def slot(*parts: str | int, needed: bool = True) -> int:
            if not needed:
                return -1  # resolved to the return column below
            slot_keys.append(key(*(tag(p) if isinstance(p, str) else p for p in parts)))
            return len(slot_keys) - 1

        def visit(where: str | int, name: str) -> tuple[int, ...]:
            tp = scenario.touchpoints[name]
            fails = tp.failure.rate > 0.0
            needed = (True, tp.patience is not None, True, fails, fails and tp.failure.recovery > 0)
            return tuple(
                slot("visit", where, name, p, needed=n)
                for p, n in zip(_PURPOSES, needed, strict=True)
            )

        def retry(i: int, name: str) -> Retry | None:
            """Draws of a second try after giving up, where abandoners may try again."""
            tp = scenario.touchpoints[name]
            if tp.abandonment.then != "retry" or tp.patience is None:
                return None
            return (slot("retry", i, name, "draw"), slot("retry", i, name, "delay"),
                    visit(f"retry {i}", name))  # fmt: skip

        steps = []
        for i, step in enumerate(scenario.journey):
            chosen = step.choice is not None or step.probability < 1.0
            draw_slot = slot("step", i, "draw", needed=chosen)
            delay_slot = slot("step", i, "delay", needed=step.delay is not None)
            visits = tuple(visit(i, target) for target in step.targets())
            cumulative = None
            if step.choice is not None:
                cumulative = tuple(accumulate(step.choice.values()))
            steps.append(
                StepPlan(
                    tuple(by_name[t] for t in step.targets()),
                    cumulative,
                    step.probability,
                    draw_slot,
                    step.delay.quantiles() if step.delay else None,
                    delay_slot,
                    visits,
                    tuple(retry(i, target) for target in step.targets()),
                    None
                    if step.segments is None
                    else frozenset(list(scenario.segments).index(s) for s in step.segments),
                )
            )
        complaints = scenario.complaints
        if complaints is not None:
            desk = complaints.touchpoint
            draw_slot = slot("complaint", "draw")
            delay_slot = slot("complaint", "delay", needed=complaints.delay is not None)
            complaint = StepPlan(
                (by_name[desk],),
                None,
                1.0,
                draw_slot,
                complaints.delay.quantiles() if complaints.delay else None,
                delay_slot,
                (visit("complaint", desk),),
            )
        wom = scenario.word_of_mouth is not None
        needed = (True, True, self.profile is not None, wom, wom)
        (
            self.return_slot,
            self.gap_slot,
            self.gap_hour_slot,
            self.deterred_slot,
            self.referred_slot,
        ) = (slot("journey", p, needed=n) for p, n in zip(_JOURNEY_PURPOSES, needed, strict=True))
        self.slots = np.array(slot_keys, dtype=np.uint64)

        def column(slot: int) -> int:
            return self.return_slot if slot < 0 else slot

        def resolved(step: StepPlan) -> StepPlan:
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

        self.steps = [resolved(step) for step in steps]
        #: complaints after a misery: a step of their own, after the journey (or None)
        self.complaint = resolved(complaint) if complaints is not None else None
        self.deterred_slot, self.referred_slot = (
            column(self.deterred_slot),
            column(self.referred_slot),
        )
        #: slots whose uniforms become times as soon as a batch is drawn (one numpy call per column)
        self.transforms: list[tuple[int, Quantiles]] = []
        for step in [*self.steps, *([self.complaint] if self.complaint else [])]:
            if step.delay is not None:
                self.transforms.append((step.delay_slot, step.delay))
            for target, columns in zip(step.targets, step.visits, strict=True):
                tp = self.touchpoints[target]
                self.transforms.append((columns[SERVICE], tp.service))
                if tp.patience is not None:
                    self.transforms.append((columns[PATIENCE], tp.patience))
            for target, again in zip(step.targets, step.retries, strict=False):
                if again is not None:  # the delay, and the second try's times
                    tp = self.touchpoints[target]
                    delay = scenario.touchpoints[tp.name].abandonment.delay
                    self.transforms.append((again[1], delay.quantiles()))  # type: ignore[union-attr]
                    self.transforms.append((again[2][SERVICE], tp.service))
                    self.transforms.append((again[2][PATIENCE], tp.patience))  # type: ignore[arg-type]
        #: columns computed from a slot's uniform as a batch is drawn, placed after the slots:
        #: (slot, u -> x); the uniforms stay as they were, so the random layout does not change
        #: with one function per segment, each journey's by its customer's segment
        self.derived: list[tuple[int, tuple[Quantiles, ...]]] = []

        def derive(source: int, *quantiles: Quantiles) -> int:
            self.derived.append((source, quantiles))
            return len(slot_keys) + len(self.derived) - 1

        #: the column holding the days to the next journey, from the customer's segment
        self.gap_column = derive(
            self.gap_slot,
            *(seg.days_between_journeys.quantiles() for seg in scenario.segments.values()),
        )
        #: the column holding the minute of day a returning journey starts at, with a profile
        self.gap_minute_column = (
            derive(self.gap_hour_slot, self.profile.minute_of_day) if self.profile else -1
        )

        memory = scenario.memory
        self.remember: Remember = memory_model(memory.model, memory.recency_decay)
        #: the journey's memory is a weighted sum (a moment of zero impact never matters)
        self.linear_memory = memory.model == "additive"
        self.half_life_days = memory.forgetting_half_life_days
        self.cap = experience_cap(scenario)  #: the most experience can add to return log-odds
        self.market = scenario.arrivals.market_size
        self.word_of_mouth = scenario.word_of_mouth
        wom = scenario.word_of_mouth
        self.deter_mean = wom.misery_tells * wom.deterred_share if wom else 0.0
        #: deterred after a miserable journey whose complaint was handled without misery
        self.deter_resolved = wom.resolved_tells * wom.deterred_share if wom else 0.0
        self.refer_mean = wom.magic_tells * wom.referred_share if wom else 0.0
        self.magic_needed = wom.magic_moments if wom else 0
        self.referral_delay = wom.referral_delay_days.quantile_function() if wom else None


def _touchpoint(index: int, name: str, scenario: Scenario) -> TouchpointPlan:
    tp = scenario.touchpoints[name]
    impact, recovered = moment_impacts(tp, scenario.reference_return)

    def moment(outcomes: tuple[float, float, float]) -> MomentModel:
        return MomentModel(
            clean=OutcomeModel.build(outcomes, tp.wait.tolerance, tp.wait.doubling),
            recovered=OutcomeModel.build(
                tp.failure.recovered_outcomes.as_tuple(), tp.wait.tolerance, tp.wait.doubling
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
    )
