"""Which variants a what-if simulates: single improvements, combinations, or sets within a budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from truthsim.errors import ExperimentError
from truthsim.experiments.limits import check_size
from truthsim.experiments.valuation import yearly_cost
from truthsim.scenario.errors import suggest
from truthsim.scenario.schema import Scenario

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


@dataclass(frozen=True)
class Budget:
    """A budget as a budget holder writes it: a one-off amount and a year's amount for running
    costs (staffed hours included)."""

    one_off: float = 0.0
    per_year: float = 0.0

    def fits(self, one_off: float, per_year: float) -> bool:
        return one_off <= self.one_off and per_year <= self.per_year


def budget_sets(
    scenario: Scenario, only: Sequence[str] | None, budget: Budget
) -> list[tuple[str, tuple[str, ...]]]:
    """Every set of improvements whose costs fit ``budget``, single improvements included (and
    doing nothing: the baseline, always simulated beside them).

    A set that could still take another improvement is a candidate too: the other one may do
    nothing for the objective, or cost more than it brings. Interactions between improvements
    are why the sets are simulated rather than their effects added up.
    """
    for part, amount in (("budget", budget.one_off), ("budget per year", budget.per_year)):
        if amount < 0:
            raise ExperimentError(f"a {part} cannot be negative ({amount:g})")
    names = _chosen(scenario, only)
    if len(names) > MAX_BUDGET_IMPROVEMENTS:
        raise ExperimentError(
            f"--budget chooses among every set of the improvements; {len(names)} make too many "
            f"sets, pick at most {MAX_BUDGET_IMPROVEMENTS} with --only"
        )
    cost = {n: yearly_cost(scenario, n) for n in names}
    fits = [
        combo
        for size in range(1, len(names) + 1)
        for combo in itertools.combinations(names, size)
        if budget.fits(sum(cost[n][0] for n in combo), sum(cost[n][1] for n in combo))
    ]
    if not fits:
        cheapest = min(names, key=lambda n: cost[n], default=None)
        hint = (
            ""
            if cheapest is None
            else f"; the cheapest, {cheapest}, costs {cost[cheapest][0]:,.0f} one-off and "
            f"{cost[cheapest][1]:,.0f} a year (--budget, --budget-per-year)"
        )
        raise ExperimentError(f"no improvement fits the budget{hint}")
    return [(" + ".join(combo), combo) for combo in fits]


def beyond_budget(
    scenario: Scenario, only: Sequence[str] | None, budget: Budget
) -> dict[str, list[float]]:
    """Improvements that do not fit the budget on their own: [one-off, a year's running cost]."""
    costs = {n: yearly_cost(scenario, n) for n in _chosen(scenario, only)}
    return {n: list(c) for n, c in costs.items() if not budget.fits(*c)}


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
