"""A what-if sized for precision: a two-stage procedure runs as many replications as make every
interval of the objective's gain ``precision`` wide (wider only when the replications prove
more variable than the first stage; see :func:`~truthsim.experiments.stats.stein_estimate`).

For when the question is how large each gain is, not only which is largest: the first stage's
spread of each paired difference says how many replications the stated width needs, and the
best is then chosen by multiple comparisons with the best on them.
"""

from __future__ import annotations

from collections.abc import Sequence

from truthsim.experiments.backends import Execution
from truthsim.experiments.compare import Comparison
from truthsim.experiments.comparing import WhatIf, begin_staged, named
from truthsim.experiments.criteria import Criteria
from truthsim.experiments.selection import DEFAULT_MAX_REPLICATIONS, MIN_FIRST_STAGE
from truthsim.experiments.stats import stein_replications
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.scenario.schema import Scenario


def compare_to_precision(
    scenario: Scenario,
    precision: float,
    improvements: Sequence[str] | None = None,
    seed: int | None = None,
    *,
    combinations: int = 1,
    first_stage: int = MIN_FIRST_STAGE,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    criteria: Criteria | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
) -> Comparison:
    """The baseline and each improvement, run until every interval of the objective's gain is
    ``precision`` wide (half-width), at most ``max_replications`` per variant.

    ``first_stage`` replications of every variant measure the spread the second stage is sized
    from. ``improvements``, ``combinations`` and ``parameter_uncertainty`` as for
    :func:`~truthsim.experiments.compare_fixed`.
    """
    whatif = begin_staged(
        "compare_to_precision",
        scenario,
        lambda s, large: named(s, improvements, combinations, large),
        criteria=criteria,
        execution=execution,
        seed=seed,
        uncertainty=parameter_uncertainty,
        first_stage=first_stage,
        max_replications=max_replications,
    )
    return to_precision(whatif, precision, first_stage, max_replications)


def to_precision(
    whatif: WhatIf, precision: float, first_stage: int, max_replications: int
) -> Comparison:
    """The second stage on a what-if whose first stage has run, and the answer."""
    pool, objective = whatif.pool, whatif.criteria.objective
    values = pool.values(objective, whatif.costs_all)
    level = whatif.level
    needed = max(
        [first_stage]
        + [
            stein_replications(values[v][:first_stage] - values[0][:first_stage], precision, level)
            for v in range(1, len(values))
        ]
    )
    pool.extend(range(len(pool.names)), min(needed, max_replications))
    return whatif.answer(
        "precision",
        whatif.by_mcb(),
        two_stage=(objective, first_stage),
        first_stage=first_stage,
        max_replications=max_replications,
        precision=precision,
    )
