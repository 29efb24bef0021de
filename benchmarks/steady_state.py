"""Does the airline start from a steady state? Its customers on day 1 against a long run's.

    python benchmarks/steady_state.py                 # 20 replications, 8 long runs
    python benchmarks/steady_state.py --replications 40 --long-runs 12

The airline as bundled starts from the base its own dynamics hold (drawn, per replication, from
a long run made once). Here its active customers on day 1 are set against those of long runs
started with no customers (other seeds), averaged over their days 1,000 to 1,100, when the
business has long settled. The difference is given in standard errors of the difference (the
replications' spread over their number, and the long runs' over theirs): within 2 is the target.
The pool's own making (one long run, once) is timed too. Figures go to
benchmarks/results/steady_state.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from truthsim import load_scenario, simulate
from truthsim.engine.steady_state import steady_state_pool
from truthsim.scenario import apply_changes

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--long-runs", type=int, default=8)
    args = parser.parse_args()
    airline = load_scenario("airline")
    assert airline.customer_base.kind == "steady_state", "the bundled airline starts established"
    started = time.perf_counter()
    pool = steady_state_pool(airline)
    pool_seconds = time.perf_counter() - started
    short = apply_changes(airline, {"horizon_days": 30.0})
    day_1 = np.array(
        [simulate(short, seed=1000 + s).daily["active"][1] for s in range(args.replications)],
        dtype=float,
    )
    empty = apply_changes(airline, {"customer_base": "none", "warmup_days": 0.0})
    late = []
    for k in range(args.long_runs):
        daily = simulate(empty, seed=5000 + k, horizon_days=1101.0).daily["active"]
        late.append(float(daily[1000:1101].mean()))
    late_runs = np.array(late)
    se = math.sqrt(day_1.var(ddof=1) / len(day_1) + late_runs.var(ddof=1) / len(late_runs))
    difference = float(day_1.mean() - late_runs.mean())
    out = {
        "replications": len(day_1),
        "long_runs": len(late_runs),
        "day_1_active_mean": float(day_1.mean()),
        "day_1_active_sd": float(day_1.std(ddof=1)),
        "long_run_days_1000_1100_mean": float(late_runs.mean()),
        "long_run_sd": float(late_runs.std(ddof=1)),
        "difference": difference,
        "standard_error": se,
        "standard_errors_apart": difference / se,
        "within_2_standard_errors": abs(difference) <= 2 * se,
        "pool_seconds": pool_seconds,
        "pool_customers": len(pool),
        "pool_notes": pool.notes,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "steady_state.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
