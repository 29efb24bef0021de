"""Start-up benchmark: how long ``truthsim --help``, ``--version``, ``validate`` and ``schema`` take.

    python benchmarks/startup.py [--repeats 7]

Each command runs in a fresh interpreter ``--repeats`` times; the best wall time is kept (the
least disturbed by other work on the machine), beside the same for a bare ``python -c pass`` so
the interpreter's own start can be told apart. One more run under ``python -X importtime``
records the time spent importing and the slowest top-level imports. Figures go to
benchmarks/results/startup.json. Target: under 0.3 s per command on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "validate": ["validate", "airline"],
    "schema": ["schema"],
}
#: modules a light command must not load: each costs tenths of a second
HEAVY = (
    "matplotlib",
    "scipy.stats",
    "simpy",
    "SALib",
    "pandas",
    "truthsim.engine",
    "truthsim.experiments",
)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def best_time(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, env=environment(), capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def imports(args: list[str]) -> dict[str, object]:
    """Total import time and the slowest top-level imports, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit():
            rows.append((name.rstrip(), int(cumulative)))
    top = [(n.strip(), us) for n, us in rows if not n.startswith("  ")]
    loaded = {n.strip() for n, _ in rows}
    return {
        "import_seconds": round(sum(us for _, us in top) / 1e6, 3),
        "slowest": [
            {"module": n, "seconds": round(us / 1e6, 3)}
            for n, us in sorted(top, key=lambda x: -x[1])[:5]
        ],
        "heavy_modules_loaded": sorted(h for h in HEAVY if h in loaded),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    bare = best_time([sys.executable, "-c", "pass"], args.repeats)
    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "repeats": args.repeats,
        "bare_python_seconds": round(bare, 3),
        "commands": {},
    }
    for name, argv in COMMANDS.items():
        command = [sys.executable, "-m", "truthsim", *argv]
        seconds = best_time(command, args.repeats)
        results["commands"][name] = {  # type: ignore[index]
            "seconds": round(seconds, 3),
            "over_bare_python": round(seconds - bare, 3),
            **imports(["-m", "truthsim", *argv]),
        }
        print(f"truthsim {' '.join(argv):18} {seconds:.3f} s (bare python {bare:.3f} s)")
    out = ROOT / "benchmarks" / "results" / "startup.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
