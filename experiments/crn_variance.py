"""How much do common random numbers sharpen a what-if comparison?

For one improvement of the airline scenario, compares the variance of the paired difference in
customers at the horizon when baseline and improvement share their random numbers (same
replication seeds, draws keyed by purpose) with the variance when the improvement runs on
independent seeds. Reports the variance ratio (target: at least 5x) and what it means in
replications.

    python experiments/crn_variance.py [--improvement reservation_agent] [--replications 20]
"""

from __future__ import annotations

import argparse

import numpy as np

import truthsim
from truthsim.experiments.backends import Execution
from truthsim.experiments.replication import run_replications

OFFSET = 1_000_003  # seeds for the independent runs: far away from the shared ones


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="airline")
    parser.add_argument("--improvement", default="reservation_agent")
    parser.add_argument("--metric", default="active_at_horizon")
    parser.add_argument("--replications", "-r", type=int, default=20)
    parser.add_argument("--horizon-days", type=float, default=180)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()

    base = truthsim.load_scenario(args.scenario)
    better = truthsim.apply_improvement(base, args.improvement)
    reps = range(args.replications)
    execution = Execution(jobs=args.jobs)
    baseline, shared = run_replications(
        [base, better], args.seed, reps, execution, args.horizon_days
    )
    (independent,) = run_replications(
        [better], args.seed + OFFSET, reps, execution, args.horizon_days
    )

    def values(runs):
        return np.array([r.headline[args.metric] for r in runs], dtype=float)

    crn = values(shared) - values(baseline)
    ind = values(independent) - values(baseline)
    v_crn, v_ind = crn.var(ddof=1), ind.var(ddof=1)
    # a variance ratio of two sample variances: its 95% interval from the F distribution
    from scipy import stats

    n = args.replications
    lo = v_ind / v_crn / stats.f.ppf(0.975, n - 1, n - 1)
    hi = v_ind / v_crn / stats.f.ppf(0.025, n - 1, n - 1)
    print(
        f"{base.name}: {args.improvement}, {args.metric}, {n} replications, {args.horizon_days:g} days"
    )
    print(f"  common random numbers: difference {crn.mean():+,.1f}, variance {v_crn:,.1f}")
    print(f"  independent seeds:     difference {ind.mean():+,.1f}, variance {v_ind:,.1f}")
    print(f"  variance reduction:    {v_ind / v_crn:,.1f}x (95% interval {lo:,.1f}x..{hi:,.1f}x)")
    print("\nConclusion")
    print(
        f"- Pairing on common random numbers gives the same precision as about {v_ind / v_crn:,.0f} times as many "
        f"independent replications; target 5x {'met' if v_ind / v_crn >= 5 else 'NOT met'}."
    )


if __name__ == "__main__":
    main()
