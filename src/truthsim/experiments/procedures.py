"""Running a what-if: which variants to simulate, how many replications, and which is best.

:func:`compare` takes every option of every procedure and hands them to the one asked for; each
procedure is also a function of its own, taking only what it uses:

- :func:`~truthsim.experiments.compare_fixed`: ``replications`` for every variant; the best
  from multiple comparisons with the best.
- :func:`~truthsim.experiments.select_best`: Kim and Nelson's fully sequential procedure, one
  replication at a time for the variants still in contention, until one is left or
  ``max_replications`` is reached.
- :func:`~truthsim.experiments.compare_to_precision`: a two-stage procedure sizes the run so
  every interval of the objective's gain is ``precision`` wide.
- :func:`~truthsim.experiments.best_within_budget`: the same selection among every set of
  improvements that fits a budget (single ones and doing nothing included).

What they share, the objective and how sure the answer must be and the money terms, is one
:class:`~truthsim.experiments.Criteria`; how the replications run is one
:class:`~truthsim.experiments.Execution`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truthsim.experiments.backends import Execution
from truthsim.experiments.compare import Comparison
from truthsim.experiments.criteria import Criteria, check_stages
from truthsim.experiments.execution import execution_of
from truthsim.experiments.fixed import check_replications, compare_fixed
from truthsim.experiments.replication import DEFAULT_REPLICATIONS
from truthsim.experiments.selection import DEFAULT_MAX_REPLICATIONS, MIN_FIRST_STAGE, SCREEN
from truthsim.experiments.sequential import best_within_budget, select_best
from truthsim.experiments.two_stage import compare_to_precision
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.experiments.valuation import Objective
from truthsim.scenario.schema import Scenario


def compare(
    scenario: Scenario,
    improvements: Sequence[str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
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
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    screen: int = SCREEN,
    precision: float | None = None,
    budget: float | None = None,
    budget_per_year: float | None = None,
    power: float = 0.8,
    discount_rate: float | None = None,
    terminal_value: bool | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
    **deprecated: Any,
) -> Comparison:
    """Run the baseline and each improvement on common random numbers, rank them, choose the best.

    ``improvements`` limits the run to those names; ``combinations=2`` adds every pair.
    ``objective`` (customers, net_value or revenue) is what is ranked and selected; the best for
    customers and for net value are always chosen too. ``delta`` is the smallest difference in
    the objective worth telling apart (default from the scenario, see
    :func:`~truthsim.experiments.valuation.default_delta`). ``confidence`` is the joint confidence
    of everything the answer states: the table's intervals of customers kept and of net value,
    and each selection, every one of these families at ``1 - (1 - confidence) / families``.
    With ``budget`` (one-off) and ``budget_per_year`` (running costs, a year's) the candidates are
    every set of improvements whose costs fit both, single ones and doing nothing included (an
    omitted part of the budget is zero), chosen as with ``select`` (or to ``precision``); with
    ``precision`` a two-stage procedure sizes the run for intervals of the objective's gain that
    wide; with ``select`` the fully sequential procedure decides how many replications each
    variant gets (a screen of ``screen`` replications each, 0 for none, then a first stage of
    ``first_stage`` for the survivors, at most ``max_replications``). Otherwise every variant
    gets ``replications``.

    Money is counted over the planning period, the horizon after any warm-up (see
    :mod:`~truthsim.experiments.valuation`); ``discount_rate`` and ``terminal_value`` override the
    scenario's ``value`` section. ``execution`` says how the replications run (see
    :class:`~truthsim.experiments.Execution`); ``jobs``, ``progress``, ``backend``,
    ``scheduler``, ``checkpoints`` and ``allow_large`` are its fields' old keywords, deprecated.
    With ``parameter_uncertainty``, each replication draws the calibrated parameters (common to
    every variant of that replication, so comparisons stay paired).
    """
    execution = execution_of("compare", execution, deprecated, jobs=jobs)
    criteria = Criteria(
        objective, delta, confidence, power, horizon_days, discount_rate, terminal_value
    )
    check_stages(first_stage, max_replications, screen)
    if not select:
        check_replications(replications)
    shared: dict[str, Any] = {
        "seed": seed,
        "criteria": criteria,
        "parameter_uncertainty": parameter_uncertainty,
        "execution": execution,
    }
    stages = {"first_stage": first_stage, "max_replications": max_replications}
    if budget is not None or budget_per_year is not None:
        return best_within_budget(
            scenario,
            budget,
            budget_per_year,
            improvements,
            precision=precision,
            screen=screen,
            **stages,
            **shared,
        )
    if precision is not None:
        return compare_to_precision(
            scenario, precision, improvements, combinations=combinations, **stages, **shared
        )
    if select:
        return select_best(
            scenario, improvements, combinations=combinations, screen=screen, **stages, **shared
        )
    return compare_fixed(scenario, improvements, replications, combinations=combinations, **shared)
