"""The selection's guarantee, checked by macro-replications where the true means are known.

1. The procedure alone (``--part oracle``). Normal outputs with known means, unequal variances
   and a common component (as common random numbers give), nine variants as the airline has:
   - at delta: the best leads every other by exactly delta (the slippage configuration, the
     least favourable for an indifference-zone procedure), and sits last (ties go to the
     lower index): the probability of correct selection must be at least the confidence;
   - the null: every mean equal. A false selection is an answer that says some improvement
     beats the baseline: its paired interval of gain (Bonferroni over the improvements, as the
     answer's table) lies above zero. It must happen in at most 1 - confidence of the runs.
2. The simulator (``--part shop``). A cheap scenario (one self-service touchpoint) whose four
   improvements lift magic step by step; each variant's mean customers kept is estimated by a
   pilot of many replications, and delta is set to the best's lead over the runner-up less
   three of its standard errors (so the true lead is at least delta). ``select_best`` runs on
   fresh seeds; correct when it picks the variant the pilot says is best.
3. The simulator's null (``--part null``). Three self-service kiosks in a row, remembered
   additively, and variants that deal their three outcome tables out in every other order:
   every variant's law is the baseline's, so its true gain is zero, yet its replications differ.
   A false claim is an answer whose table gives some variant an interval of customers kept
   that leaves out zero.

Each count is reported with its binomial standard error.

    python benchmarks/guarantee.py [--part oracle|shop|null|all] [--macro 500] [--jobs 2]
        [--screen N]

writes benchmarks/results/guarantee.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CONFIDENCE = 0.95
FIRST = 10
K = 9


def count(hits: int, n: int) -> dict[str, Any]:
    """A count with its binomial standard error and its exact (Clopper-Pearson) 95% interval,
    which says something where the standard error cannot (no misses at all)."""
    p = hits / n
    low = float(stats.beta.ppf(0.025, hits, n - hits + 1)) if hits else 0.0
    high = float(stats.beta.ppf(0.975, hits + 1, n - hits)) if hits < n else 1.0
    return {
        "hits": hits,
        "runs": n,
        "share": p,
        "standard_error": math.sqrt(p * (1 - p) / n),
        "exact_95": [low, high],
    }


def oracle_samples(rng: np.random.Generator, means: np.ndarray, length: int) -> np.ndarray:
    """(length, k) outputs: a common component (correlation 0.5) and unequal variances."""
    sd = np.linspace(1.0, 2.0, len(means))
    common = rng.standard_normal((length, 1))
    own = rng.standard_normal((length, len(means)))
    return means + sd * (math.sqrt(0.5) * common + math.sqrt(0.5) * own)


def counts(state: Any) -> np.ndarray:
    """Replications each variant had when the procedure stopped (as the answer keeps them)."""
    n = np.full(K, state.stage)
    for i, at in state.eliminated_at.items():
        n[i] = at
    return n


def oracle(macro: int, seed: int, screen: int) -> dict[str, Any]:
    from truthsim.experiments.selection import kn, screened_kn

    def select(x: np.ndarray, delta: float) -> Any:
        samples = [x[:, i] for i in range(K)]
        if screen:
            return screened_kn(samples, delta, CONFIDENCE, screen, FIRST)
        return kn(samples, delta, CONFIDENCE, FIRST)

    delta = 1.0
    rng = np.random.default_rng(seed)
    at_delta = np.zeros(K)
    at_delta[-1] = delta
    correct = 0
    used = []
    for _ in range(macro):
        x = oracle_samples(rng, at_delta, 4000)
        state = select(x, delta)
        correct += state.best == K - 1
        used.append(int(counts(state).sum()))
    false_claims = 0
    for _ in range(macro):
        x = oracle_samples(rng, np.zeros(K), 4000)
        had = counts(select(x, delta))
        for i in range(1, K):  # each gain on the replications it shares with the baseline
            n = int(min(had[i], had[0]))
            gain = x[:n, i] - x[:n, 0]
            t = stats.t.ppf(1 - (1 - CONFIDENCE) / (2 * (K - 1)), n - 1)  # two-sided, Bonferroni
            if gain.mean() - t * gain.std(ddof=1) / math.sqrt(n) > 0:
                false_claims += 1
                break
    return {
        "variants": K,
        "first_stage": FIRST,
        "screen": screen,
        "confidence": CONFIDENCE,
        "correct_at_delta": count(correct, macro),
        "false_claim_in_null": count(false_claims, macro),
        "replications_at_delta": {"median": float(np.median(used)), "max": int(max(used))},
    }


#: the cheap business of the simulator's parts: a month, 60 new customers a day
SHOP = {
    "horizon_days": 30.0,
    "arrivals": {"per_day": 60.0},
    "segments": {
        "everyone": {
            "share": 1.0,
            "value_per_journey": 100.0,
            "baseline_return": 0.6,
            "days_between_journeys": {"kind": "exponential", "mean": 3.0},
        }
    },
}


def kiosk(outcomes: dict[str, float]) -> dict[str, Any]:
    """A self-service kiosk with these outcome shares."""
    return {
        "servers": "unlimited",
        "service": {"kind": "exponential", "mean": 2.0},
        "outcomes": outcomes,
        "shifts": {"misery": -0.2, "mediocrity": 0.0, "magic": 0.15},
    }


def shop_scenario() -> Any:
    from truthsim.scenario import Scenario

    improvements = {  # the best (magic 0.335) leads the runner-up by under two sd per pair
        f"magic_{m:g}": {"changes": {"touchpoints.kiosk.outcomes.magic": m / 100}}
        for m in (31, 32, 33, 33.5)
    }
    data = {
        "name": "guarantee shop",
        **SHOP,
        "touchpoints": {"kiosk": kiosk({"misery": 0.1, "mediocrity": 0.6, "magic": 0.3})},
        "journey": ["kiosk"],
        "memory": {"reference_return": 0.6},
        "improvements": improvements,
    }
    return Scenario.model_validate(data)


#: three kiosks' outcome tables; the null's variants deal them out to the kiosks in every order
TABLES = (
    {"misery": 0.05, "mediocrity": 0.75, "magic": 0.2},
    {"misery": 0.15, "mediocrity": 0.6, "magic": 0.25},
    {"misery": 0.25, "mediocrity": 0.35, "magic": 0.4},
)


def null_scenario() -> Any:
    """Three self-service kiosks in a row, remembered additively: a journey's remembered shift
    is the sum of its three moments', whichever kiosk gave which, so dealing the outcome tables
    out in another order changes no law of the run. Every variant's true mean is the same; their
    replications differ (each kiosk draws its own numbers)."""
    from itertools import permutations

    from truthsim.scenario import Scenario

    kiosks = ("a", "b", "c")
    orders = list(permutations(range(3)))
    improvements = {
        "deal_" + "".join(map(str, order)): {
            "changes": {
                f"touchpoints.kiosk_{k}.outcomes.{o}": TABLES[t][o]
                for k, t in zip(kiosks, order, strict=True)
                for o in ("misery", "magic")
            }
        }
        for order in orders[1:]
    }
    data = {
        "name": "guarantee null",
        **SHOP,
        "touchpoints": {f"kiosk_{k}": kiosk(TABLES[i]) for i, k in enumerate(kiosks)},
        "journey": [f"kiosk_{k}" for k in kiosks],
        "memory": {"model": "additive", "reference_return": 0.6},
        "improvements": improvements,
    }
    return Scenario.model_validate(data)


#: the null's delta, customers: about twice the standard deviation of a paired gain (11 to 16
#: in 30 replications of seed 10**6), so KN stops near its first stage; the default (0.1% of
#: new customers, 1.8) would run every selection to its 200 replications
NULL_DELTA = 30.0


def _null(args: tuple[int, int]) -> tuple[bool, int]:
    """One selection on the null: whether the answer's table claims any change in customers
    kept (an interval of gain that leaves out zero), and the replications it used.

    As ``select_best`` runs it, but selecting for customers kept alone: the answer's selection
    for net value, at its default delta, would run every selection to its 200 replications
    (its families, and so the table's confidence, stay the answer's)."""
    from truthsim import Execution
    from truthsim.experiments.comparing import begin_staged, named
    from truthsim.experiments.criteria import Criteria

    seed, screen = args
    whatif = begin_staged(
        "select_best",
        null_scenario(),
        lambda s, large: named(s, None, 1, large),
        criteria=Criteria(delta=NULL_DELTA),
        execution=Execution(jobs=1),
        seed=seed,
        uncertainty=None,
        first_stage=FIRST,
        max_replications=200,
        screen=screen,
    )
    whatif.objectives = ["customers"]
    comparison = whatif.answer("select", whatif.by_kn(FIRST, 200, screen), screen=screen)
    claims = any(
        row["retained_low"] > 0 or row["retained_high"] < 0 for row in comparison.summary()
    )
    return claims, sum(comparison.selections["customers"].replications.values())


def null(macro: int, jobs: int, screen: int) -> dict[str, Any]:
    with ProcessPoolExecutor(jobs) as pool:
        runs = list(pool.map(_null, [(s, screen) for s in range(1, macro + 1)]))
    scenario = null_scenario()
    return {
        "variants": ["baseline", *scenario.improvements],
        "delta": NULL_DELTA,
        "screen": screen,
        "false_claim": count(sum(c for c, _ in runs), macro),
        "replications_per_selection": {
            "median": float(np.median([n for _, n in runs])),
            "max": int(max(n for _, n in runs)),
        },
    }


def _pilot(args: tuple[int, int]) -> list[float]:
    from truthsim import simulate
    from truthsim.experiments.replication import replication_seed
    from truthsim.scenario import apply_changes

    variant, n = args
    scenario = shop_scenario()
    if variant:
        name = list(scenario.improvements)[variant - 1]
        scenario = apply_changes(scenario, scenario.improvements[name].changes)
    return [
        float(
            np.count_nonzero(~simulate(scenario, replication_seed(10**6, r)).customers["churned"])
        )
        for r in range(n)
    ]


def _select(args: tuple[int, float, int]) -> tuple[str | None, int]:
    from truthsim import Execution
    from truthsim.experiments import select_best
    from truthsim.experiments.criteria import Criteria

    seed, delta, screen = args
    comparison = select_best(
        shop_scenario(),
        seed=seed,
        screen=screen,
        criteria=Criteria(delta=delta),
        execution=Execution(jobs=1),
    )
    selection = comparison.selections["customers"]
    return selection.best, sum(selection.replications.values())


def shop(macro: int, pilot: int, jobs: int, screen: int) -> dict[str, Any]:
    names = ["baseline", *shop_scenario().improvements]
    with ProcessPoolExecutor(jobs) as pool:
        runs = list(pool.map(_pilot, [(v, pilot) for v in range(len(names))]))
    means = np.array([np.mean(r) for r in runs])
    gaps = np.array(runs)  # common random numbers: paired
    order = np.argsort(-means)
    best, second = int(order[0]), int(order[1])
    lead = gaps[best] - gaps[second]
    lead_se = float(np.std(lead, ddof=1) / math.sqrt(pilot))
    delta = float(np.mean(lead)) - 3 * lead_se
    with ProcessPoolExecutor(jobs) as pool:
        picked = list(pool.map(_select, [(s, delta, screen) for s in range(1, macro + 1)]))
    correct = sum(name == names[best] for name, _ in picked)
    return {
        "variants": names,
        "screen": screen,
        "pilot_replications_per_variant": pilot,
        "pilot_means": dict(zip(names, means.tolist(), strict=True)),
        "true_best": names[best],
        "lead_over_runner_up": {"mean": float(np.mean(lead)), "standard_error": lead_se},
        "delta": delta,
        "correct": count(correct, macro),
        "replications_per_selection": {
            "median": float(np.median([n for _, n in picked])),
            "max": int(max(n for _, n in picked)),
        },
        "picked": {n: sum(p == n for p, _ in picked) for n in names},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("oracle", "shop", "null", "all"), default="all")
    parser.add_argument("--screen", type=int, default=None, help="default: the what-if's")
    parser.add_argument("--macro", type=int, default=500)
    parser.add_argument("--pilot", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "results" / "guarantee.json"
    result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    from truthsim.experiments.selection import SCREEN

    screen = SCREEN if args.screen is None else args.screen
    for part, run in (
        ("oracle", lambda: oracle(max(args.macro, 2000), 2017, screen)),
        ("shop", lambda: shop(args.macro, args.pilot, args.jobs, screen)),
        ("null", lambda: null(args.macro, args.jobs, screen)),
    ):
        if args.part in (part, "all"):
            started = time.perf_counter()
            key = part if screen == SCREEN else f"{part}_screen_{screen}"
            result[key] = {**run(), "seconds": time.perf_counter() - started}
            print(f"{key}:", json.dumps(result[key]))
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
