"""The benchmarks: the engine against idiomatic bare SimPy and against an older engine, the time
to an answer, the process pool, Dask and start-up. Figures go to benchmarks/results/NAME.json.

    python benchmarks/run.py                        # every benchmark (about half an hour on 2 cores)
    python benchmarks/run.py tandem queues old      # some of them
    python benchmarks/run.py tandem --pairs 9       # more pairs
    python benchmarks/run.py whatif --whatif-commit 5dd0a1a   # the what-if against 5dd0a1a's

How ratios are taken. The machine is shared and its speed drifts, so a ratio of two best times
measured apart means little. Every ratio here comes from *pairs*: the two sides run one after
the other, each in a fresh Python process, in ABBA order (A then B in even pairs, B then A in
odd ones, so neither side always runs first). Each process times only the simulation: imports,
reading the scenario and preparing the bare model's inputs come before the clock starts. Both
CPU time of the process (user + system) and wall time are recorded; a pair's ratio is A / B,
and the summary gives the median of the per-pair ratios with their minimum and maximum. The
1-minute load average is recorded with every pair.

Benchmarks:

- tandem: six M/M/5 stations in series (benchmarks/tandem.yaml, about 100,000 journeys) on the
  engine, with every part of the customer-experience model running, against the same queues
  in idiomatic bare SimPy (benchmarks/bare.py); ratio of CPU time per journey started.
- queues: the airline scenario against a bare SimPy model of its queues fed the engine's own
  journey starts (same touchpoints, servers, service and patience, no complaints).
- old: this engine against the one at commit OLD_ENGINE (before the model gained churn
  causes, complaints, staffing schedules and a run-off), run from a git worktree of that
  commit on that commit's own airline.yaml, which both read; CPU seconds for the same file
  and per journey, and peak memory per journey (tracemalloc, one traced run each, not timed).
- whatif: wall time of ``truthsim whatif airline`` (the sequential selection, no -r) to its
  stated confidence on 2 local worker processes, with the replications it used and the CPU
  time of all its processes, against the same command on the engine of WHATIF_BEFORE (or
  ``--whatif-commit``) from a git worktree, in ``--whatif-pairs`` ABBA pairs (each run takes
  minutes).
- pool: the local process pool's parallel efficiency; dask: a local Dask cluster's overhead
  against the pool; startup: benchmarks/startup.py (command start-up times).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
TIMED = HERE / "timed.py"
TANDEM = HERE / "tandem.yaml"
OLD_ENGINE = "75af50c"
WHATIF_BEFORE = "3997280"  #: the engine before the work on its speed began
SECTIONS = ("tandem", "queues", "old", "whatif", "pool", "dask", "startup")

Side = tuple[str, list[str], Path]  #: (name, arguments of timed.py, package source folder)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def load() -> float:
    return os.getloadavg()[0]


def meta() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
    }


@contextlib.contextmanager
def worktree(commit: str) -> Iterator[Path]:
    """A temporary git worktree of ``commit``, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / commit
        git("worktree", "add", "--detach", str(path), commit)
        try:
            yield path
        finally:
            git("worktree", "remove", "--force", str(path))


def timed(args: list[str], src: Path) -> dict[str, Any]:
    """One measurement in a fresh process with the package from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, str(TIMED), *args], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired(
    a: Side,
    b: Side,
    pairs: int,
    per: Callable[[dict[str, Any]], float] | None = None,
    measure: Callable[[list[str], Path], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``pairs`` ABBA pairs of fresh processes; ratios A / B of CPU and wall time (each divided
    by ``per(measurement)`` first, e.g. journeys, when given). ``measure`` runs one side and
    returns its ``cpu`` and ``wall`` (default: :func:`timed`)."""
    measure = measure or timed
    rows = []
    for i in range(pairs):
        before = load()
        order = (a, b) if i % 2 == 0 else (b, a)
        got = {name: measure(args, src) for name, args, src in order}
        row: dict[str, Any] = {"pair": i, "order": [s[0] for s in order], "load_average": before}
        for name, m in got.items():
            row[name] = m
        unit_a = per(got[a[0]]) if per else 1.0
        unit_b = per(got[b[0]]) if per else 1.0
        for clock in ("cpu", "wall"):
            row[f"{clock}_ratio"] = (got[a[0]][clock] / unit_a) / (got[b[0]][clock] / unit_b)
        rows.append(row)
        print(
            f"  pair {i + 1}/{pairs} ({'-'.join(row['order'])}, load {before:.2f}): "
            f"{a[0]} {got[a[0]]['cpu']:.2f} s, {b[0]} {got[b[0]]['cpu']:.2f} s CPU; "
            f"ratio {row['cpu_ratio']:.3f} CPU, {row['wall_ratio']:.3f} wall",
            flush=True,
        )
    return {
        "a": a[0],
        "b": b[0],
        "pairs": rows,
        "cpu_ratio": spread([r["cpu_ratio"] for r in rows]),
        "wall_ratio": spread([r["wall_ratio"] for r in rows]),
        "load_average": spread([r["load_average"] for r in rows]),
    }


def side_summary(result: dict[str, Any], name: str, count: str) -> dict[str, float]:
    """Median CPU and wall seconds of one side, and per ``count`` (journeys, customers)."""
    ms = [r[name] for r in result["pairs"]]
    cpu = statistics.median(m["cpu"] for m in ms)
    wall = statistics.median(m["wall"] for m in ms)
    n = ms[0][count]
    return {
        count: n,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        f"cpu_us_per_{count[:-1]}": cpu / n * 1e6,
        f"{count}_per_cpu_second": n / cpu,
    }


def show_ratio(label: str, result: dict[str, Any]) -> None:
    c, w = result["cpu_ratio"], result["wall_ratio"]
    print(
        f"{label}: CPU ratio median {c['median']:.3f} (min {c['min']:.3f}, max {c['max']:.3f}); "
        f"wall {w['median']:.3f} ({w['min']:.3f}-{w['max']:.3f}); "
        f"{len(result['pairs'])} pairs, load {result['load_average']['min']:.2f}-"
        f"{result['load_average']['max']:.2f}"
    )


def tandem(args: argparse.Namespace) -> dict[str, Any]:
    src = ROOT / "src"
    engine: Side = ("engine", ["engine", str(TANDEM)], src)
    bare: Side = ("bare", ["bare-tandem", str(TANDEM)], src)
    result = paired(engine, bare, args.pairs, per=lambda m: m["customers"])
    result["engine"] = side_summary(result, "engine", "customers")
    result["bare"] = side_summary(result, "bare", "customers")
    result["ratio_of"] = "CPU (and wall) seconds per journey started, engine / bare SimPy"
    show_ratio("tandem, engine / bare SimPy per journey", result)
    return result


def queues(args: argparse.Namespace) -> dict[str, Any]:
    src = ROOT / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory() as tmp:
        starts = Path(tmp) / "starts.npy"
        script = (
            "import sys, numpy as np, truthsim\n"
            "from truthsim.engine import simulate\n"
            "r = simulate(truthsim.load_scenario('airline'), horizon_days=float(sys.argv[1]))\n"
            "np.save(sys.argv[2], np.sort(r.journeys['start']))\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, str(args.horizon_days), str(starts)], env=env, check=True
        )
        horizon = ["--horizon-days", str(args.horizon_days)]
        engine: Side = ("engine", ["engine", "airline", *horizon], src)
        bare: Side = ("bare", ["bare-journeys", "airline", "--starts", str(starts), *horizon], src)
        result = paired(engine, bare, args.pairs)
    result["horizon_days"] = args.horizon_days
    result["engine"] = side_summary(result, "engine", "journeys")
    result["bare"] = side_summary(result, "bare", "journeys")
    result["ratio_of"] = "CPU (and wall) seconds for the same journey starts, engine / bare SimPy"
    show_ratio(f"airline queues ({args.horizon_days:g} days), engine / bare SimPy", result)
    return result


def old(args: argparse.Namespace) -> dict[str, Any]:
    src = ROOT / "src"
    with worktree(args.old_commit) as tree, tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "airline.yaml"
        scenario.write_text(git("show", f"{args.old_commit}:src/truthsim/scenarios/airline.yaml"))
        new_side: Side = ("new", ["engine", str(scenario)], src)
        old_side: Side = ("old", ["engine", str(scenario)], tree / "src")
        result = paired(new_side, old_side, args.pairs)
        traced = {
            name: timed(["engine", str(scenario), "--trace"], path)
            for name, path in (("new", src), ("old", tree / "src"))
        }
    result["commit"] = args.old_commit
    result["per_journey_cpu_ratio"] = spread(
        [
            (r["new"]["cpu"] / r["new"]["journeys"]) / (r["old"]["cpu"] / r["old"]["journeys"])
            for r in result["pairs"]
        ]
    )
    result["new"] = side_summary(result, "new", "journeys")
    result["old"] = side_summary(result, "old", "journeys")
    for name, m in traced.items():
        result[name]["traced_peak_bytes"] = m["traced_peak"]
        result[name]["traced_peak_bytes_per_journey"] = m["traced_peak"] / m["journeys"]
        result[name]["rss_growth_bytes"] = statistics.median(
            r[name]["rss_growth"] for r in result["pairs"]
        )
    result["ratio_of"] = (
        f"CPU (and wall) seconds for the same file, this engine / {args.old_commit}"
    )
    show_ratio(f"year-long airline, this engine / {args.old_commit}", result)
    p = result["per_journey_cpu_ratio"]
    print(
        f"  per journey: median {p['median']:.3f} ({p['min']:.3f}-{p['max']:.3f}); "
        f"speed-up {1 / result['cpu_ratio']['median']:.2f}x on the same file; peak traced "
        f"memory per journey {result['new']['traced_peak_bytes_per_journey']:,.0f} B against "
        f"{result['old']['traced_peak_bytes_per_journey']:,.0f} B"
    )
    return result


def answer(command: list[str], src: Path) -> dict[str, Any]:
    """One what-if to its answer in a fresh process with the package from ``src``: wall time,
    CPU time of all its processes (the workers included), and what the selection used."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    children = os.times()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *command], env=env, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - children.children_user) + (
        after.children_system - children.children_system
    )
    selection = json.loads(done.stdout)["selection"]
    return {
        "cpu": cpu,
        "wall": wall,
        "replications_used": selection["replications_used"],
        "best": selection["best"],
        "contenders": selection.get("contenders"),
    }


def whatif(args: argparse.Namespace) -> dict[str, Any]:
    """Time to the selection's answer on 2 local worker processes, this tree against the
    engine of ``--whatif-commit``, in ABBA pairs of the whole command."""
    command = ["-m", "truthsim", "whatif", "airline", "--json", "-q", "--jobs", "2"]
    with worktree(args.whatif_commit) as tree:
        now: Side = ("now", command, ROOT / "src")
        before: Side = (args.whatif_commit, command, tree / "src")
        result = paired(now, before, args.whatif_pairs, measure=answer)
    result["command"] = "truthsim " + " ".join(command[2:])
    result["ratio_of"] = f"wall (and CPU) seconds to the answer, this tree / {args.whatif_commit}"
    for name in ("now", args.whatif_commit):
        runs = [r[name] for r in result["pairs"]]
        result[name] = {
            "wall_seconds": statistics.median(m["wall"] for m in runs),
            "cpu_seconds_all_processes": statistics.median(m["cpu"] for m in runs),
            "replications_used": sorted({m["replications_used"] for m in runs}),
            "best": sorted({m["best"] for m in runs}),
        }
        m = result[name]
        print(
            f"whatif airline ({name}): median {m['wall_seconds']:.0f} s wall, "
            f"{m['cpu_seconds_all_processes']:.0f} s CPU, replications {m['replications_used']}, "
            f"best {m['best']}"
        )
    show_ratio(f"time to the answer, this tree / {args.whatif_commit}", result)
    return result


def pool(args: argparse.Namespace) -> dict[str, Any]:
    import truthsim
    from truthsim.experiments import Execution, default_jobs, replicate

    scenario = truthsim.load_scenario("airline")
    cores, horizon, replications = default_jobs(), 60.0, 4
    t0 = time.perf_counter()
    one = replicate(
        scenario, replications, seed=1, horizon_days=horizon, execution=Execution(jobs=1)
    )
    serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    on_all = Execution(jobs=cores)
    many = replicate(scenario, replications, seed=1, horizon_days=horizon, execution=on_all)
    parallel = time.perf_counter() - t0
    result = {
        "cores": cores,
        "replications": replications,
        "horizon_days": horizon,
        "serial_seconds": serial,
        "parallel_seconds": parallel,
        "speedup": serial / parallel,
        "efficiency": serial / parallel / cores,
        "identical": one.to_records().tobytes() == many.to_records().tobytes(),
    }
    print(
        f"local pool: {result['speedup']:.2f}x on {cores} cores "
        f"(efficiency {result['efficiency']:.0%}), identical: {result['identical']}"
    )
    return result


def dask(args: argparse.Namespace) -> dict[str, Any]:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        print("dask: not installed, skipped")
        return {"skipped": "dask.distributed is not installed"}
    import truthsim
    from truthsim.experiments import Execution, compare, default_jobs

    scenario = truthsim.load_scenario("airline")
    only, cores, horizon, replications = ["reservation_agent"], default_jobs(), 60.0, 4
    t0 = time.perf_counter()
    on_pool = Execution(jobs=cores)
    local = compare(scenario, only, replications, seed=2, horizon_days=horizon, execution=on_pool)
    pool_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    on_dask = compare(
        scenario,
        only,
        replications,
        seed=2,
        horizon_days=horizon,
        execution=Execution(jobs=cores, backend="dask"),
    )
    dask_seconds = time.perf_counter() - t0
    result = {
        "tasks": 2 * replications,
        "horizon_days": horizon,
        "pool_seconds": pool_seconds,
        "dask_seconds": dask_seconds,
        "overhead_ratio": dask_seconds / pool_seconds,
        "identical": local.to_dict() == on_dask.to_dict(),
    }
    print(
        f"dask local cluster: {result['overhead_ratio']:.2f}x the pool's time, "
        f"identical: {result['identical']}"
    )
    return result


def startup(args: argparse.Namespace) -> dict[str, Any]:
    subprocess.run([sys.executable, str(HERE / "startup.py")], check=True)
    return json.loads((RESULTS / "startup.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    parser.add_argument("--pairs", type=int, default=7, help="ABBA pairs per ratio (default 7)")
    parser.add_argument("--horizon-days", type=float, default=365.0, help="for queues")
    parser.add_argument("--old-commit", default=OLD_ENGINE)
    parser.add_argument(
        "--whatif-commit", default=WHATIF_BEFORE, help="the what-if's other side (a commit)"
    )
    parser.add_argument(
        "--whatif-pairs", type=int, default=2, help="ABBA pairs for whatif (default 2)"
    )
    args = parser.parse_args()
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.sections or SECTIONS:
        print(f"== {name}", flush=True)
        info = meta()
        result = globals()[name](args)
        if name == "startup":
            continue  # startup.py writes its own file
        info["load_average_at_end"] = list(os.getloadavg())
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps({"meta": info, **result}, indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
