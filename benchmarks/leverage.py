"""The leverage map: are its two methods one answer, and what does the airline's map cost?

    python benchmarks/leverage.py agreement               # the three bundled scenarios, 10 reps
    python benchmarks/leverage.py agreement --replications 20 --scenario airline
    python benchmarks/leverage.py timing --pairs 3        # airline map vs a what-if's first stage

agreement: every bundled scenario's map with ``check=True``: each outcome lever (magic, misery,
wait tolerance) as a likelihood-ratio derivative at today's values and at the end of its step,
and as a finite difference on common random numbers over the step. The difference is the mean
slope over the step, so it is set against the trapezoid of the two derivatives; both, and the
curvature (derivative at the step's end minus at today's), with the map's joint intervals.
Figures go to benchmarks/results/leverage_agreement.json.

timing: the airline's default map (10 baseline replications with the derivatives, 4 of each
staffing and service-time variant) against the what-if's first stage (10 replications of each
of its 9 variants, the baseline included), in alternating pairs on all cores; CPU (this process
and its workers) and wall, the per-pair ratios' median and range. Figures go to
benchmarks/results/leverage_timing.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from truthsim import load_scenario
from truthsim.experiments import compare, leverage

RESULTS = Path(__file__).parent / "results"
BUNDLED = ("airline", "hotel", "telecom")


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def agreement(names: list[str], replications: int) -> dict:
    out: dict = {"replications": replications, "scenarios": {}}
    for name in names:
        scenario = load_scenario(name)
        started = time.perf_counter()
        result = leverage(scenario, replications, difference_replications=replications, check=True)
        levers = []
        for row in result.rows:
            if row.agreement is None:
                continue
            levers.append(
                {
                    "lever": row.lever.name,
                    "step": row.lever.step,
                    "derivative": row.kept.to_dict(),
                    "derivative_at_step": row.at_step.to_dict(),
                    "difference": row.difference.to_dict(),
                    "difference_minus_trapezoid": row.agreement.to_dict(),
                    "agrees": not row.agreement.excludes_zero,
                    "difference_share": row.difference_share,
                    "derivative_alone_agrees": not _excludes(row),
                    "curves": row.curvature.excludes_zero,
                }
            )
        agree = sum(lever["agrees"] for lever in levers)
        out["scenarios"][name] = {
            "seconds": time.perf_counter() - started,
            "levers_checked": len(levers),
            "agree": agree,
            "curve": sum(lever["curves"] for lever in levers),
            "confidence_joint": result.confidence,
            "answer": result.answer(),
            "levers": levers,
        }
        print(f"{name}: {agree} of {len(levers)} agree; {result.answer()}", flush=True)
    return out


def _excludes(row) -> bool:  # type: ignore[no-untyped-def]
    """Whether the difference's interval and the derivative at today's values exclude each
    other's mean: the plain derivative without the far end's."""
    return not (row.difference.low <= row.kept.mean <= row.difference.high)


def timing(pairs: int) -> dict:
    airline = load_scenario("airline")
    rows = []
    for k in range(pairs):
        order = ("map", "first_stage") if k % 2 == 0 else ("first_stage", "map")
        figures = {}
        for what in order:
            wall, used = time.perf_counter(), cpu()
            if what == "map":
                leverage(airline)
            else:
                compare(airline, replications=10)
            figures[what] = {"wall": time.perf_counter() - wall, "cpu": cpu() - used}
        rows.append(figures)
        print(figures, flush=True)

    def ratios(key: str) -> dict:
        values = [r["map"][key] / r["first_stage"][key] for r in rows]
        return {"median": statistics.median(values), "low": min(values), "high": max(values)}

    return {"pairs": rows, "wall_ratio": ratios("wall"), "cpu_ratio": ratios("cpu")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["agreement", "timing"])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--scenario", action="append", choices=BUNDLED)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    if args.part == "agreement":
        out = agreement(args.scenario or list(BUNDLED), args.replications)
    else:
        out = timing(args.pairs)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"leverage_{args.part}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
