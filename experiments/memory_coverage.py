"""Do the return model's intervals hold the truth under every memory model?

A cheap firm (two self-service moments per journey whose outcomes move the return, customers
coming back every two days) is simulated under each memory model, calibrated at the truth's
memory, and each interval of the baseline and the four shifts checked against the truth.
Additive and recency memory give smooth likelihoods (Wald intervals); peak-end and weakest
link make the likelihood jump (profile-likelihood intervals). Coverage of 95% intervals over
n intervals has a standard error of sqrt(0.95 x 0.05 / n).

With ``--survey`` each journey may end with a follow-up call (half of them, a day later; the
day passes whether or not the call happens), as telecom's does, and only ``--response-rate``
of customers give their outcomes.

    python experiments/memory_coverage.py [--seeds 12] [--days 15] [--models peak_end ...]
        [--survey] [--response-rate 0.3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from truthsim.calibration import calibrate, synthesize, write_synthetic
from truthsim.scenario import Scenario

KIOSK = {"misery": -0.1, "mediocrity": 0.0, "magic": 0.05}
DESK = {"misery": -0.2, "mediocrity": 0.0, "magic": 0.08}
SURVEY = {"misery": -0.15, "mediocrity": 0.0, "magic": 0.06}
TRUTH = {
    "segments.everyone.baseline_return": 0.6,
    "touchpoints.kiosk.shifts.misery": -0.1,
    "touchpoints.kiosk.shifts.magic": 0.05,
    "touchpoints.desk.shifts.misery": -0.2,
    "touchpoints.desk.shifts.magic": 0.08,
}
MODELS = ("additive", "recency", "peak_end", "weakest_link")


def firm(model: str, days: float, survey: bool = False) -> Scenario:
    def moment(shifts: dict[str, float]) -> dict[str, object]:
        return {
            "servers": "unlimited",
            "service": {"kind": "exponential", "mean": 1.0},
            "outcomes": {"misery": 0.1, "mediocrity": 0.6, "magic": 0.3},
            "shifts": shifts,
        }

    touchpoints = {"kiosk": moment(KIOSK), "desk": moment(DESK)}
    journey: list[object] = ["kiosk", "desk"]
    if survey:
        touchpoints["survey"] = moment(SURVEY)
        journey.append(
            {"touchpoint": "survey", "probability": 0.5, "delay": {"kind": "fixed", "value": 1440}}
        )
    return Scenario.model_validate(
        {
            "name": f"two moments, {model} memory",
            "horizon_days": days,
            "arrivals": {"per_day": 60.0},
            "segments": {
                "everyone": {
                    "share": 1.0,
                    "value_per_journey": 100.0,
                    "baseline_return": 0.6,
                    "days_between_journeys": {"kind": "fixed", "value": 2.0},
                }
            },
            "touchpoints": touchpoints,
            "journey": journey,
            "memory": {"reference_return": 0.5, "model": model},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--days", type=float, default=15.0)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--survey", action="store_true")
    parser.add_argument("--response-rate", type=float, default=1.0)
    args = parser.parse_args()
    truth = dict(TRUTH)
    if args.survey:
        truth["touchpoints.survey.shifts.misery"] = SURVEY["misery"]
        truth["touchpoints.survey.shifts.magic"] = SURVEY["magic"]
    print(
        f"{'memory':14s} {'intervals':>9s} {'covered':>8s} {'se':>6s} {'unidentified':>12s} {'s/fit':>6s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            scenario = firm(model, args.days, args.survey)
            covered = unidentified = 0
            z: dict[str, list[float]] = {}
            started = time.perf_counter()
            for seed in range(args.seeds):
                folder = Path(tmp) / f"{model}{seed}"
                write_synthetic(
                    synthesize(scenario, seed, response_rate=args.response_rate, margin_days=3.0),
                    folder,
                )
                fit = calibrate(scenario, folder, half_life=False)
                found = {p.path: p for p in fit.parameters}
                for path, value in truth.items():
                    if path not in found:
                        unidentified += 1
                        continue
                    p = found[path]
                    covered += p.low <= value <= p.high
                    z.setdefault(path, []).append((p.estimate - value) / p.se)
            n = args.seeds * len(truth) - unidentified
            se = math.sqrt(0.95 * 0.05 / max(n, 1))
            per_fit = (time.perf_counter() - started) / args.seeds
            print(
                f"{model:14s} {n:9d} {covered / max(n, 1):8.3f} {se:6.3f} {unidentified:12d} {per_fit:6.1f}",
                flush=True,
            )
            _mean_z(z)


def _mean_z(z: dict[str, list[float]]) -> None:
    """Per value, the mean z-score (estimate - truth) / se: near 0 within 2 / sqrt(fits)."""
    for path, scores in z.items():
        print(f"  {path:40s} mean z {np.mean(scores):+.2f} over {len(scores)} fits")


if __name__ == "__main__":
    main()
