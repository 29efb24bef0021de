"""All benchmarks in one run; figures to benchmarks/results/all.json.

    python benchmarks/run_all.py [--quick]

1. engine: journeys per second on the airline scenario at three horizons, the ratio to an
   idiomatic bare SimPy model of the same queues, peak memory per journey, record bytes per moment;
2. speed-up of this engine over the first one (commit 8f3f809), both timed here, alternately,
   in fresh processes on the same scenario file;
3. parallel efficiency of the local process pool on this machine's cores;
4. overhead of the Dask backend (a local cluster) against the local pool, same tasks.

Ratios are measured within one run, because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import truthsim
from truthsim.experiments import compare, default_jobs, replicate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from engine import measure  # noqa: E402

FIRST_ENGINE = "8f3f809"
TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import truthsim
from truthsim.engine import simulate
scenario = truthsim.load_scenario(sys.argv[2])
start = time.perf_counter()
result = simulate(scenario, seed=0, horizon_days=float(sys.argv[3]))
print(time.perf_counter() - start, len(result.moments))
"""


def speedup_over(commit: str, horizon: float, repeats: int) -> dict[str, float]:
    """Time the engine at ``commit`` and this one, alternately, on the same scenario file."""
    repo = HERE.parent
    scenario = str(repo / "scenarios" / "airline.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(old), commit],
            check=True,
            capture_output=True,
        )
        try:
            times: dict[str, list[float]] = {"old": [], "new": []}
            moments = {}
            for _ in range(repeats):
                for name, src in (("old", old / "src"), ("new", repo / "src")):
                    out = subprocess.run(
                        [sys.executable, "-c", TIMER, str(src), scenario, str(horizon)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout.split()
                    times[name].append(float(out[0]))
                    moments[name] = int(out[1])
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "worktree", "remove", "--force", str(old)],
                capture_output=True,
            )
    return {
        "commit": commit,
        "horizon_days": horizon,
        "old_seconds": min(times["old"]),
        "new_seconds": min(times["new"]),
        "old_moments": moments["old"],
        "new_moments": moments["new"],
        "speedup": min(times["old"]) / min(times["new"]),
    }


def parallel_efficiency(horizon: float, replications: int) -> dict[str, float]:
    scenario = truthsim.load_scenario("airline")
    cores = default_jobs()
    t0 = time.perf_counter()
    one = replicate(scenario, replications, seed=1, jobs=1, horizon_days=horizon)
    serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    many = replicate(scenario, replications, seed=1, jobs=cores, horizon_days=horizon)
    parallel = time.perf_counter() - t0
    assert one.to_records().tobytes() == many.to_records().tobytes()
    return {
        "cores": cores,
        "replications": replications,
        "horizon_days": horizon,
        "serial_seconds": serial,
        "parallel_seconds": parallel,
        "speedup": serial / parallel,
        "efficiency": serial / parallel / cores,
    }


def dask_overhead(horizon: float, replications: int) -> dict[str, float] | None:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return None
    scenario = truthsim.load_scenario("airline")
    only = ["reservation_agent"]
    cores = default_jobs()
    t0 = time.perf_counter()
    local = compare(scenario, only, replications, seed=2, jobs=cores, horizon_days=horizon)
    pool = time.perf_counter() - t0
    t0 = time.perf_counter()
    on_dask = compare(
        scenario, only, replications, seed=2, jobs=cores, horizon_days=horizon, backend="dask"
    )
    dask_seconds = time.perf_counter() - t0
    return {
        "tasks": 2 * replications,
        "horizon_days": horizon,
        "pool_seconds": pool,
        "dask_seconds": dask_seconds,
        "overhead_ratio": dask_seconds / pool,
        "identical": local.to_dict() == on_dask.to_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "all.json")
    args = parser.parse_args()
    horizons = [30, 60, 120] if args.quick else [60, 120, 240]
    scenario = truthsim.load_scenario("airline")
    figures = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cores": default_jobs(),
            "truthsim": truthsim.__version__,
        },
        "engine": [measure(scenario, h, repeats=5) for h in horizons],
    }
    print(
        "engine: "
        + "; ".join(
            f"{r['horizon_days']:.0f} d: {r['journeys_per_second']:,.0f} journeys/s, "
            f"x{r['experience_layer_ratio']:.2f} bare SimPy, "
            f"{r['peak_bytes_per_journey']:,.0f} B/journey peak"
            for r in figures["engine"]
        )
    )
    figures["speedup"] = speedup_over(FIRST_ENGINE, horizons[1], repeats=2)
    print(f"speed-up over {FIRST_ENGINE}: x{figures['speedup']['speedup']:.2f}")
    figures["parallel"] = parallel_efficiency(horizons[0], replications=4)
    print(
        f"local pool: x{figures['parallel']['speedup']:.2f} on {figures['parallel']['cores']} cores "
        f"(efficiency {figures['parallel']['efficiency']:.0%})"
    )
    figures["dask"] = dask_overhead(horizons[0], replications=4)
    if figures["dask"]:
        print(
            f"dask local cluster: x{figures['dask']['overhead_ratio']:.2f} the pool's time, "
            f"identical results: {figures['dask']['identical']}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
