"""The simulation engine: one replication of one scenario on SimPy.

Two engines, one model. :mod:`truthsim.engine.reference` is a plain SimPy model of the rules in
:mod:`truthsim.behaviour` (a generator process per journey), written to be read; the engine that
:func:`simulate` runs is an optimisation of it that reproduces its records
(tests/test_reference_engine.py), each speed trick marked ``NOTE (speed)`` with what it
replaces. A new model feature is written in the reference first, then in the fast engine.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from truthsim.engine.firm_base import FirmBase, load_firm_base
from truthsim.engine.hourly import capacity_by_hour, hourly_table
from truthsim.engine.money import day_by_day
from truthsim.engine.plan import Plan
from truthsim.engine.records import with_load
from truthsim.engine.result import SimulationResult
from truthsim.engine.simulation import Base, Simulation, no_collections
from truthsim.engine.streams import root_from_seed
from truthsim.engine.summary import (
    busy_area,
    daily_series,
    headline,
    load_bands,
    touchpoint_table,
)
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.limits import customer_cap, run_size_problems
from truthsim.scenario.patch import with_horizon
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario
from truthsim.scenario.staffing import Schedule
from truthsim.scenario.touchpoint import Touchpoint

QUEUE = np.dtype([("area_waiting", "f8"), ("area_busy", "f8")])


def simulate(
    scenario: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    *,
    horizon_days: float | None = None,
    allow_large: bool = False,
    base: Base | None = None,
) -> SimulationResult:
    """Run one replication of ``scenario`` and return its records and summary.

    ``seed`` defaults to the scenario's own; the same seed always gives bit-identical results.
    ``horizon_days`` overrides the scenario's horizon. A replication expected to bring more than
    a million new customers, or one that word of mouth grows far beyond its arrivals, stops
    with a :class:`ScenarioError` unless ``allow_large``. ``result.period`` holds the planning
    period day by day: revenue, and customers active by segment.

    ``base``: the pool the customers on day 0 are drawn from (see :mod:`truthsim.engine.base`);
    by default the scenario's own ``customer_base`` (its steady state is made once per process).
    """
    if horizon_days is not None:
        scenario = with_horizon(scenario, horizon_days)
    problems = run_size_problems(scenario, allow_large)
    if problems:
        raise ScenarioError(problems, file=scenario.name)
    if seed is None:
        seed = scenario.seed
    if base is None:
        base = base_pool(scenario, allow_large)
    with no_collections():
        sim = Simulation(
            Plan(scenario),
            root_from_seed(seed),
            customer_cap(scenario, allow_large),
            base,
        )
        try:
            result = _result(sim.run(), scenario, seed)  # releases the run itself
        except BaseException:
            sim.release()  # a run stopped early frees its objects too
            raise
        del sim  # freed here, while the collector is still off
    return result


def base_pool(scenario: Scenario, allow_large: bool = False) -> Base | None:
    """The pool of the scenario's own day-0 customers (None: it starts with none)."""
    written = scenario.customer_base
    if written.kind == "steady_state":
        from truthsim.engine.steady_state import steady_state_pool

        return steady_state_pool(scenario, allow_large)
    if written.kind == "file":
        return _saved_base(Path(written.file))  # type: ignore[arg-type]
    if written.kind == "data":
        raise ScenarioError(
            [
                Problem(
                    ("customer_base",),
                    f"the firm's customers in {written.data} are read with the scenario's file "
                    "(truthsim run, whatif, forecast do it); in Python: "
                    "truthsim.calibration.with_firm_base(scenario, folder)",
                )
            ]
        )
    return None


@functools.lru_cache(maxsize=4)
def _saved_base_at(path: str, stamp: float) -> FirmBase:
    return load_firm_base(Path(path))


def _saved_base(path: Path) -> FirmBase:
    """A saved firm base, read once per process (again if the file changes)."""
    try:
        return _saved_base_at(str(path.resolve()), path.stat().st_mtime)
    except (OSError, ValueError, KeyError) as error:
        raise ScenarioError(
            [
                Problem(
                    ("customer_base", "file"),
                    f"{path}: not a saved base of a firm's customers ({error}); write it again "
                    "with truthsim calibrate",
                )
            ]
        ) from None


def _result(
    sim: Simulation, scenario: Scenario, seed: int | np.random.SeedSequence
) -> SimulationResult:
    """The records and summaries of a replication run to its horizon."""
    plan = sim.plan
    customers = sim.customer_records()  # as they stand at the horizon
    queues = np.array(
        [(0.0, 0.0) if d is None else (d.area_waiting, d.area_busy) for d in sim.desks],
        dtype=QUEUE,
    )
    moments = sim.moments.to_numpy()
    if sim.loads is not None:
        moments = with_load(moments, sim.loads)
    journeys = sim.journeys.to_numpy()
    causes = sim.causes.to_numpy()
    internal = through = None
    if plan.backed:  # the moments behind the front line, and the losses that went through them
        internal = sim.internal.to_numpy()
        if sim.internal_loads is not None:
            internal = with_load(internal, sim.internal_loads)
        through = sim.causes_through.to_numpy()
    # every touchpoint's moments, customers' and internal ones, for the tables by touchpoint
    every = moments if internal is None else np.concatenate([moments, internal])
    period = day_by_day(journeys, customers, len(plan.segments), plan.warmup, plan.horizon)
    deterred = np.frombuffer(sim.deterred, dtype=np.float64) if len(sim.deterred) else np.zeros(0)
    returns = np.frombuffer(sim.returns, dtype=np.float64) if len(sim.returns) else np.zeros(0)
    sim.release()  # the records are out: free the run's objects before the summaries
    for i, desks in enumerate(sim.desks):
        if desks is None:  # self-service is not tracked live: integrate the records
            queues["area_busy"][i] = busy_area(
                every[every["touchpoint"] == i], plan.warmup, plan.horizon
            )
    names = [tp.name for tp in plan.touchpoints]
    capacities = [_capacity(scenario.touchpoints[name], plan) for name in names]
    hourly = hourly_table(every, capacities, plan.warmup, plan.horizon)
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
            every,
            customers,
            causes,
            queues,
            names,
            [tp.title for tp in plan.touchpoints],
            [_shown(scenario.touchpoints[name].servers) for name in names],
            capacities,
            hourly,
            plan.warmup,
            plan.horizon,
            internal=[tp.internal for tp in plan.touchpoints] if plan.backed else None,
            through=through,
        ),
        moments=moments,
        journeys=journeys,
        customers=customers,
        causes=causes,
        hourly=hourly,
        daily=daily_series(customers, returns, deterred, plan.horizon),
        period=period,
        base_rows=sim.base_rows,
        internal=internal,
        causes_through=through,
        load_bands=load_bands(
            every,
            names,
            [t.load.threshold if t.load else None for t in map(scenario.touchpoints.get, names)],
            plan.warmup,
        ),
    )


def _capacity(touchpoint: Touchpoint, plan: Plan) -> np.ndarray | None:
    """Staffed server-minutes by hour of day over the observed window (None: unlimited)."""
    servers = touchpoint.servers
    if servers is None:
        return None
    changes = servers.changes(plan.horizon) if isinstance(servers, Schedule) else [(0.0, servers)]
    return capacity_by_hour(changes, plan.warmup, plan.horizon)


def _shown(servers: int | Schedule | None) -> int | str:
    """Servers as a table shows them: 2, "unlimited", or a schedule's range "1-3 by hour"."""
    if servers is None:
        return "unlimited"
    if isinstance(servers, Schedule):
        return servers.range_words()
    return servers


__all__ = ["MINUTES_PER_DAY", "SimulationResult", "simulate"]
