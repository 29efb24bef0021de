"""Which variants a what-if simulates: single improvements, combinations, or sets within a budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.limits import check_size
from truthsim.experiments.value import improvement_cost
from truthsim.scenario.errors import suggest
from truthsim.scenario.model import Scenario

#: a budget chooses among every subset of the improvements: keep that enumeration small
MAX_BUDGET_IMPROVEMENTS = 16


def variants_of(
    scenario: Scenario,
    only: Sequence[str] | None = None,
    combinations: int = 1,
    allow_large: bool = False,
) -> list[tuple[str, tuple[str, ...]]]:
    """(name, improvements) for each single improvement and, up to ``combinations``, each set."""
    if combinations not in (1, 2, 3):
        raise ExperimentError(f"combinations must be 1, 2 or 3, not {combinations!r}")
    names = _chosen(scenario, only)
    count = sum(math.comb(len(names), k) for k in range(1, combinations + 1))
    check_size(count, 1, allow_large, "improvement variants")
    out = []
    for size in range(1, combinations + 1):
        for combo in itertools.combinations(names, size):
            out.append((" + ".join(combo), combo))
    return out


def budget_sets(
    scenario: Scenario, only: Sequence[str] | None, budget: float
) -> list[tuple[str, tuple[str, ...]]]:
    """Sets of improvements whose cost fits ``budget`` and that cannot take another one.

    Costs as in the ranked table (discounted over the counted days). Interactions between
    improvements are why the sets are simulated rather than their effects added up.
    """
    if budget < 0:
        raise ExperimentError(f"a budget cannot be negative ({budget:g})")
    names = _chosen(scenario, only)
    if len(names) > MAX_BUDGET_IMPROVEMENTS:
        raise ExperimentError(
            f"--budget chooses among every set of the improvements; {len(names)} make too many "
            f"sets, pick at most {MAX_BUDGET_IMPROVEMENTS} with --only"
        )
    cost = {n: improvement_cost(scenario, n) for n in names}
    fits = [
        combo
        for size in range(1, len(names) + 1)
        for combo in itertools.combinations(names, size)
        if sum(cost[n] for n in combo) <= budget
    ]
    full = [
        combo
        for combo in fits
        if not any(
            n not in combo and sum(cost[m] for m in combo) + cost[n] <= budget for n in names
        )
    ]
    return [(" + ".join(combo), combo) for combo in full]


def _chosen(scenario: Scenario, only: Sequence[str] | None) -> list[str]:
    names = list(scenario.improvements)
    if only:
        unknown = [n for n in only if n not in scenario.improvements]
        if unknown:
            hints = "".join(suggest(n, names) for n in unknown)
            raise ExperimentError(
                f"no improvement {', '.join(unknown)}{hints} (there are: {', '.join(names)})"
            )
        names = [n for n in names if n in only]
    return names
