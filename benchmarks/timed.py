"""One measurement in a fresh process; prints one JSON line. Run by benchmarks/run.py.

    python benchmarks/timed.py engine SCENARIO [--horizon-days H] [--trace]
    python benchmarks/timed.py bare-tandem SCENARIO
    python benchmarks/timed.py bare-journeys SCENARIO --starts STARTS.npy [--horizon-days H]

Only the simulation is timed: imports, reading the scenario and preparing the bare model's
inputs come before the clock starts. ``cpu`` is this process's CPU time (user + system,
``time.process_time``), ``wall`` the elapsed time. ``rss_growth`` is how far the process's
peak resident memory (``ru_maxrss``) rose during the simulation. With ``--trace`` the run is
made under ``tracemalloc`` (slower, so not timed) and ``traced_peak`` is the peak of memory
allocated through Python (numpy's arrays included) during the simulation.

Also runs with the package of an older commit on PYTHONPATH: the ``engine`` workload needs
only ``truthsim.load_scenario`` and ``truthsim.engine.simulate``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any


def peak_rss() -> int:
    """Peak resident memory of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(run: Callable[[], dict[str, Any]], trace: bool) -> dict[str, Any]:
    if trace:
        tracemalloc.start()
        counts = run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {**counts, "traced_peak": peak}
    rss = peak_rss()
    wall, cpu = time.perf_counter(), time.process_time()
    counts = run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {**counts, "cpu": cpu, "wall": wall, "rss_growth": peak_rss() - rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["engine", "bare-tandem", "bare-journeys"])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--horizon-days", type=float)
    parser.add_argument("--starts", type=Path)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()

    import truthsim

    scenario = truthsim.load_scenario(str(args.scenario))
    if args.workload == "engine":
        from truthsim.engine import simulate

        def run() -> dict[str, Any]:
            result = simulate(scenario, horizon_days=args.horizon_days)
            return {
                "journeys": len(result.journeys),
                "customers": len(result.customers),
                "moments": len(result.moments),
            }

    elif args.workload == "bare-tandem":
        sys.path.insert(0, str(Path(__file__).parent))
        import bare

        first = scenario.touchpoints[scenario.journey[0].touchpoint]
        stations, per_minute = len(scenario.journey), scenario.arrivals.per_day / 1440.0
        rate, minutes = 1.0 / first.service.mean, scenario.horizon_days * 1440.0

        def run() -> dict[str, Any]:
            started = bare.tandem(per_minute, rate, first.servers, stations, minutes, args.seed)
            return {"customers": started}

    else:
        import numpy as np

        sys.path.insert(0, str(Path(__file__).parent))
        import bare

        from truthsim.engine.plan import Plan
        from truthsim.scenario.patch import with_horizon

        if args.horizon_days is not None:
            scenario = with_horizon(scenario, args.horizon_days)
        plan = Plan(scenario)
        starts = np.load(args.starts).tolist()

        def run() -> dict[str, Any]:
            return {"visits": bare.journeys(plan, starts, args.seed), "journeys": len(starts)}

    out = measure(run, args.trace)
    out["pid"] = os.getpid()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
