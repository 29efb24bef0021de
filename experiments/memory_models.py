"""Does the ranking of improvements depend on how customers remember their journeys?

Runs the airline what-if under the additive, peak_end and weakest_link memory models (and
recency), each on the same common random numbers, and prints the ranks side by side.

    python experiments/memory_models.py [--replications 6] [--horizon-days 180] [--jobs N]
"""

from __future__ import annotations

import argparse

import truthsim
from truthsim.cli.format import table
from truthsim.experiments import Execution, compare

MODELS = ("additive", "peak_end", "weakest_link", "recency")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="airline")
    parser.add_argument("--replications", "-r", type=int, default=6)
    parser.add_argument("--horizon-days", type=float, default=180)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()

    base = truthsim.load_scenario(args.scenario)
    results = {}
    for model in MODELS:
        scenario = truthsim.apply_changes(base, {"memory.model": model})
        results[model] = compare(
            scenario,
            replications=args.replications,
            seed=args.seed,
            execution=Execution(jobs=args.jobs),
            horizon_days=args.horizon_days,
        )
        print(f"ran {model}", flush=True)

    names = list(base.improvements)
    ranks = {m: {v.name: i for i, v in enumerate(r.ranking(), start=1)} for m, r in results.items()}
    rows = []
    for name in sorted(names, key=lambda n: ranks["additive"][n]):
        cells = [name]
        for model in MODELS:
            v = next(v for v in results[model].variants if v.name == name)
            mark = "*" if v.retained.excludes_zero else " "
            cells.append(f"{ranks[model][name]}. {v.retained.mean:+6,.0f}{mark}")
        rows.append(cells)
    print()
    print(
        f"Rank and extra customers at the horizon ({args.replications} replications, "
        f"* = 95% interval excludes zero)"
    )
    print(table(["improvement", *MODELS], rows, "l" + "r" * len(MODELS)))
    base_active = {m: r.baseline.estimate("active_at_horizon").mean for m, r in results.items()}
    print(
        "baseline customers at the horizon: "
        + ", ".join(f"{m} {v:,.0f}" for m, v in base_active.items())
    )

    print("\nConclusions")
    leaders = {m: results[m].ranking()[0].name for m in MODELS}
    if len(set(leaders.values())) == 1:
        print(f"- The same improvement leads under every memory model: {leaders['additive']}.")
    else:
        print(
            "- The leader depends on memory: "
            + ", ".join(f"{m}: {n}" for m, n in leaders.items())
            + "."
        )
    for model in MODELS[1:]:
        moved = [n for n in names if ranks[model][n] != ranks["additive"][n]]
        print(
            f"- {model} vs additive: "
            + (
                f"{len(moved)} of {len(names)} improvements change rank ({', '.join(moved)})."
                if moved
                else "identical ranking."
            )
        )


if __name__ == "__main__":
    main()
