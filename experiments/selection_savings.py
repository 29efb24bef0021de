"""How many replications does sequential selection save for the same guarantee?

Runs the fully sequential selection (Kim and Nelson's KN) on a scenario's what-if, for the
objective and, as every answer does, for customers and net value, and counts the replications it
simulates. Against it: the fixed-sample design that gives the same guarantee from the same
first stage (Nelson & Matejcik 1995 with Bonferroni: every variant gets the number of
replications the widest pairwise variance needs). Prints both counts and their ratio (target: at
least 2x fewer for the sequential procedure).

    python experiments/selection_savings.py [--scenario airline] [--seeds 1] [--jobs 2] [--only NAME]
"""

from __future__ import annotations

import argparse

import numpy as np

import truthsim
from truthsim.experiments import Execution, compare
from truthsim.experiments.selection import kn_fixed_equivalent
from truthsim.experiments.valuation import objective_values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="airline")
    parser.add_argument("--objective", default="customers")
    parser.add_argument("--only", action="append", help="only this improvement (repeatable)")
    parser.add_argument("--horizon-days", type=float, default=None)
    parser.add_argument("--delta", type=float, default=None, help="in the objective's units")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--first-stage", type=int, default=10)
    parser.add_argument("--max-replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--seeds", type=int, default=1, help="independent repetitions")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()

    scenario = truthsim.load_scenario(args.scenario)
    ratios = []
    for seed in range(args.seed, args.seed + args.seeds):
        result = compare(
            scenario,
            args.only,
            seed=seed,
            execution=Execution(jobs=args.jobs),
            select=True,
            objective=args.objective,
            delta=args.delta,
            confidence=args.confidence,
            first_stage=args.first_stage,
            max_replications=args.max_replications,
            horizon_days=args.horizon_days,
        )
        runs = [result.baseline.runs, *(v.runs for v in result.variants)]
        costs = [0.0, *(v.cost for v in result.variants)]
        n0 = args.first_stage
        fixed = 0
        for objective, chosen in result.selections.items():
            first = np.column_stack(
                [objective_values(r[:n0], objective, c) for r, c in zip(runs, costs, strict=True)]
            )
            fixed = max(fixed, kn_fixed_equivalent(first, chosen.delta, args.confidence))
        fixed_total = fixed * len(runs)
        used = result.replications_used
        ratios.append(fixed_total / used)
        print(
            f"seed {seed}: {len(runs)} variants (baseline included), {result.horizon_days:g} days"
        )
        for objective, chosen in result.selections.items():
            verdict = chosen.best or "not separated: " + ", ".join(chosen.contenders)
            print(f"  {objective:10s} delta {chosen.delta:,.0f}: best {verdict}")
        print(
            f"  sequential selection used {used} replications "
            f"({', '.join(f'{k} {n}' for k, n in chosen.replications.items())})"
        )
        print(
            f"  a fixed-sample design with the same guarantee needs {fixed} per variant, "
            f"{fixed_total} in all: {fixed_total / used:.1f}x as many"
        )
    print(
        f"Conclusion: for the same {args.confidence:.0%} guarantee the sequential selection "
        f"needed {1 / np.mean([1 / r for r in ratios]):.1f}x fewer replications than a fixed-sample "
        f"design (harmonic mean over {len(ratios)} seed{'s' * (len(ratios) != 1)}; "
        f"range {min(ratios):.1f}x to {max(ratios):.1f}x)."
    )


if __name__ == "__main__":
    main()
