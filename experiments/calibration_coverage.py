"""Are the calibrated intervals honest on the airline? Bias and spread of z-scores over firms.

Synthesizes the airline's data with several seeds, calibrates the true scenario on each (the
half-life kept, so each fit is the return model at the truth's memory), and prints per
parameter the mean z-score (estimate - truth) / se, its spread and how often the 95% interval
holds the truth. Unbiased estimates with honest standard errors give mean z near 0 (within
about 2 / sqrt(seeds)), spread near 1 and coverage near 0.95.

    python experiments/calibration_coverage.py [--seeds 12] [--horizon-days 365]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import truthsim
from truthsim.calibration import calibrate, synthesize, write_synthetic


def truths(scenario: truthsim.Scenario) -> dict[str, float]:
    out = {}
    for name, tp in scenario.touchpoints.items():
        out[f"touchpoints.{name}.shifts.misery"] = tp.shifts.misery
        out[f"touchpoints.{name}.shifts.magic"] = tp.shifts.magic
    for name, segment in scenario.segments.items():
        out[f"segments.{name}.baseline_return"] = segment.mean_return
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="airline")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--horizon-days", type=float, default=None)
    args = parser.parse_args()
    truth = truthsim.load_scenario(args.scenario)
    if args.horizon_days is not None:
        truth = truthsim.apply_changes(truth, {"horizon_days": args.horizon_days})
    known = truths(truth)
    z: dict[str, list[float]] = {}
    covered: dict[str, list[bool]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            folder = Path(tmp) / str(seed)
            write_synthetic(synthesize(truth, seed), folder)
            fit = calibrate(truth, folder, half_life=False)
            for p in fit.parameters:
                if p.path in known:
                    z.setdefault(p.path, []).append((p.estimate - known[p.path]) / p.se)
                    covered.setdefault(p.path, []).append(p.low <= known[p.path] <= p.high)
            print(f"seed {seed}: {len(fit.parameters)} parameters fitted", flush=True)
    print(f"\n{'parameter':48s} {'mean z':>7s} {'sd z':>6s} {'covered':>8s}")
    for path, scores in z.items():
        s = np.array(scores)
        print(f"{path:48s} {s.mean():+7.2f} {s.std(ddof=1):6.2f} {np.mean(covered[path]):8.2f}")
    every = np.concatenate([np.array(v) for v in z.values()])
    share = np.mean(np.concatenate([np.array(v) for v in covered.values()]))
    print(
        f"\nall {len(every)} intervals: mean z {every.mean():+.3f}, sd {every.std():.3f}, "
        f"covered {share:.3f} (95% expected; standard error "
        f"{np.sqrt(0.95 * 0.05 / len(every)):.3f} if they were independent)"
    )


if __name__ == "__main__":
    main()
