"""Running a what-if: which variants to simulate, how many replications, and which is best.

The statistics live in pure functions (``selection``, ``stats``); this module only runs batches
of simulations on common random numbers and hands the per-replication values to them:

- fixed: ``replications`` for every variant; the best from multiple comparisons with the best.
- select: Kim and Nelson's fully sequential procedure, one replication at a time for the
  variants still in contention, until one is left or ``max_replications`` is reached.
- precision: a two-stage procedure sizes the run so every interval of the objective's gain is
  ``precision`` wide (wider only when the replications prove more variable than the first
  stage; see :func:`~truthsim.experiments.stats.stein_estimate`).
- budget: the same selection among every set of improvements that fits a budget (single ones
  and doing nothing included).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from truthsim.experiments.backends import Backend, Execution, Progress
from truthsim.experiments.candidates import Budget, beyond_budget, budget_sets, variants_of
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.compare import BASELINE, Comparison, VariantResult
from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.limits import check_size
from truthsim.experiments.pool import Pool, by_kn, by_mcb
from truthsim.experiments.progress import Cumulative
from truthsim.experiments.replication import ReplicationResult
from truthsim.experiments.robustness import periods, robustness
from truthsim.experiments.selection import MIN_FIRST_STAGE
from truthsim.experiments.spread import parameter_spread
from truthsim.experiments.stats import simultaneous, stein_replications
from truthsim.experiments.uncertainty import Changes, ParameterUncertainty
from truthsim.experiments.valuation import (
    OBJECTIVES,
    WORDS,
    Objective,
    default_delta,
    objective_values,
    set_cost,
    valuation,
)
from truthsim.scenario.errors import ScenarioError, suggest
from truthsim.scenario.patch import apply_changes, with_horizon
from truthsim.scenario.schema import Scenario


def compare(
    scenario: Scenario,
    improvements: Sequence[str] | None = None,
    replications: int = 10,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    combinations: int = 1,
    horizon_days: float | None = None,
    select: bool = False,
    objective: Objective = "customers",
    delta: float | None = None,
    confidence: float = 0.95,
    first_stage: int = MIN_FIRST_STAGE,
    max_replications: int = 200,
    precision: float | None = None,
    budget: float | None = None,
    budget_per_year: float | None = None,
    power: float = 0.8,
    discount_rate: float | None = None,
    terminal_value: bool | None = None,
    progress: Progress | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    checkpoints: Path | Checkpoints | None = None,
    allow_large: bool = False,
    parameter_uncertainty: ParameterUncertainty | None = None,
) -> Comparison:
    """Run the baseline and each improvement on common random numbers, rank them, choose the best.

    ``improvements`` limits the run to those names; ``combinations=2`` adds every pair.
    ``objective`` (customers, net_value or revenue) is what is ranked and selected; the best for
    customers and for net value are always chosen too. ``delta`` is the smallest difference in
    the objective worth telling apart (default from the scenario, see
    :func:`~truthsim.experiments.valuation.default_delta`). ``confidence`` is the joint confidence
    of everything the answer states: the table's intervals of customers kept and of net value,
    and each selection, every one of these families at ``1 - (1 - confidence) / families``.
    With ``select`` the fully sequential procedure decides how many replications each variant
    gets (first stage ``first_stage``, at most ``max_replications``); with ``precision`` a
    two-stage procedure sizes the run for intervals of the objective's gain that wide; with
    ``budget`` (one-off) and ``budget_per_year`` (running costs, a year's) the candidates are
    every set of improvements whose costs fit both, single ones and doing nothing included (an
    omitted part of the budget is zero). Otherwise every variant gets ``replications``.

    Money is counted over the planning period, the horizon after any warm-up (see
    :mod:`~truthsim.experiments.valuation`); ``discount_rate`` and ``terminal_value`` override the
    scenario's ``value`` section. ``backend``, ``scheduler``, ``checkpoints`` and
    ``allow_large`` as for :func:`~truthsim.experiments.replicate`. With
    ``parameter_uncertainty``, each replication draws the calibrated parameters (common to every
    variant of that replication, so comparisons stay paired).
    """
    _check(objective, confidence, first_stage, max_replications, power, replications, select)
    scenario = _as_valued(scenario, horizon_days, discount_rate, terminal_value)
    if budget is not None or budget_per_year is not None:
        limit = Budget(budget or 0.0, budget_per_year or 0.0)
        chosen = budget_sets(scenario, improvements, limit)
        select = True
    else:
        limit = None
        chosen = variants_of(scenario, improvements, combinations, allow_large)
    sequential = select or precision is not None
    check_size(len(chosen) + 1, max_replications if sequential else replications, allow_large)
    yearly = [set_cost(scenario, combo) for _, combo in chosen]
    plain = valuation(scenario, [])  # the period and the rate (costs need no terminal value)
    costs = [plain.cost(one_off, per_year) for one_off, per_year in yearly]
    objectives: list[Objective] = list(dict.fromkeys([objective, "customers", "net_value"]))
    # the table's two families of intervals (customers kept, net value) and one per selection
    families = 2 + len(objectives)
    each = simultaneous(confidence, families)
    deltas = {o: default_delta(scenario, o) for o in objectives}
    if delta is not None:
        if not delta > 0:
            raise ExperimentError(f"delta must be positive, not {delta:g}")
        deltas[objective] = float(delta)
    root = scenario.seed if seed is None else seed
    if sequential and callable(progress):
        progress = Cumulative(progress)  # one count across the steps, not one per step
    pool = Pool(
        [scenario, *(_apply_in_turn(scenario, combo) for _, combo in chosen)],
        [BASELINE, *(name for name, _ in chosen)],
        root,
        Execution(jobs, backend, scheduler, checkpoints, progress, allow_large),
        parameter_uncertainty,
        [(), *(_changes_of(scenario, combo) for _, combo in chosen)],
    )
    first = first_stage if sequential else replications
    pool.extend(range(len(pool.names)), first)
    # a terminal value is estimated from the first replications, the same for every variant
    value = pool.value = valuation(scenario, pool.runs[0][:first])
    costs_all = [0.0, *costs]
    two_stage: tuple[str, int] | None = None
    if precision is not None:
        procedure = "precision"
        two_stage = (objective, first_stage)
        level = simultaneous(each, max(1, len(chosen)))
        values = pool.values(objective, costs_all)
        needed = max(
            [first_stage]
            + [
                stein_replications(
                    values[v][:first_stage] - values[0][:first_stage], precision, level
                )
                for v in range(1, len(values))
            ]
        )
        pool.extend(range(len(pool.names)), min(needed, max_replications))
        selections = {o: by_mcb(pool, o, costs_all, deltas[o], each, power) for o in objectives}
    elif select:
        procedure = "budget" if limit is not None else "select"
        selections = by_kn(pool, objectives, costs_all, deltas, each, first_stage, max_replications)
    else:
        procedure = "fixed"
        selections = {o: by_mcb(pool, o, costs_all, deltas[o], each, power) for o in objectives}
    level = simultaneous(each, max(1, len(chosen)))
    variants = [
        VariantResult(
            name,
            " + ".join(scenario.improvements[n].description or n for n in combo),
            combo,
            cost,
            pool.runs[k + 1],
            pool.runs[0],
            value,
            level,
            two_stage,
            one_off,
            per_year,
        )
        for k, ((name, combo), cost, (one_off, per_year)) in enumerate(
            zip(chosen, costs, yearly, strict=True)
        )
    ]
    cells = robustness(scenario, pool.names, pool.runs, yearly, first)
    return Comparison(
        scenario.name,
        root,
        scenario.horizon_days,
        scenario.currency,
        ReplicationResult(scenario.name, root, pool.runs[0]),
        variants,
        objective=objective,
        confidence=confidence,
        selections=selections,
        procedure=procedure,
        power=power,
        value={
            **value.to_dict(),
            "warmup_days": scenario.warmup_days,
            "families": families,
            "family_confidence": each,
            "baseline_revenue": float(
                np.mean(objective_values(pool.runs[0], "revenue", 0.0, value))
            ),
            "robustness": [c.to_dict() for c in cells],
            "years_not_simulated": periods(scenario)[1],
            "beyond_budget": {} if limit is None else beyond_budget(scenario, improvements, limit),
            "parameters": None
            if parameter_uncertainty is None
            else {
                "source": parameter_uncertainty.describe(),
                **{
                    o: parameter_spread(pool.names, pool.values(o, costs_all), WORDS[o])
                    for o in objectives
                },
            },
        },
        budget=budget,
        budget_per_year=budget_per_year,
        precision=precision,
        first_stage=None if procedure == "fixed" else first_stage,
        max_replications=None if procedure == "fixed" else max_replications,
    )


def _as_valued(
    scenario: Scenario,
    horizon_days: float | None,
    discount_rate: float | None,
    terminal_value: bool | None,
) -> Scenario:
    """The scenario with any horizon and value options applied (validated like a file)."""
    if horizon_days is not None:
        scenario = with_horizon(scenario, horizon_days)
    changes: dict[str, float | bool] = {}
    if discount_rate is not None:
        changes["value.discount_rate"] = float(discount_rate)
    if terminal_value is not None:
        changes["value.terminal_value"] = bool(terminal_value)
    if not changes:
        return scenario
    try:
        return apply_changes(scenario, {p: {"set": v} for p, v in changes.items()})
    except ScenarioError as error:
        raise ExperimentError("; ".join(p.message for p in error.problems)) from None


def _changes_of(scenario: Scenario, combo: Sequence[str]) -> Changes:
    """(path, change) of each named improvement, in the order they are applied."""
    return [p for name in combo for p in scenario.improvements[name].changes.items()]


def _apply_in_turn(scenario: Scenario, combo: Sequence[str]) -> Scenario:
    """The scenario with each named improvement applied, in order."""
    for name in combo:
        scenario = apply_changes(scenario, scenario.improvements[name].changes)
    return scenario


def _check(
    objective: str,
    confidence: float,
    first_stage: int,
    max_replications: int,
    power: float,
    replications: int,
    select: bool,
) -> None:
    if objective not in OBJECTIVES:
        raise ExperimentError(
            f"unknown objective '{objective}'{suggest(objective, list(OBJECTIVES))}; "
            f"choose one of {', '.join(OBJECTIVES)}"
        )
    if not 0.5 <= confidence < 1:
        raise ExperimentError(f"confidence must be at least 0.5 and below 1, not {confidence:g}")
    if first_stage < MIN_FIRST_STAGE:
        raise ExperimentError(
            f"the first stage needs at least {MIN_FIRST_STAGE} replications, not {first_stage}"
        )
    if max_replications < first_stage:
        raise ExperimentError(
            f"max_replications ({max_replications}) must be at least the first stage ({first_stage})"
        )
    if not 0 < power < 1:
        raise ExperimentError(f"power must be between 0 and 1, not {power:g}")
    if not select and replications < 1:
        raise ExperimentError(f"replications must be at least 1, not {replications}")
