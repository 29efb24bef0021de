"""Which of the airline's moments is worth improving first?

Runs every improvement in scenarios/airline.yaml against the baseline on common random numbers
and prints the ranking by extra customers at the horizon, with the cost of each retained
customer and the net value over the simulated period.

    python experiments/first_moment.py [--replications 10] [--horizon-days 365] [--jobs N]
"""

from __future__ import annotations

import argparse

import truthsim
from truthsim.cli.whatif import render
from truthsim.experiments import compare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="airline")
    parser.add_argument("--replications", "-r", type=int, default=10)
    parser.add_argument("--horizon-days", type=float, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()

    scenario = truthsim.load_scenario(args.scenario)
    result = compare(
        scenario,
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs,
        horizon_days=args.horizon_days,
    )
    print(render(result))

    ranked = result.ranking()
    best = ranked[0]
    by_value = max(ranked, key=lambda v: v.net_value.mean)
    cheapest = min((v for v in ranked if v.cost_per_retained), key=lambda v: v.cost_per_retained)
    print("\nConclusions")
    print(
        f"- Most customers kept: {best.name} ({best.description}), "
        f"{best.retained.mean:+,.0f} at the horizon (95% interval {best.retained.low:+,.0f}..{best.retained.high:+,.0f})."
    )
    print(
        f"- Cheapest per customer kept: {cheapest.name}, {result.currency} {cheapest.cost_per_retained:,.0f} each."
    )
    print(
        f"- Best net value within the horizon: {by_value.name}, {result.currency} {by_value.net_value.mean:+,.0f} "
        f"(95% interval {by_value.net_value.low:+,.0f}..{by_value.net_value.high:+,.0f})."
    )
    unclear = [v.name for v in ranked if not v.retained.excludes_zero]
    if unclear:
        print(
            f"- No measurable effect with {result.replications} replications: {', '.join(unclear)}."
        )


if __name__ == "__main__":
    main()
