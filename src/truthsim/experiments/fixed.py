"""A what-if on a fixed number of replications: every variant runs as often, and the best comes
from multiple comparisons with the best (Hsu's MCB, see :func:`~truthsim.experiments.selection.mcb`).

The plainest procedure: the run's size is known before it starts, which a budget of machine time
may need; its answer may be that no variant is separated yet, with the replications that would
separate the leading two.
"""

from __future__ import annotations

from collections.abc import Sequence

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution
from truthsim.experiments.compare import Comparison
from truthsim.experiments.comparing import WhatIf, named
from truthsim.experiments.criteria import Criteria
from truthsim.experiments.execution import execution_of
from truthsim.experiments.replication import DEFAULT_REPLICATIONS
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.scenario.schema import Scenario


def compare_fixed(
    scenario: Scenario,
    improvements: Sequence[str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    *,
    combinations: int = 1,
    criteria: Criteria | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
) -> Comparison:
    """The baseline and each improvement ``replications`` times on common random numbers,
    ranked, the best chosen by multiple comparisons with the best.

    ``improvements`` limits the run to those names (all by default); ``combinations=2`` adds
    every pair, 3 every triple. With ``parameter_uncertainty``, each replication draws the
    calibrated parameters (common to every variant of that replication, so comparisons stay
    paired).
    """
    criteria = criteria or Criteria()
    execution = execution_of("compare_fixed", execution, {})
    check_replications(replications)
    scenario = criteria.applied(scenario)
    candidates = named(scenario, improvements, combinations, execution.allow_large)
    whatif = WhatIf(
        scenario,
        candidates,
        criteria,
        seed,
        parameter_uncertainty,
        execution,
        first=replications,
        most=replications,
        sequential=False,
    )
    return whatif.answer("fixed", whatif.by_mcb())


def check_replications(replications: int) -> None:
    """At least one replication per variant."""
    if replications < 1:
        raise ExperimentError(f"replications must be at least 1, not {replications}")
