"""truthsim's forecast against BG/NBD's on real data: the CDNOW sample, 39 weeks to fit, 39 to
check (Fader, Hardie & Lee 2005's split).

    python benchmarks/forecast_cdnow.py                 # 200 replications
    python benchmarks/forecast_cdnow.py --replications 800

The sample's transaction log (src/truthsim/datasets/cdnow_sample.csv, from lifetimes) is
calibrated with a one-segment scenario that says nothing of the customers but their form
(a Beta baseline, exponential gaps to start from: the family, spread and values are fitted),
and forecast from 1997-10-01 to the end of the data. BG/NBD (and MBG/NBD, Pareto/NBD) are
fitted by truthsim.calibration.btyd to the same customers' journeys before the cut, in days.
Figures go to benchmarks/results/forecast_cdnow.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from truthsim.datasets import path
from truthsim.experiments import Execution
from truthsim.forecast import forecast
from truthsim.scenario import parse_scenario

RESULTS = Path(__file__).parent / "results"
SCENARIO = """
name: CDNOW
horizon_days: 273
arrivals: {per_day: 1}
segments:
  everyone:
    share: 1
    value_per_journey: 30
    baseline_return: {churn_alpha: 1, churn_beta: 3}
    days_between_journeys: {kind: exponential, mean: 30}
touchpoints:
  shop:
    servers: unlimited
    service: {kind: fixed, value: 1}
    outcomes: {misery: 0, mediocrity: 1, magic: 0}
    shifts: {misery: 0, mediocrity: 0, magic: 0}
journey: [shop]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args()
    scenario = parse_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "transactions.csv").write_bytes(path("cdnow_sample.csv").read_bytes())
        started = time.perf_counter()
        result = forecast(
            scenario,
            folder,
            holdout_from="1997-10-01",
            replications=args.replications,
            execution=Execution(jobs=2),
        )
        seconds = time.perf_counter() - started
    held = result.holdout
    assert held is not None
    # the other reference models on the same summary, their cumulative forecasts by period
    c = result.customers
    bg = c["bgnbd_expected_journeys"]
    out = {
        "replications": args.replications,
        "seconds": seconds,
        "customers": held["customers"],
        "actual_journeys": held["actual_journeys"],
        "truthsim": {
            "forecast_journeys": held["forecast_journeys"],
            "forecast_90_range": held["forecast_90_range"],
            "cumulative_mean_absolute_percentage_error": held[
                "cumulative_mean_absolute_percentage_error"
            ],
            "per_customer_correlation": held["per_customer_correlation"],
            "fitted": {
                p.path: p.estimate
                for p in result.calibration.parameters  # type: ignore[union-attr]
            },
        },
        "bgnbd": held["bgnbd"],
        "other_models": held["other_models"],
        "correlation_truthsim_bgnbd_expectations": float(
            np.corrcoef(c["expected_journeys"], bg)[0, 1]
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "forecast_cdnow.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
