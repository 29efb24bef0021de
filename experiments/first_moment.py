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
from truthsim.experiments import Execution, compare
from truthsim.report.answer import answer_sentences


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
        execution=Execution(jobs=args.jobs),
        horizon_days=args.horizon_days,
    )
    print(render(result))

    print("\nConclusions")
    for sentence in answer_sentences(result.to_dict()):
        print(f"- {sentence}")


if __name__ == "__main__":
    main()
