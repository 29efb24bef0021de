"""What-ifs that choose the best one replication at a time: Kim and Nelson's fully sequential
procedure (see :func:`~truthsim.experiments.selection.kn`), among the named improvements or
among every set of them that fits a budget.

A variant stops getting replications as soon as it is clearly worse than another, so when one
variant leads by much more than the indifference zone the answer usually costs fewer than a
fixed design with the same guarantee (``kn_fixed_equivalent`` says how many that would take);
a close one runs until ``max_replications``.
"""

from __future__ import annotations

from collections.abc import Sequence

from truthsim.experiments.backends import Execution
from truthsim.experiments.compare import Comparison
from truthsim.experiments.comparing import WhatIf, begin_staged, named, within_budget
from truthsim.experiments.criteria import Criteria
from truthsim.experiments.selection import DEFAULT_MAX_REPLICATIONS, MIN_FIRST_STAGE, SCREEN
from truthsim.experiments.two_stage import to_precision
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.scenario.schema import Scenario


def select_best(
    scenario: Scenario,
    improvements: Sequence[str] | None = None,
    seed: int | None = None,
    *,
    combinations: int = 1,
    first_stage: int = MIN_FIRST_STAGE,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    screen: int = SCREEN,
    criteria: Criteria | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
) -> Comparison:
    """The best of the baseline and each improvement, to within the criteria's ``delta`` at
    their confidence, by the fully sequential procedure.

    Every variant gets ``screen`` replications, and a screen drops those far behind another
    (``screen=0``: none); the survivors get ``first_stage`` replications, then those still in
    contention are examined one replication at a time (run in batches sized to the workers,
    see :func:`~truthsim.experiments.pool.by_kn`), until one is left or ``max_replications`` is
    reached. ``improvements``, ``combinations`` and ``parameter_uncertainty`` as for
    :func:`~truthsim.experiments.compare_fixed`.
    """
    whatif = begin_staged(
        "select_best",
        scenario,
        lambda s, large: named(s, improvements, combinations, large),
        criteria=criteria,
        execution=execution,
        seed=seed,
        uncertainty=parameter_uncertainty,
        first_stage=first_stage,
        max_replications=max_replications,
        screen=screen,
        run_ahead=True,
    )
    return _by_kn(whatif, first_stage, max_replications, screen)


def best_within_budget(
    scenario: Scenario,
    budget: float | None = None,
    budget_per_year: float | None = None,
    improvements: Sequence[str] | None = None,
    seed: int | None = None,
    *,
    precision: float | None = None,
    first_stage: int = MIN_FIRST_STAGE,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    screen: int = SCREEN,
    criteria: Criteria | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
) -> Comparison:
    """The best of every set of improvements whose costs fit ``budget`` (one-off) and
    ``budget_per_year`` (running costs, a year's, staffed hours included), single ones and doing
    nothing included; an omitted part of the budget is zero.

    Chosen by the fully sequential procedure, as :func:`select_best`; with ``precision``, by
    the two-stage procedure of :func:`~truthsim.experiments.compare_to_precision` instead (no
    screen).
    ``improvements`` limits the sets to those names.
    """
    whatif = begin_staged(
        "best_within_budget",
        scenario,
        lambda s, _: within_budget(s, improvements, budget, budget_per_year),
        criteria=criteria,
        execution=execution,
        seed=seed,
        uncertainty=parameter_uncertainty,
        first_stage=first_stage,
        max_replications=max_replications,
        screen=0 if precision is not None else screen,
        run_ahead=precision is None,
    )
    if precision is None:
        return _by_kn(whatif, first_stage, max_replications, screen)
    return to_precision(whatif, precision, first_stage, max_replications)


def _by_kn(whatif: WhatIf, first_stage: int, max_replications: int, screen: int) -> Comparison:
    """The screen and the fully sequential procedure after it, and the answer."""
    return whatif.answer(
        "budget" if whatif.candidates.budgeted else "select",
        whatif.by_kn(first_stage, max_replications, screen),
        first_stage=first_stage,
        max_replications=max_replications,
        screen=screen,
    )
