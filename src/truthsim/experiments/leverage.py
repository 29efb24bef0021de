"""The leverage map: what each moment's outcomes, waits and staff are worth, before anyone writes
an improvement.

For every touchpoint: customers kept at the period's end and discounted revenue per 10 points of
magic (from mediocrity), per 10 points of misery avoided (to mediocrity), per minute of wait
tolerated, per minute of service time and per server (all day, and at the peak hours).

Two methods, each where it holds. The outcome-rule levers are likelihood-ratio derivatives from
the baseline's own replications (:mod:`truthsim.experiments.leverage_score`): all of them at once
for the cost of the baseline. Staffing and service time change queues, which have no score, so
they are finite differences on common random numbers (one scenario variant each, paired with the
baseline replication by replication). With ``check``, the outcome-rule levers are also measured
by finite differences over their step, and each difference is set against the mean of the
derivatives at the step's two ends (the secant is the mean slope). The derivative holds the
queues and the market as they are; the difference lets them answer the customers kept, and on
busy queues it is the smaller (``benchmarks/leverage.py``). Every interval of a map and every
leader it names hold jointly (Bonferroni).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution, run_tasks
from truthsim.experiments.execution import WITHOUT_CHECKPOINTS, execution_of
from truthsim.experiments.leverage_result import Claim, LeverageResult, LeverRow
from truthsim.experiments.leverage_score import lever_sums
from truthsim.experiments.levers import Lever, levers
from truthsim.experiments.limits import check_number, check_size
from truthsim.experiments.replication import (
    DEFAULT_REPLICATIONS,
    RunSummary,
    Task,
    shared_base,
    simulate_task,
    summarise,
)
from truthsim.experiments.stats import CONFIDENCE, estimate, simultaneous
from truthsim.experiments.valuation import Valuation, annuity, valuation
from truthsim.scenario.errors import ScenarioError, suggest
from truthsim.scenario.limits import run_size_problems
from truthsim.scenario.patch import apply_changes, with_horizon
from truthsim.scenario.schema import Scenario

#: replications of each staffing and service-time variant when none are asked for: with the
#: baseline's ten, the airline's map costs about what a what-if's first stage does
DEFAULT_DIFFERENCE_REPLICATIONS = 4
#: the lever kinds whose leader the map names (which moment, which desk)
CLAIMED = ("magic", "misery", "servers")


@dataclass(frozen=True)
class ScoreTask:
    """A baseline replication and the levers whose scores it measures."""

    task: Task
    levers: tuple[Lever, ...]
    rate: float


def run_score_task(job: ScoreTask) -> tuple[RunSummary, np.ndarray]:
    """Simulate one baseline replication; its summary and the levers' score sums."""
    result = simulate_task(job.task)
    return summarise(result), lever_sums(job.task.scenario, result, job.levers, job.rate)


def leverage(
    scenario: Scenario,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    difference_replications: int = DEFAULT_DIFFERENCE_REPLICATIONS,
    touchpoints: Sequence[str] | None = None,
    check: bool = False,
    confidence: float = CONFIDENCE,
    horizon_days: float | None = None,
    execution: Execution | None = None,
    **deprecated: Any,
) -> LeverageResult:
    """The leverage map of ``scenario``: every lever of every touchpoint, ranked by customers
    kept, with intervals that hold jointly at ``confidence``.

    ``replications`` baseline replications give every outcome-rule lever (and pair with the
    variants); ``difference_replications`` (at most ``replications``) run each staffing and
    service-time variant. ``check`` also runs the outcome-rule levers as finite differences.
    ``execution`` as for :func:`~truthsim.experiments.replicate`, without checkpoints.
    """
    execution = execution_of("leverage", execution, deprecated, jobs=jobs, uses=WITHOUT_CHECKPOINTS)
    check_number("replications", replications, 2)
    check_number("difference_replications", difference_replications, 2)
    check_number("confidence", confidence, 0.5, 0.9999)
    difference_replications = min(difference_replications, replications)
    if horizon_days is not None:
        scenario = with_horizon(scenario, horizon_days)
    _check_touchpoints(scenario, touchpoints)
    root = scenario.seed if seed is None else seed
    problems = run_size_problems(scenario, execution.allow_large)
    if problems:
        raise ScenarioError(problems, file=scenario.name)
    names = list(touchpoints or scenario.touchpoints)
    scored = tuple(lever for lever in levers(scenario, None, names)[0] if lever.scored)
    done = _run(execution, scenario, [(scenario, scored, "baseline")], root, replications)[0]
    baseline = [summary for summary, _ in done]
    sums = np.array([s for _, s in done])  # (replications, scored levers, segments + 1)
    every, skipped = levers(scenario, _peak_hours(scenario, baseline), names)
    differenced = [lever for lever in every if not lever.scored or check]
    check_size(1 + len(differenced), replications, execution.allow_large, "lever variants")
    variants = [
        (
            apply_changes(scenario, dict(lever.changes)),
            (lever,) if lever.scored else (),
            lever.name,
        )
        for lever in differenced
    ]
    runs = dict(
        zip(
            [lever.name for lever in differenced],
            _run(execution, scenario, variants, root, difference_replications),
            strict=True,
        )
    )
    value = valuation(scenario, baseline)
    terminal = (
        np.zeros(len(scenario.segments)) if value.terminal is None else np.array(value.terminal)
    )
    comparisons = sum(max(0, sum(lever.kind == k for lever in every) - 1) for k in CLAIMED)
    # two intervals per lever; a check adds three statements per outcome lever (the
    # difference's interval, whether it agrees, whether the derivative curves)
    intervals = 2 * len(every) + (3 * len(scored) if check else 0) + comparisons
    each = simultaneous(confidence, intervals)

    def scored_values(per: np.ndarray, lever: Lever) -> tuple[np.ndarray, np.ndarray]:
        """(kept by segment, money) per replication from score sums (levers, segments + 1)."""
        segments = per[:, :-1] * lever.unit
        return segments, per[:, -1] * lever.unit + segments @ terminal * value.end_discount

    rows: list[LeverRow] = []
    for lever in every:
        if lever.scored:
            segments, money = scored_values(sums[:, scored.index(lever), :], lever)
        else:
            segments, money = _differences(runs[lever.name], baseline, value, lever)
        row = LeverRow(
            lever=lever,
            method="score" if lever.scored else "difference",
            kept=estimate(segments.sum(axis=1), each),
            value=estimate(money, each),
            by_segment=segments.mean(axis=0).tolist(),
            per_year=annuity(value.years, value.rate),
            values=segments.sum(axis=1),
            money_values=money,
            replications=replications if lever.scored else difference_replications,
        )
        if check and lever.scored:
            group = runs[lever.name]
            secant = _differences(group, baseline, value, lever)[0].sum(axis=1)
            at_step = scored_values(np.array([s[0] for _, s in group]), lever)[0].sum(axis=1)
            at_start = row.values[: len(secant)]
            row.difference = estimate(secant, each)
            row.at_step = estimate(at_step, each)
            # the secant is the slope's mean over the step: the trapezoid of the two ends
            row.agreement = estimate(secant - (at_start + at_step) / 2, each)
            row.curvature = estimate(at_step - at_start, each)
        rows.append(row)
    rows.sort(key=lambda r: (-r.kept.mean, r.lever.name))
    return LeverageResult(
        scenario_name=scenario.name,
        seed=root,
        replications=replications,
        difference_replications=difference_replications,
        confidence=confidence,
        horizon_days=scenario.horizon_days,
        currency=scenario.currency,
        segment_names=list(scenario.segments),
        rows=rows,
        claims=_claims(rows, each, confidence),
        skipped=skipped,
        baseline=_baseline_rows(scenario, baseline),
        journey_order=scenario.touchpoint_order(),
        planning_years=value.years,
        discount_rate=value.rate,
    )


def _run(
    execution: Execution,
    scenario: Scenario,
    variants: Sequence[tuple[Scenario, tuple[Lever, ...], str]],
    root: int,
    replications: int,
) -> list[list[tuple[RunSummary, np.ndarray]]]:
    """Each variant's replications 0..n-1 (with its levers' score sums), every one starting
    from the day-0 customers of ``scenario``: common random numbers throughout."""
    base = shared_base(scenario)
    rate = scenario.value.discount_rate
    tasks = [
        ScoreTask(Task(variant, root, i, label, execution.allow_large, base), chosen, rate)
        for variant, chosen, label in variants
        for i in range(replications)
    ]
    done = run_tasks(
        run_score_task,
        tasks,
        jobs=execution.jobs,
        progress=execution.progress,
        backend=execution.backend,
        scheduler=execution.scheduler,
    )
    return [done[k * replications : (k + 1) * replications] for k in range(len(variants))]


def _differences(
    group: list[tuple[RunSummary, np.ndarray]],
    baseline: list[RunSummary],
    value: Valuation,
    lever: Lever,
) -> tuple[np.ndarray, np.ndarray]:
    """Per replication, (kept by segment, revenue) of the variant minus the baseline, per unit."""
    scale = lever.unit / lever.step
    pairs = [(v, b) for (v, _), b in zip(group, baseline, strict=False)]
    last = value.days - 1
    segments = np.array(
        [(v.period.active[last] - b.period.active[last]) * scale for v, b in pairs], dtype=float
    )
    money = np.array([(value.revenue(v) - value.revenue(b)) * scale for v, b in pairs])
    return segments, money


def _claims(rows: list[LeverRow], each: float, confidence: float) -> list[Claim]:
    """For each kind the map names a leader of: the leader against every other lever of the
    kind, paired on the replications they share, each comparison at ``each`` (one family with
    the map's intervals, so everything the map states holds jointly at ``confidence``)."""
    claims = []
    for kind in CLAIMED:
        group = [r for r in rows if r.lever.kind == kind]
        if len(group) < 2:
            continue
        leader = group[0]
        close = []
        for other in group[1:]:
            n = min(len(leader.values), len(other.values))
            gap = estimate(leader.values[:n] - other.values[:n], each)
            if not gap.low > 0:
                close.append(other.lever.touchpoint)
        claims.append(Claim(kind, leader.lever.touchpoint, close, confidence))
    return claims


def _peak_hours(scenario: Scenario, runs: list[RunSummary]) -> dict[str, float]:
    """Each staffed touchpoint's busiest hour, the one most replications agree on."""
    hours: dict[str, list[float]] = {}
    for run in runs:
        for row in run.touchpoints:
            if row.get("peak_hour") is not None and scenario.touchpoints[row["touchpoint"]].servers:
                hours.setdefault(row["touchpoint"], []).append(float(row["peak_hour"]))
    return {k: float(np.bincount(np.array(v, dtype=int)).argmax()) for k, v in hours.items() if v}


def _baseline_rows(scenario: Scenario, runs: list[RunSummary]) -> list[dict[str, float | str]]:
    """Per touchpoint, the baseline's visits, outcome mix and churn caused, replication means."""
    out = []
    for name in scenario.touchpoints:
        rows = [r for run in runs for r in run.touchpoints if r["touchpoint"] == name]
        if not rows:
            continue
        mean = {
            k: float(np.mean([r[k] for r in rows]))
            for k in ("visits", "misery", "mediocrity", "magic", "churn_caused", "mean_wait")
        }
        out.append({"touchpoint": name, "label": scenario.touchpoints[name].title(name), **mean})
    return out


def _check_touchpoints(scenario: Scenario, touchpoints: Sequence[str] | None) -> None:
    for name in touchpoints or ():
        if name not in scenario.touchpoints:
            hint = suggest(name, list(scenario.touchpoints))
            raise ExperimentError(f"{scenario.name} has no touchpoint '{name}'{hint}")
