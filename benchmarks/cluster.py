"""A selection on a cluster of N workers, modelled, and checked against a real run on 2 workers.

The model. The selection as a what-if runs it (truthsim.experiments.pool.by_kn): the screen's
replications of every variant, its last wave of tasks filled with the next ones; the survivors'
first stage, filled alike; then Kim and Nelson's procedure in batches, which
asks, at each step, for the next replications of every variant still in contention, a batch
of ceil(N / survivors) each, and waits for them all; its decisions are the one-at-a-time
procedure's, so the survivors at each stage are those of the real selection (read from its
replication counts: a variant with c replications was in contention at every stage up to c).
Each task takes a replication time drawn from the measured ones; tasks go to the first free
worker; a step ends when its last task does. Reported per N: wall time, worker utilisation
(busy time over N x wall, replications set aside included) and the useful share (replications
the procedure examined over those run).

Measured: the replication times of each variant (one process, every replication of the first
stage, timed), and one real selection on a local Dask cluster of 2 workers, whose wall time the
model predicts from those times and the selection's own replication counts.

    python benchmarks/cluster.py [--scenario airline] [--seed 1987] [--draws 200]

    python benchmarks/cluster.py --scenario airline --timed 2 --counts-from whatif.json

writes benchmarks/results/cluster.json (one entry per scenario).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from truthsim.experiments.pool import run_ahead  # noqa: E402

WORKERS = (2, 4, 8, 16, 32, 64, 128, 256)


def stages(counts: list[int], first: int) -> list[list[int]]:
    """The variants in contention at each stage after the first: stage t needs every variant
    that ended with at least t replications."""
    last = max(counts)
    return [[v for v, c in enumerate(counts) if c >= t] for t in range(first + 1, last + 1)]


def model(
    counts: list[int],
    first: int,
    times: list[np.ndarray],
    workers: int,
    rng: np.random.Generator,
    overhead: float = 0.0,
    screen: int = 0,
) -> dict[str, float]:
    """One modelled selection on ``workers``: (wall, utilisation, useful share). With a
    ``screen``, every variant first gets the screen's replications (its last wave filled), and
    those that ended with more (the survivors) then get the first stage (its last wave filled)."""
    k = len(counts)
    plan = stages(counts, first)
    computed = [0] * k
    wall = busy = 0.0
    run = 0

    def wave(tasks: list[int]) -> None:
        """Run ``tasks`` (variants) on the first free worker each, and wait for the last."""
        nonlocal wall, busy, run
        if not tasks:
            return
        durations = [float(rng.choice(times[v])) for v in tasks]
        free = [0.0] * min(workers, len(tasks))
        heapq.heapify(free)
        for d in durations:
            heapq.heappush(free, heapq.heappop(free) + d)
        wall += max(free) + overhead
        busy += sum(durations)
        run += len(tasks)
        for v in tasks:
            computed[v] += 1

    position = first  # the stage the procedure has examined
    if screen:
        ahead = run_ahead(k, screen, workers)
        wave([v for v in range(k) for _ in range(screen + ahead)])
        contested = [v for v, c in enumerate(counts) if c > screen]
        ahead = run_ahead(len(contested), first - screen, workers) if contested else 0
        tasks = [v for v in contested for _ in range(max(0, first + ahead - computed[v]))]
    else:
        ahead = run_ahead(k, first, workers)  # the first stage's last wave filled
        tasks = [v for v in range(k) for _ in range(first + ahead)]
    while True:
        wave(tasks)
        while position - first < len(plan) and all(
            computed[v] > position for v in plan[position - first]
        ):
            position += 1
        if position - first >= len(plan):
            break
        needed = plan[position - first]
        batch = max(1, math.ceil(workers / len(needed)))
        tasks = [v for v in needed for _ in range(max(0, position + batch - computed[v]))]
    used = sum(counts)
    return {"wall": wall, "utilisation": busy / (workers * wall), "useful": used / run}


def replication_times(scenario: Any, variants: list[Any], seed: int, n: int) -> list[np.ndarray]:
    """Seconds per replication task of each variant (as a worker runs it: simulate and
    summarise), timed one at a time in this process."""
    from truthsim.experiments.replication import Task, run_task, shared_base

    base_of = shared_base(scenario)
    run_task(Task(scenario, seed, 0, base_of=base_of))  # the day-0 base made or loaded once
    out = []
    for variant in variants:
        seconds = []
        for r in range(n):
            start = time.perf_counter()
            run_task(Task(variant, seed, r, base_of=base_of))
            seconds.append(time.perf_counter() - start)
        out.append(np.array(seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="cluster_shop")
    parser.add_argument(
        "--horizon-days",
        type=float,
        default=240.0,
        help="the cluster shop's horizon: long enough that a selection's fixed costs (the "
        "answer, task submission), which the model leaves out, are small beside its tasks",
    )
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--draws", type=int, default=200, help="modelled selections per N")
    parser.add_argument("--timed", type=int, default=4, help="replications timed per variant")
    parser.add_argument(
        "--counts-from",
        type=Path,
        help="a `truthsim whatif --json` answer whose replication counts give the stages "
        "(no real run on 2 workers then)",
    )
    args = parser.parse_args()

    from truthsim import Execution, load_scenario
    from truthsim.experiments import select_best
    from truthsim.experiments.on_dask import close_clients
    from truthsim.experiments.selection import MIN_FIRST_STAGE, SCREEN
    from truthsim.scenario import apply_changes

    if args.scenario == "cluster_shop":
        from tests.conftest import shop

        from truthsim.scenario import Scenario

        scenario = Scenario.model_validate(
            {**shop().model_dump(), "horizon_days": args.horizon_days}
        )
    else:
        scenario = load_scenario(args.scenario)
    variants = [scenario] + [
        apply_changes(scenario, imp.changes) for imp in scenario.improvements.values()
    ]
    times = replication_times(scenario, variants, args.seed, args.timed)

    rng = np.random.default_rng(2017)
    real_2: dict[str, Any] | None = None
    screen = SCREEN
    if args.counts_from is not None:
        answer = json.loads(args.counts_from.read_text())
        used = answer["selection"]["replications"]
        screen = answer.get("screen") or 0  # an answer written before the screen had none
    else:
        execution = Execution(jobs=2, backend="dask")
        start = time.perf_counter()
        try:
            real = select_best(scenario, seed=args.seed, execution=execution)
            cold = time.perf_counter() - start
            start = time.perf_counter()  # again, the cluster already up: the selection alone
            real = select_best(scenario, seed=args.seed, execution=execution)
            warm = time.perf_counter() - start
        finally:
            close_clients()
        used = real.selections[real.objective].replications
        counts = [used[name] for name in used]
        predicted = [
            model(counts, MIN_FIRST_STAGE, times, 2, rng, screen=SCREEN)["wall"]
            for _ in range(args.draws)
        ]
        real_2 = {
            "wall_with_cluster_start": cold,
            "wall": warm,
            "modelled_wall_median": statistics.median(predicted),
            "modelled_wall_range": [min(predicted), max(predicted)],
            "real_over_modelled": warm / statistics.median(predicted),
        }
    counts = [used[name] for name in used]
    result: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": args.seed,
        "variants": len(variants),
        "replication_seconds": {
            "median": float(np.median(np.concatenate(times))),
            "min": float(np.min(np.concatenate(times))),
            "max": float(np.max(np.concatenate(times))),
            "timed_per_variant": args.timed,
        },
        "replications_used": counts,
        "screen": screen,
        "real_2_workers": real_2,
        "modelled": {},
    }
    for n in WORKERS:
        runs = [
            model(counts, MIN_FIRST_STAGE, times, n, rng, screen=screen)
            for _ in range(args.draws)
        ]
        result["modelled"][n] = {
            key: {
                "median": statistics.median(r[key] for r in runs),
                "min": min(r[key] for r in runs),
                "max": max(r[key] for r in runs),
            }
            for key in ("wall", "utilisation", "useful")
        }
        m = result["modelled"][n]
        print(
            f"{n:4d} workers: wall {m['wall']['median']:8.1f} s, utilisation "
            f"{m['utilisation']['median']:.0%} ({m['utilisation']['min']:.0%}-"
            f"{m['utilisation']['max']:.0%}), useful {m['useful']['median']:.0%}"
        )
    r = result["real_2_workers"]
    if r is not None:
        print(
            f"real, 2 Dask workers: {r['wall']:.1f} s (cluster already up; "
            f"{r['wall_with_cluster_start']:.1f} s with its start), modelled "
            f"{r['modelled_wall_median']:.1f} s: ratio {r['real_over_modelled']:.2f}"
        )
    out = ROOT / "benchmarks" / "results" / "cluster.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results[scenario.name] = result
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
