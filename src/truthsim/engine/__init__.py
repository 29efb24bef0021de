"""The simulation engine: one replication of one scenario on SimPy."""

from __future__ import annotations

import numpy as np

from truthsim.engine.model import Simulation
from truthsim.engine.plan import Plan
from truthsim.engine.result import SimulationResult
from truthsim.engine.streams import root_from_seed
from truthsim.engine.summary import busy_area, daily_series, headline, touchpoint_table
from truthsim.engine.value import value_metrics
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.limits import customer_cap, run_size_problems
from truthsim.scenario.model import MINUTES_PER_DAY, Scenario
from truthsim.scenario.patch import with_horizon

QUEUE = np.dtype([("area_waiting", "f8"), ("area_busy", "f8")])


def simulate(
    scenario: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    *,
    horizon_days: float | None = None,
    allow_large: bool = False,
    run_off: bool = False,
) -> SimulationResult:
    """Run one replication of ``scenario`` and return its records and summary.

    ``seed`` defaults to the scenario's own; the same seed always gives bit-identical results.
    ``horizon_days`` overrides the scenario's horizon. A replication expected to bring more than
    a million new customers, or one that word of mouth grows far beyond its arrivals, stops
    with a :class:`ScenarioError` unless ``allow_large``. With ``run_off``, the customers active at
    the horizon live on for the scenario's ``value.run_off_days`` (nobody new arrives) and
    ``result.value`` holds what their revenue is worth; everything else is still measured at
    the horizon, exactly as without it.
    """
    if horizon_days is not None:
        scenario = with_horizon(scenario, horizon_days)
    problems = run_size_problems(scenario, allow_large)
    if problems:
        raise ScenarioError(problems, file=scenario.name)
    if seed is None:
        seed = scenario.seed
    plan = Plan(scenario, run_off=run_off)
    sim = Simulation(plan, root_from_seed(seed), customer_cap(scenario, allow_large)).run()
    customers = sim.customer_records()  # as they stand at the horizon
    queues = np.array([(s.area_waiting, s.area_busy) for s in sim.stations], dtype=QUEUE)
    counted = len(sim.moments), len(sim.journeys), len(sim.returns), len(sim.causes)
    sim.run_off()
    moments = sim.moments.to_numpy()[: counted[0]]
    every_journey = sim.journeys.to_numpy()
    journeys = every_journey[: counted[1]]
    causes = sim.causes.to_numpy()[: counted[3]]
    if plan.end > plan.horizon:
        moments = _within_horizon(moments, plan)
    value = value_metrics(
        every_journey,
        sim.customer_records() if plan.end > plan.horizon else customers,
        plan.warmup,
        plan.horizon,
        plan.end,
        scenario.value.discount_rate,
    )
    deterred = np.frombuffer(sim.deterred, dtype=np.float64) if len(sim.deterred) else np.zeros(0)
    returns = (
        np.frombuffer(sim.returns, dtype=np.float64)[: counted[2]]
        if len(sim.returns)
        else np.zeros(0)
    )
    for i, station in enumerate(sim.stations):
        if station.unlimited:  # self-service is not tracked live: integrate the records
            queues["area_busy"][i] = busy_area(
                moments[moments["touchpoint"] == i], plan.warmup, plan.horizon
            )
    names = [tp.name for tp in plan.touchpoints]
    return SimulationResult(
        scenario_name=scenario.name,
        seed=seed if isinstance(seed, int) else None,
        horizon_days=scenario.horizon_days,
        warmup_days=scenario.warmup_days,
        currency=scenario.currency,
        touchpoint_names=names,
        segment_names=[s.name for s in plan.segments],
        headline=headline(moments, journeys, customers, causes, deterred, plan.warmup),
        touchpoints=touchpoint_table(
            moments,
            customers,
            causes,
            queues,
            names,
            [tp.title for tp in plan.touchpoints],
            [tp.servers for tp in plan.touchpoints],
            plan.warmup,
            plan.horizon,
        ),
        moments=moments,
        journeys=journeys,
        customers=customers,
        causes=causes,
        daily=daily_series(customers, returns, deterred, plan.horizon),
        value=value if run_off else {},
    )


def _within_horizon(moments: np.ndarray, plan: Plan) -> np.ndarray:
    """Drop self-service moments recorded before the horizon that end after it.

    Self-service takes no event, so such a moment is written when its journey reaches it; without
    a run-off the journey would have stopped there instead.
    """
    unlimited = np.array([tp.servers is None for tp in plan.touchpoints], dtype=bool)
    late = moments["arrival"] + moments["service"] > plan.horizon
    return moments[~(unlimited[moments["touchpoint"]] & late)]


__all__ = ["MINUTES_PER_DAY", "SimulationResult", "simulate"]
