"""Idiomatic bare SimPy models of the benchmarks' queues, with no customer experience at all.

Written the way the SimPy documentation writes queues: a process per customer, a
``simpy.Resource`` per staffed touchpoint (``with resource.request() as request: yield
request``), patience as ``request | env.timeout(patience)``, samplers from Python's ``random``
module, arrivals as a process. No outcomes, memory, return decisions or records: only the
queues, which is what the engine is timed against.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from truthsim.engine.plan import Plan
from truthsim.scenario import Distribution


def tandem(
    per_minute: float, service_rate: float, servers: int, stations: int, minutes: float, seed: int
) -> int:
    """``stations`` M/M/``servers`` stations in series for ``minutes``; journeys started."""
    env = simpy.Environment()
    rng = random.Random(seed)
    desks = [simpy.Resource(env, capacity=servers) for _ in range(stations)]
    started = 0

    def journey() -> Generator[simpy.Event, Any, None]:
        for desk in desks:
            with desk.request() as request:
                yield request
                yield env.timeout(rng.expovariate(service_rate))

    def arrivals() -> Generator[simpy.Event, Any, None]:
        nonlocal started
        while True:
            yield env.timeout(rng.expovariate(per_minute))
            started += 1
            env.process(journey())

    env.process(arrivals())
    env.run(until=minutes)
    return started


def sampler(dist: Distribution, rng: random.Random) -> Callable[[], float]:
    """The idiomatic way to draw from ``dist`` with Python's random module."""
    k = dist.kind
    if k == "exponential":
        return lambda: rng.expovariate(1.0 / dist.mean)  # type: ignore[operator]
    if k == "lognormal":
        sigma = math.sqrt(math.log1p((dist.sd / dist.mean) ** 2))  # type: ignore[operator]
        mu = math.log(dist.mean) - sigma * sigma / 2  # type: ignore[arg-type]
        return lambda: rng.lognormvariate(mu, sigma)
    if k == "gamma":
        return lambda: rng.gammavariate(dist.shape, dist.scale)  # type: ignore[arg-type]
    if k == "triangular":
        return lambda: rng.triangular(dist.low, dist.high, dist.mode)  # type: ignore[arg-type]
    if k == "uniform":
        return lambda: rng.uniform(dist.low, dist.high)  # type: ignore[arg-type]
    if k == "empirical":
        return lambda: rng.choice(dist.values)  # type: ignore[arg-type]
    if k == "normal":
        return lambda: max(0.0, rng.gauss(dist.mean, dist.sd))  # type: ignore[arg-type]
    return lambda: float(dist.value)  # type: ignore[arg-type]


def journeys(plan: Plan, starts: Sequence[float], seed: int) -> int:
    """A scenario's queues (its touchpoints, servers, service, patience and journey steps) for
    journeys starting at ``starts``; returns the visits made. Staffing schedules are taken at
    their starting number of servers; complaints are left out."""
    env = simpy.Environment()
    rng = random.Random(seed)
    scenario = plan.scenario
    service = {
        tp.index: sampler(scenario.touchpoints[tp.name].service, rng) for tp in plan.touchpoints
    }
    patience = {
        tp.index: sampler(scenario.touchpoints[tp.name].patience, rng)  # type: ignore[arg-type]
        for tp in plan.touchpoints
        if tp.patience is not None
    }
    delays = {
        i: sampler(s.delay, rng) for i, s in enumerate(scenario.journey) if s.delay is not None
    }
    resources = [simpy.Resource(env, tp.servers) if tp.servers else None for tp in plan.touchpoints]
    visits = 0

    def journey() -> Generator[simpy.Event, Any, None]:
        nonlocal visits
        for i, step in enumerate(plan.steps):
            if step.delay is not None:  # the way to a step takes its time, visited or not
                yield env.timeout(delays[i]())
            position = 0
            if step.cumulative is not None:
                x = rng.random()
                while position < len(step.cumulative) - 1 and x >= step.cumulative[position]:
                    position += 1
            elif rng.random() >= step.probability:
                continue
            tp = plan.touchpoints[step.targets[position]]
            time = service[tp.index]()
            visits += 1
            resource = resources[tp.index]
            if resource is None:
                yield env.timeout(time)
                continue
            with resource.request() as request:
                if tp.patience is not None:
                    outcome = yield request | env.timeout(patience[tp.index]())
                    if request not in outcome:
                        return
                else:
                    yield request
                yield env.timeout(time)

    def source() -> Generator[simpy.Event, Any, None]:
        for t in starts:
            yield env.timeout(t - env.now)
            env.process(journey())

    env.process(source())
    env.run(until=plan.horizon)
    return visits
