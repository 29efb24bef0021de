"""Does ``--precision`` keep its promise? Coverage of the two-stage interval, by skewness.

Draws per-replication values from distributions whose mean is known (normal, and gamma with
skewness 0.5, 1 and 2), runs the two-stage procedure that ``whatif --precision`` uses (first
stage of 10, then Stein's sample size) and counts how often the interval covers the mean.
Prints the coverage with its binomial standard error and the replications used.

    python experiments/precision_coverage.py [--repetitions 4000] [--precision 0.4]
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from truthsim.experiments.selection import MIN_FIRST_STAGE
from truthsim.experiments.stats import stein_estimate, stein_replications

CASES = {  # name: (gamma shape or None for normal); gamma skewness is 2 / sqrt(shape)
    "normal": None,
    "skewness 0.5": 16.0,
    "skewness 1": 4.0,
    "skewness 2": 1.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=4000)
    parser.add_argument("--precision", type=float, default=0.4, help="half-width, in sds")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n0 = MIN_FIRST_STAGE
    print(
        f"two-stage interval, first stage {n0}, half-width {args.precision:g} sd, "
        f"{args.confidence:.0%}, {args.repetitions} repetitions"
    )
    for name, shape in CASES.items():
        mean, sd = (0.0, 1.0) if shape is None else (shape, math.sqrt(shape))

        def draw(n: int, shape: float | None = shape) -> np.ndarray:
            return rng.normal(0.0, 1.0, n) if shape is None else rng.gamma(shape, 1.0, n)

        covered, used, wider = 0, [], 0
        for _ in range(args.repetitions):
            first = draw(n0)
            total = stein_replications(first, args.precision * sd, args.confidence)
            e = stein_estimate(np.concatenate([first, draw(total - n0)]), n0, args.confidence)
            covered += e.low <= mean <= e.high
            wider += e.half_width > args.precision * sd
            used.append(total)
        rate = covered / args.repetitions
        se = math.sqrt(rate * (1 - rate) / args.repetitions)
        print(
            f"  {name:13s} coverage {rate:.1%} (se {se:.1%}), mean replications "
            f"{np.mean(used):.0f}, wider than asked {wider / args.repetitions:.0%}"
        )


if __name__ == "__main__":
    main()
