"""Large customer bases: time and peak memory of one replication as the base on day 0 grows.

A synthetic base of N customers between journeys (each with one journey behind them, last seen
up to half a year before day 0) runs a year of a simple business: two touchpoints, a visit about
every four months, new customers arriving. Each size runs in a fresh process, so its peak
resident memory is its own. Records are kept as the engine keeps them today (summaries are made
from them at the end), so memory grows with the customers and with the moments of the year.

    python benchmarks/large_base.py [--sizes 100000 300000 1000000]

writes benchmarks/results/large_base.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DAY = 1440.0


def scenario() -> Any:
    from truthsim.scenario import Scenario

    return Scenario.model_validate(
        {
            "name": "large base",
            "horizon_days": 365.0,
            "customer_base": "none",
            "arrivals": {"per_day": 50.0},
            "segments": {
                "everyone": {
                    "share": 1.0,
                    "value_per_journey": 50.0,
                    "baseline_return": 0.9,
                    "days_between_journeys": {"kind": "exponential", "mean": 120.0},
                }
            },
            "touchpoints": {
                "app": {
                    "servers": "unlimited",
                    "service": {"kind": "exponential", "mean": 3.0},
                    "outcomes": {"misery": 0.05, "mediocrity": 0.8, "magic": 0.15},
                },
                "store": {
                    "servers": 40,
                    "service": {"kind": "exponential", "mean": 6.0},
                    "outcomes": {"misery": 0.06, "mediocrity": 0.74, "magic": 0.2},
                },
            },
            "journey": ["app", {"touchpoint": "store", "probability": 0.5}],
            "memory": {"ceiling": 0.97},
        }
    )


def synthetic_base(n: int, seed: int = 1) -> Any:
    """N customers between journeys, one journey (one moment) behind each."""
    from truthsim.engine.base import BasePool

    rng = np.random.default_rng(seed)
    elapsed = rng.uniform(0.0, 180.0 * DAY, n)
    return BasePool(
        segment=np.zeros(n, dtype=np.int64),
        baseline=np.full(n, np.log(0.9 / 0.1)),
        rhythm=np.ones(n),
        acquired=-elapsed - 10.0,
        referred=np.zeros(n, dtype=bool),
        journeys=np.ones(n, dtype=np.int64),
        experience=np.zeros(n),
        elapsed=elapsed,
        ongoing=np.full(n, np.nan),
        journey_at=np.arange(n + 1, dtype=np.int64),
        remembered=np.zeros(n),
        before=np.zeros(n),
        fades=np.full(n, np.nan),
        moment_at=np.arange(n + 1, dtype=np.int64),
        impacts=np.zeros(n),
        places=np.zeros(n, dtype=np.int64),
        mean_count=float(n),
    )


def one(n: int) -> dict[str, Any]:
    """One replication on a base of ``n`` (in this process)."""
    from truthsim import simulate

    base = synthetic_base(n)
    start, cpu = time.perf_counter(), time.process_time()
    result = simulate(scenario(), 1, base=base, allow_large=True)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return {
        "base": n,
        "active_at_horizon": int(result.headline["active_at_horizon"]),
        "customers": len(result.customers),
        "journeys": len(result.journeys),
        "moments": len(result.moments),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_bytes": peak,
        "peak_rss_bytes_per_customer": peak / len(result.customers),
        "record_bytes": int(result.moments.nbytes + result.journeys.nbytes + result.customers.nbytes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for n in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        )
        row = json.loads(done.stdout.splitlines()[-1])
        rows.append(row)
        print(
            f"base {n:>9,}: {row['journeys']:>10,} journeys, {row['wall_seconds']:6.1f} s wall, "
            f"peak {row['peak_rss_bytes'] / 2**20:7.0f} MiB "
            f"({row['peak_rss_bytes_per_customer']:,.0f} B per customer)"
        )
    out = ROOT / "benchmarks" / "results" / "large_base.json"
    out.write_text(json.dumps({"runs": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
