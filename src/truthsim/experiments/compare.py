"""What-if comparisons: the baseline against each improvement, paired on common random numbers.

Every variant runs on the same replication seeds as the baseline, so keyed random numbers are
shared and the difference per replication carries little noise; intervals come from those
paired differences.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.experiments.backends import Backend, Execution, Progress
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.display import ComparisonDisplay, VariantDisplay
from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.limits import check_size
from truthsim.experiments.replication import (
    METRICS,
    ReplicationResult,
    RunSummary,
    check_plan,
    run_replications,
)
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.tables import records_to_pandas
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.scenario.errors import suggest
from truthsim.scenario.model import MINUTES_PER_DAY, Scenario
from truthsim.scenario.patch import apply_changes
from truthsim.scenario.staffing import added_server_hours

if TYPE_CHECKING:
    import pandas as pd

#: the metric improvements are ranked by
RETAINED = "active_at_horizon"


@dataclass(repr=False)
class VariantResult(VariantDisplay):
    """One improvement (or combination) against the baseline."""

    name: str
    description: str
    improvements: tuple[str, ...]
    cost: float  #: over the horizon: one-off plus yearly cost for the simulated days
    runs: list[RunSummary] = field(repr=False)
    baseline_runs: list[RunSummary] = field(repr=False)

    def differences(self, metric: str) -> np.ndarray:
        """Improvement minus baseline, per replication (paired)."""
        mine = np.array([r.headline[metric] for r in self.runs], dtype=float)
        base = np.array([r.headline[metric] for r in self.baseline_runs], dtype=float)
        return mine - base

    def difference(self, metric: str) -> Estimate:
        return estimate(self.differences(metric))

    @property
    def retained(self) -> Estimate:
        """Extra customers active at the horizon."""
        return self.difference(RETAINED)

    @property
    def net_value(self) -> Estimate:
        """Extra revenue minus the cost over the horizon."""
        return estimate(self.differences("revenue") - self.cost)

    @property
    def cost_per_retained(self) -> float | None:
        mean = self.retained.mean
        return self.cost / mean if mean > 0 else None

    def row(self) -> dict[str, Any]:
        retained, revenue, rate = (
            self.retained,
            self.difference("revenue"),
            self.difference("return_rate"),
        )
        net = self.net_value
        return {
            "improvement": self.name,
            "retained": retained.mean,
            "retained_low": retained.low,
            "retained_high": retained.high,
            "retained_se": retained.se,
            "significant": retained.excludes_zero,
            "return_rate_change": rate.mean,
            "return_rate_change_low": rate.low,
            "return_rate_change_high": rate.high,
            "revenue_change": revenue.mean,
            "revenue_change_low": revenue.low,
            "revenue_change_high": revenue.high,
            "cost": self.cost,
            "cost_per_retained": self.cost_per_retained,
            "net_value": net.mean,
            "net_value_low": net.low,
            "net_value_high": net.high,
            "replications_to_exclude_zero": retained.replications_to_exclude_zero(),
        }


@dataclass(repr=False)
class Comparison(ComparisonDisplay):
    """A what-if run: baseline figures and improvements ranked by customers retained."""

    scenario_name: str
    seed: int
    horizon_days: float
    currency: str
    baseline: ReplicationResult
    variants: list[VariantResult]

    @property
    def replications(self) -> int:
        return self.baseline.replications

    def ranking(self) -> list[VariantResult]:
        """Best first: most extra customers at the horizon (ties: lower cost first)."""
        return sorted(
            self.variants, key=lambda v: (-_or(v.retained.mean, -math.inf), v.cost, v.name)
        )

    def summary(self) -> list[dict[str, Any]]:
        """The ranked table, one row per improvement."""
        return [{"rank": i, **v.row()} for i, v in enumerate(self.ranking(), start=1)]

    def leader_margin(self) -> Estimate | None:
        """Paired difference in customers retained between the first and second ranked."""
        ranked = self.ranking()
        if len(ranked) < 2:
            return None
        return estimate(ranked[0].differences(RETAINED) - ranked[1].differences(RETAINED))

    def to_dict(self) -> dict[str, Any]:
        """Results only (no timings): the same inputs and seed give the same data."""
        margin = self.leader_margin()
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": self.replications,
            "horizon_days": self.horizon_days,
            "currency": self.currency,
            "baseline": {m: e.to_dict() for m, e in self.baseline.summary().items()},
            "ranking": self.summary(),
            "leader_margin": margin.to_dict() if margin else None,
        }

    def to_records(self) -> np.ndarray:
        """Per replication and variant (baseline included): every headline metric."""
        names = ["baseline", *(v.name for v in self.variants)]
        runs = [self.baseline.runs, *(v.runs for v in self.variants)]
        width = max(len(n) for n in names)
        dtype = [("variant", f"U{width}"), ("replication", "i4")] + [(m, "f8") for m in METRICS]
        out = np.zeros(sum(len(r) for r in runs), dtype=dtype)
        row = 0
        for name, group in zip(names, runs, strict=True):
            for i, run in enumerate(group):
                out[row] = (name, i, *(run.headline[m] for m in METRICS))
                row += 1
        return out

    def to_pandas(self) -> pd.DataFrame:
        """The ranked table as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary(), categories=("improvement",))


def variants_of(
    scenario: Scenario,
    only: Sequence[str] | None = None,
    combinations: int = 1,
    allow_large: bool = False,
) -> list[tuple[str, tuple[str, ...]]]:
    """(name, improvements) for each single improvement and, up to ``combinations``, each set."""
    if combinations not in (1, 2, 3):
        raise ExperimentError(f"combinations must be 1, 2 or 3, not {combinations!r}")
    names = list(scenario.improvements)
    if only:
        unknown = [n for n in only if n not in scenario.improvements]
        if unknown:
            hints = "".join(suggest(n, names) for n in unknown)
            raise ExperimentError(
                f"no improvement {', '.join(unknown)}{hints} (there are: {', '.join(names)})"
            )
        names = [n for n in names if n in only]
    count = sum(math.comb(len(names), k) for k in range(1, combinations + 1))
    check_size(count, 1, allow_large, "improvement variants")
    out = []
    for size in range(1, combinations + 1):
        for combo in itertools.combinations(names, size):
            out.append((" + ".join(combo), combo))
    return out


def compare(
    scenario: Scenario,
    improvements: Sequence[str] | None = None,
    replications: int = 10,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    combinations: int = 1,
    horizon_days: float | None = None,
    precision: float | None = None,
    max_replications: int = 200,
    progress: Progress | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    checkpoints: Path | Checkpoints | None = None,
    allow_large: bool = False,
    parameter_uncertainty: ParameterUncertainty | None = None,
) -> Comparison:
    """Run the baseline and each improvement on common random numbers and rank them.

    ``improvements`` limits the run to those names; ``combinations=2`` adds every pair. With
    ``precision``, replications are added until every improvement's interval of extra customers
    has a half-width below it (or ``max_replications`` is reached). ``backend``, ``scheduler``
    and ``checkpoints`` as for :func:`~truthsim.experiments.replicate`. With
    ``parameter_uncertainty``, each replication draws the calibrated parameters (common to
    every variant of that replication).
    """
    execution = Execution(jobs, backend, scheduler, checkpoints, progress, allow_large)
    root = scenario.seed if seed is None else seed
    horizon = horizon_days if horizon_days is not None else scenario.horizon_days
    planned = check_plan(replications, precision, max_replications)
    chosen = variants_of(scenario, improvements, combinations, allow_large)
    check_size(len(chosen) + 1, planned, allow_large)
    variant_scenarios = [_apply_in_turn(scenario, combo) for _, combo in chosen]
    everything = [scenario, *variant_scenarios]
    runs: list[list[RunSummary]] = [[] for _ in everything]
    batch = replications
    while True:
        start = len(runs[0])
        new = run_replications(
            everything,
            root,
            range(start, start + batch),
            execution,
            horizon_days,
            labels=["baseline", *(name for name, _ in chosen)],
            uncertainty=parameter_uncertainty,
            changes=[(), *(_changes_of(scenario, combo) for _, combo in chosen)],
        )
        for k, group in enumerate(new):
            runs[k] += group
        comparison = Comparison(
            scenario.name,
            root,
            horizon,
            scenario.currency,
            ReplicationResult(scenario.name, root, runs[0]),
            [
                VariantResult(
                    name,
                    " + ".join(scenario.improvements[n].description or n for n in combo),
                    combo,
                    sum(improvement_cost(scenario, n, horizon) for n in combo),
                    runs[k + 1],
                    runs[0],
                )
                for k, (name, combo) in enumerate(chosen)
            ],
        )
        done = len(runs[0])
        if precision is None or done >= max_replications or not comparison.variants:
            return comparison
        if max(_or(v.retained.half_width, math.inf) for v in comparison.variants) <= precision:
            return comparison
        batch = min(max(2, done // 2), max_replications - done)


def improvement_cost(scenario: Scenario, name: str, days: float) -> float:
    """What improvement ``name`` costs over ``days`` days, staff hours it adds included."""
    cost = scenario.improvements[name].cost
    hours = 0.0
    if cost.per_staffed_hour:
        changed = apply_changes(scenario, scenario.improvements[name].changes)
        hours = added_server_hours(
            scenario.touchpoints, changed.touchpoints, 0.0, days * MINUTES_PER_DAY
        )
    return cost.over(days, hours)


def _apply_in_turn(scenario: Scenario, combo: Sequence[str]) -> Scenario:
    """The scenario with each named improvement applied, in order."""
    for name in combo:
        scenario = apply_changes(scenario, scenario.improvements[name].changes)
    return scenario


def _changes_of(scenario: Scenario, combo: Sequence[str]) -> list[tuple[str, Any]]:
    """(path, change) of each named improvement, in the order they are applied."""
    return [p for name in combo for p in scenario.improvements[name].changes.items()]


def _or(value: float, default: float) -> float:
    return default if value is None or math.isnan(value) else value
