"""Engine benchmark: speed on the airline scenario, the cost of the customer-experience layer, memory.

    python benchmarks/engine.py [--horizons 60 120 240] [--repeats 3]

Times the full engine against an idiomatic bare SimPy model of the same queues (same touchpoints,
servers, service and patience distributions, same journey starts, no moments, memory or
returns) in one run, so the ratio holds on a noisy machine. Memory is traced separately (tracing
slows Python down). Figures go to benchmarks/results/engine.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import simpy

import truthsim
from truthsim.engine import simulate
from truthsim.engine.model import Simulation
from truthsim.engine.plan import Plan
from truthsim.engine.streams import root_from_seed
from truthsim.scenario import Distribution, Scenario, apply_changes


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


def bare_simpy(plan: Plan, starts: list[float], seed: int) -> int:
    """The same queues as idiomatic SimPy with no customer experience; returns visits made."""
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

    def journey():
        nonlocal visits
        for i, step in enumerate(plan.steps):
            position = 0
            if step.cumulative is not None:
                x = rng.random()
                while position < len(step.cumulative) - 1 and x >= step.cumulative[position]:
                    position += 1
            elif rng.random() >= step.probability:
                continue
            if step.delay is not None:
                yield env.timeout(delays[i]())
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

    def source():
        for t in starts:
            yield env.timeout(t - env.now)
            env.process(journey())

    env.process(source())
    env.run(until=plan.horizon)
    return visits


def measure(scenario: Scenario, horizon: float, repeats: int) -> dict[str, float]:
    sized = apply_changes(scenario, {"horizon_days": horizon})
    full_times, bare_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = simulate(sized, seed=0)
        full_times.append(time.perf_counter() - t0)
        starts = sorted(result.journeys["start"].tolist())
        plan = Plan(sized)
        t0 = time.perf_counter()
        bare_visits = bare_simpy(plan, starts, seed=0)
        bare_times.append(time.perf_counter() - t0)
    journeys, moments = len(result.journeys), len(result.moments)
    tracemalloc.start()
    sim = Simulation(Plan(sized), root_from_seed(0)).run()
    held, _ = (
        tracemalloc.get_traced_memory()
    )  # everything the run holds: records, customers, queues
    held_moments = len(sim.moments)
    del sim
    tracemalloc.stop()
    tracemalloc.start()
    simulate(sized, seed=0)
    _, peak = tracemalloc.get_traced_memory()  # including the summaries at the end
    tracemalloc.stop()
    full, bare = min(full_times), min(bare_times)
    record_bytes = sum(a.nbytes for a in result.records().values())
    return {
        "horizon_days": horizon,
        "journeys": journeys,
        "moments": moments,
        "bare_visits": bare_visits,
        "full_seconds": full,
        "bare_seconds": bare,
        "journeys_per_second": journeys / full,
        "moments_per_second": moments / full,
        "experience_layer_ratio": full / bare,
        "peak_bytes": peak,
        "peak_bytes_per_journey": peak / journeys,
        "held_bytes_per_moment": held / held_moments,
        "peak_bytes_per_moment": peak / moments,
        "record_bytes_per_moment": record_bytes / moments,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", type=float, nargs="+", default=[60, 120, 240])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "engine.json"
    )
    args = parser.parse_args()
    scenario = truthsim.load_scenario("airline")
    rows = [measure(scenario, h, args.repeats) for h in args.horizons]
    print(
        f"{'days':>5} {'journeys':>9} {'journeys/s':>11} {'full s':>7} {'bare s':>7} "
        f"{'ratio':>6} {'peak B/journey':>15} {'held B/moment':>14} {'record B/moment':>16}"
    )
    for r in rows:
        print(
            f"{r['horizon_days']:>5.0f} {r['journeys']:>9,} {r['journeys_per_second']:>11,.0f} "
            f"{r['full_seconds']:>7.2f} {r['bare_seconds']:>7.2f} {r['experience_layer_ratio']:>6.2f} "
            f"{r['peak_bytes_per_journey']:>15,.0f} {r['held_bytes_per_moment']:>14,.0f} "
            f"{r['record_bytes_per_moment']:>16.1f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "truthsim": truthsim.__version__,
    }
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
