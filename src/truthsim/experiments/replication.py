"""Replications: one scenario run many times on independent streams spawned from one root seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.engine import SimulationResult, base_pool, simulate
from truthsim.engine.money import PlanningDays
from truthsim.engine.summary import HEADLINE
from truthsim.errors import ExperimentError, ReplicationFailed
from truthsim.experiments.backends import Execution, run_tasks
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.execution import execution_of
from truthsim.experiments.limits import check_number, check_size
from truthsim.experiments.selection import DEFAULT_MAX_REPLICATIONS, MIN_FIRST_STAGE
from truthsim.experiments.stats import (
    CONFIDENCE,
    Estimate,
    estimate,
    stein_estimate,
    stein_replications,
)
from truthsim.experiments.tables import records_to_pandas
from truthsim.experiments.uncertainty import Changes, ParameterUncertainty
from truthsim.scenario.errors import ScenarioError, suggest
from truthsim.scenario.limits import run_size_problems
from truthsim.scenario.patch import with_horizon
from truthsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

METRICS = tuple(HEADLINE)
#: replications per variant when none are asked for, in Python and on the command line alike
DEFAULT_REPLICATIONS = 10


def replication_seed(root: int, index: int) -> np.random.SeedSequence:
    """The ``index``-th child of ``SeedSequence(root)``: the same whatever else was spawned."""
    return np.random.SeedSequence(entropy=root, spawn_key=(index,))


@dataclass(frozen=True)
class Task:
    """One replication of one scenario variant: what a worker needs, and nothing more."""

    scenario: Scenario
    root: int
    index: int
    label: str = ""
    allow_large: bool = False
    #: the scenario whose day-0 customers every variant starts from (the one as written)
    base_of: Scenario | None = None


@dataclass
class RunSummary:
    """What a replication sends back: headline metrics, touchpoint rows, the active-customer
    series, and the planning period day by day (what money figures are valued from)."""

    headline: dict[str, float]
    touchpoints: list[dict[str, Any]]
    active: np.ndarray
    period: PlanningDays | None = None


def run_task(task: Task) -> RunSummary:
    """Simulate one replication (top-level so worker processes can receive it)."""
    return summarise(simulate_task(task))


def simulate_task(task: Task) -> SimulationResult:
    """One replication's whole result; a failure names the variant and the replication."""
    try:
        return simulate(
            task.scenario,
            replication_seed(task.root, task.index),
            allow_large=task.allow_large,
            base=base_pool(task.base_of or task.scenario, task.allow_large),
        )
    except ScenarioError:
        raise  # the scenario's own problem (e.g. word of mouth growing without bound): say it as is
    except Exception as error:
        variant = f" ({task.label})" if task.label else ""
        raise ReplicationFailed(
            f"{task.scenario.name}{variant}, replication {task.index} of seed {task.root} failed: "
            f"{type(error).__name__}: {error}"
        ) from None


def summarise(result: SimulationResult) -> RunSummary:
    """What a replication sends back of its result."""
    return RunSummary(
        result.headline, result.touchpoints, result.daily["active"].copy(), result.period
    )


@dataclass(repr=False)
class ReplicationResult:
    """Replications of one scenario: per-replication metrics and their estimates."""

    scenario_name: str
    seed: int
    runs: list[RunSummary] = field(repr=False)
    #: (metric, first stage) when the run was sized for that metric's precision in two stages
    two_stage: tuple[str, int] | None = None

    @property
    def replications(self) -> int:
        return len(self.runs)

    def values(self, metric: str) -> np.ndarray:
        """The metric in every replication, in replication order."""
        return np.array([run.headline[metric] for run in self.runs], dtype=float)

    def estimate(self, metric: str) -> Estimate:
        """Mean and 95% interval (the two-stage interval for the metric the run was sized for)."""
        if self.two_stage is not None and self.two_stage[0] == metric:
            return stein_estimate(self.values(metric), self.two_stage[1])
        return estimate(self.values(metric))

    def summary(self) -> dict[str, Estimate]:
        """Every headline metric as mean, standard error and 95% interval."""
        return {m: self.estimate(m) for m in METRICS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": self.replications,
            "metrics": {m: e.to_dict() for m, e in self.summary().items()},
        }

    def to_records(self) -> np.ndarray:
        """One row per replication, one field per headline metric."""
        out = np.zeros(
            self.replications, dtype=[("replication", "i4")] + [(m, "f8") for m in METRICS]
        )
        out["replication"] = np.arange(self.replications)
        for m in METRICS:
            out[m] = self.values(m)
        return out

    def to_pandas(self) -> pd.DataFrame:
        """One row per replication, one column per headline metric (needs pandas)."""
        return records_to_pandas(self.to_records())

    def __repr__(self) -> str:
        active = self.estimate("active_at_horizon")
        return (
            f"<ReplicationResult {self.scenario_name!r}: {self.replications} replications, "
            f"seed {self.seed}; active at horizon {active.mean:,.0f} "
            f"({active.low:,.0f}..{active.high:,.0f})>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        return html_table(
            f"{self.scenario_name}: {self.replications} replications (seed {self.seed})",
            ["metric", "mean", "95% interval"],
            [
                [m.replace("_", " "), f"{e.mean:,.4g}", f"{e.low:,.4g}..{e.high:,.4g}"]
                for m, e in self.summary().items()
            ],
        )


def shared_base(scenario: Scenario) -> Scenario | None:
    """The scenario whose day-0 customers every variant starts from; None when it has none."""
    return None if scenario.customer_base.kind == "none" else scenario


def replication_scenario(
    scenario: Scenario,
    root: int,
    index: int,
    uncertainty: ParameterUncertainty | None,
    changes: Changes = (),
) -> Scenario:
    """The scenario replication ``index`` runs: as given, or on that replication's draw of the
    calibrated parameters (the same for every variant), with a variant's changes to a drawn
    parameter applied on top."""
    if uncertainty is None:
        return scenario
    return uncertainty.apply(scenario, root, index, changes)


def run_replications(
    scenarios: Sequence[Scenario],
    seed: int,
    indices: Sequence[int],
    execution: Execution,
    horizon_days: float | None = None,
    labels: Sequence[str] | None = None,
    uncertainty: ParameterUncertainty | None = None,
    changes: Sequence[Changes] | None = None,
    base_of: Scenario | None = None,
) -> list[list[RunSummary]]:
    """Every scenario on the same replication seeds (common random numbers), as one batch of tasks.

    Every variant starts from the day-0 customers of ``base_of`` (default: the first scenario):
    a change takes effect on the base the business had before it, the same in every variant.

    ``labels`` name the variants in error messages.
    Replications already in the execution's checkpoint folder are reused; each new one is saved
    there as soon as it finishes. With ``uncertainty``, each replication runs on its own draw of
    the calibrated parameters (see :func:`replication_scenario`); ``changes`` are each variant's
    own (path, change) pairs.
    """
    if horizon_days is not None:  # checked here, once, rather than in every worker
        scenarios = [with_horizon(s, horizon_days) for s in scenarios]
    labels = labels or [""] * len(scenarios)
    for scenario, label in zip(scenarios, labels, strict=True):
        problems = run_size_problems(scenario, execution.allow_large)
        if problems:
            raise ScenarioError(problems, file=scenario.name + (f" ({label})" if label else ""))
    own = changes or [()] * len(scenarios)
    base_of = shared_base(base_of if base_of is not None else scenarios[0])
    tasks = [
        Task(
            replication_scenario(s, seed, i, uncertainty, c),
            seed,
            i,
            label,
            execution.allow_large,
            base_of,
        )
        for s, c, label in zip(scenarios, own, labels, strict=True)
        for i in indices
    ]
    store = execution.checkpoints
    if isinstance(store, Path):
        store = Checkpoints(store)
    flat: list[RunSummary | None] = [store.load(t) if store else None for t in tasks]
    missing = [i for i, r in enumerate(flat) if r is None]

    def keep(position: int, summary: RunSummary) -> None:
        if store is not None:
            store.save(tasks[missing[position]], summary)

    fresh = run_tasks(
        run_task,
        [tasks[i] for i in missing],
        jobs=execution.jobs,
        progress=execution.progress,
        backend=execution.backend,
        scheduler=execution.scheduler,
        on_result=keep,
    )
    for i, summary in zip(missing, fresh, strict=True):
        flat[i] = summary
    n = len(indices)
    return [flat[k * n : (k + 1) * n] for k in range(len(scenarios))]  # type: ignore[misc]


def replicate(
    scenario: Scenario,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    horizon_days: float | None = None,
    precision: float | None = None,
    metric: str = "active_at_horizon",
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    execution: Execution | None = None,
    **deprecated: Any,
) -> ReplicationResult:
    """Run ``scenario`` ``replications`` times on streams spawned from ``seed``.

    With ``precision``, the run is sized in two stages (Stein 1945): a first stage of
    ``replications`` (at least 10, so the spread is known well enough), then as many as the
    first stage's spread says the 95% interval of ``metric`` needs for a half-width of
    ``precision``, at most ``max_replications``. Stopping when an interval first looks narrow
    enough would cover less often than it says.
    ``execution`` says how the replications run (see :class:`~truthsim.experiments.Execution`):
    worker processes, or a Dask cluster; the result is identical for any of them. Its
    ``checkpoints`` keep each finished replication in that folder so an interrupted run can
    resume; ``allow_large`` lifts the size limits (see :mod:`truthsim.experiments.limits`).
    ``jobs`` and the keywords named for Execution's fields are deprecated.
    """
    execution = execution_of("replicate", execution, deprecated, jobs=jobs)
    check_metric(metric)
    planned = check_plan(replications, precision, max_replications)
    check_size(1, planned, execution.allow_large, "scenarios")
    root = scenario.seed if seed is None else seed
    first = replications
    if precision is not None:
        first = min(max(replications, MIN_FIRST_STAGE), max_replications)
    runs = run_replications([scenario], root, range(first), execution, horizon_days)[0]
    if precision is None:
        return ReplicationResult(scenario.name, root, runs)
    values = ReplicationResult(scenario.name, root, runs).values(metric)
    _check_defined(metric, values)
    needed = min(stein_replications(values, precision, CONFIDENCE), max_replications)
    runs += run_replications([scenario], root, range(first, needed), execution, horizon_days)[0]
    result = ReplicationResult(scenario.name, root, runs, (metric, first))
    _check_defined(metric, result.values(metric))
    return result


def _check_defined(metric: str, values: np.ndarray) -> None:
    """A run sized for a metric needs it in every replication (a ratio without customers is not)."""
    undefined = int(np.count_nonzero(~np.isfinite(values)))
    if undefined:
        raise ExperimentError(
            f"{metric} is undefined in {undefined} of {len(values)} replications (e.g. a share "
            "of no customers), so no precision can be reached for it; size the run for "
            "another metric, or give a longer horizon"
        )


def check_metric(metric: str) -> None:
    """An ExperimentError, with a suggestion, for a metric that is not a headline metric."""
    if metric not in METRICS:
        raise ExperimentError(
            f"unknown metric '{metric}'{suggest(metric, METRICS)} (metrics: {', '.join(METRICS)})"
        )


def check_plan(replications: int, precision: float | None, max_replications: int) -> int:
    """Check the replication options; the most replications the run may use."""
    check_number("replications", replications, 1)
    if precision is None:
        return replications
    check_number("precision", precision, 0.0)
    if precision <= 0:
        raise ExperimentError(f"precision must be above 0, not {precision:g}")
    check_number("max_replications", max_replications, max(replications, 2))  # a spread needs 2
    return max_replications
