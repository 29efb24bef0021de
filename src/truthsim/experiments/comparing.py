"""A what-if under way: the variants on common random numbers, and the answer they make.

Every procedure runs the same way: the candidates are chosen, every variant gets a first batch
of replications on the same seeds as the baseline, the money terms are fixed from that batch,
and once the procedure has run as many more as it needs, the same answer is built from them.
Only the middle differs between procedures (see ``fixed``, ``sequential`` and ``two_stage``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution
from truthsim.experiments.candidates import Budget, beyond_budget, budget_sets, variants_of
from truthsim.experiments.compare import BASELINE, Comparison, Selection, VariantResult
from truthsim.experiments.criteria import Criteria, check_stages
from truthsim.experiments.execution import execution_of
from truthsim.experiments.limits import check_size
from truthsim.experiments.pool import Pool, by_kn, by_mcb
from truthsim.experiments.pool import run_ahead as ahead_of_first
from truthsim.experiments.progress import Cumulative
from truthsim.experiments.replication import ReplicationResult
from truthsim.experiments.robustness import periods, robustness
from truthsim.experiments.spread import parameter_spread
from truthsim.experiments.staff_split import staffing_splits
from truthsim.experiments.stats import simultaneous
from truthsim.experiments.uncertainty import Changes, ParameterUncertainty
from truthsim.experiments.valuation import (
    WORDS,
    Objective,
    default_delta,
    objective_values,
    set_cost,
    valuation,
)
from truthsim.scenario.patch import apply_changes
from truthsim.scenario.schema import Scenario

Named = list[tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Candidates:
    """The variants simulated beside the baseline: (name, improvements) each, and the budget
    that chose them, if one did."""

    chosen: Named
    budget: float | None = None  #: one-off, as given
    budget_per_year: float | None = None  #: running costs, a year's, as given
    #: improvements too dear on their own: [one-off, a year's running cost]
    beyond: dict[str, list[float]] = field(default_factory=dict)

    @property
    def budgeted(self) -> bool:
        return self.budget is not None or self.budget_per_year is not None


def named(
    scenario: Scenario, improvements: Sequence[str] | None, combinations: int, allow_large: bool
) -> Candidates:
    """The named improvements (all by default), each alone and, up to ``combinations``, in sets."""
    return Candidates(variants_of(scenario, improvements, combinations, allow_large))


def within_budget(
    scenario: Scenario,
    improvements: Sequence[str] | None,
    budget: float | None,
    budget_per_year: float | None,
) -> Candidates:
    """Every set of the improvements whose costs fit both parts of the budget (an omitted part
    is zero), single ones included; doing nothing is the baseline."""
    if budget is None and budget_per_year is None:
        raise ExperimentError("give a budget: one-off, per year, or both")
    limit = Budget(budget or 0.0, budget_per_year or 0.0)
    chosen = budget_sets(scenario, improvements, limit)
    return Candidates(chosen, budget, budget_per_year, beyond_budget(scenario, improvements, limit))


class WhatIf:
    """The baseline and the candidates on common random numbers, and what the answer needs to
    judge them: the costs, the objectives, the confidence of each family of statements."""

    def __init__(
        self,
        scenario: Scenario,
        candidates: Candidates,
        criteria: Criteria,
        seed: int | None,
        uncertainty: ParameterUncertainty | None,
        execution: Execution,
        *,
        first: int,
        most: int,
        sequential: bool,
        run_ahead: bool = False,
    ) -> None:
        """Run every variant's first ``first`` replications (at most ``most`` per variant in all);
        a ``sequential`` procedure counts its progress across its steps, as one run. With
        ``run_ahead`` (a procedure that sets aside what it does not examine, see pool.by_kn),
        the first stage's last wave of tasks is filled with the next replications of every
        variant, so no worker waits idle for the others."""
        chosen = candidates.chosen
        check_size(len(chosen) + 1, most, execution.allow_large)
        self.scenario, self.candidates, self.criteria = scenario, candidates, criteria
        self.uncertainty, self.first = uncertainty, first
        self.yearly = [set_cost(scenario, combo) for _, combo in chosen]
        plain = valuation(scenario, [])  # the period and the rate (costs need no terminal value)
        self.costs = [plain.cost(one_off, per_year) for one_off, per_year in self.yearly]
        objective = criteria.objective
        self.objectives: list[Objective] = list(
            dict.fromkeys([objective, "customers", "net_value"])
        )
        # the table's two families of intervals (customers kept, net value) and one per selection
        self.families = 2 + len(self.objectives)
        self.each = simultaneous(criteria.confidence, self.families)
        self.deltas = {o: default_delta(scenario, o) for o in self.objectives}
        if criteria.delta is not None:
            self.deltas[objective] = float(criteria.delta)
        self.root = scenario.seed if seed is None else seed
        if sequential and callable(execution.progress):
            # one count across the steps, not one per step
            execution = replace(execution, progress=Cumulative(execution.progress))
        self.pool = Pool(
            [scenario, *(_apply_in_turn(scenario, combo) for _, combo in chosen)],
            [BASELINE, *(name for name, _ in chosen)],
            self.root,
            execution,
            uncertainty,
            [(), *(_changes_of(scenario, combo) for _, combo in chosen)],
        )
        k = len(self.pool.names)
        ahead = ahead_of_first(k, first, execution.workers()) if run_ahead else 0
        self.pool.extend(range(k), min(most, first + ahead))
        # a terminal value is estimated from the first replications, the same for every variant
        self.value = self.pool.value = valuation(scenario, self.pool.runs[0][:first])

    @property
    def costs_all(self) -> list[float]:
        """Each variant's cost, the baseline's (nothing) first."""
        return [0.0, *self.costs]

    @property
    def level(self) -> float:
        """The confidence of each interval of one family (Bonferroni over its variants)."""
        return simultaneous(self.each, max(1, len(self.candidates.chosen)))

    def by_mcb(self) -> dict[str, Selection]:
        """Each objective's best by multiple comparisons with the best, on the replications run."""
        c = self.criteria
        costs = self.costs_all
        return {
            o: by_mcb(self.pool, o, costs, self.deltas[o], self.each, c.power)
            for o in self.objectives
        }

    def by_kn(
        self, first_stage: int, max_replications: int, screen: int = 0
    ) -> dict[str, Selection]:
        """Each objective's best by the fully sequential procedure (after a screen of ``screen``
        replications each, if any), running what it asks for."""
        return by_kn(
            self.pool,
            self.objectives,
            self.costs_all,
            self.deltas,
            self.each,
            first_stage,
            max_replications,
            self.pool.execution.workers(),
            screen,
        )

    def answer(
        self,
        procedure: str,
        selections: dict[str, Selection],
        *,
        two_stage: tuple[str, int] | None = None,
        first_stage: int | None = None,
        max_replications: int | None = None,
        precision: float | None = None,
        screen: int | None = None,
    ) -> Comparison:
        """The comparison: every variant against the baseline, and the selections made."""
        scenario, pool, value, criteria = self.scenario, self.pool, self.value, self.criteria
        level = self.level
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
                zip(self.candidates.chosen, self.costs, self.yearly, strict=True)
            )
        ]
        cells = robustness(scenario, pool.names, pool.runs, self.yearly, self.first)
        splits = staffing_splits(self, criteria.confidence)
        return Comparison(
            scenario.name,
            self.root,
            scenario.horizon_days,
            scenario.currency,
            ReplicationResult(scenario.name, self.root, pool.runs[0]),
            variants,
            objective=criteria.objective,
            confidence=criteria.confidence,
            selections=selections,
            procedure=procedure,
            power=criteria.power,
            value={
                **value.to_dict(),
                "warmup_days": scenario.warmup_days,
                "families": self.families,
                "family_confidence": self.each,
                **({"replications_set_aside": pool.surplus} if pool.surplus else {}),
                "baseline_revenue": float(
                    np.mean(objective_values(pool.runs[0], "revenue", 0.0, value))
                ),
                "robustness": [c.to_dict() for c in cells],
                "years_not_simulated": periods(scenario)[1],
                "beyond_budget": self.candidates.beyond,
                "parameters": self._parameters(),
                **({"staffing_split": splits} if splits else {}),
            },
            budget=self.candidates.budget,
            budget_per_year=self.candidates.budget_per_year,
            precision=precision,
            first_stage=first_stage,
            max_replications=max_replications,
            screen=screen,
        )

    def _parameters(self) -> dict[str, Any] | None:
        """How much of each objective's spread the drawn parameters make, if any were drawn."""
        if self.uncertainty is None:
            return None
        return {
            "source": self.uncertainty.describe(),
            **{
                o: parameter_spread(self.pool.names, self.pool.values(o, self.costs_all), WORDS[o])
                for o in self.objectives
            },
        }


def _changes_of(scenario: Scenario, combo: Sequence[str]) -> Changes:
    """(path, change) of each named improvement, in the order they are applied."""
    return [p for name in combo for p in scenario.improvements[name].changes.items()]


def _apply_in_turn(scenario: Scenario, combo: Sequence[str]) -> Scenario:
    """The scenario with each named improvement applied, in order."""
    for name in combo:
        scenario = apply_changes(scenario, scenario.improvements[name].changes)
    return scenario


def begin_staged(
    procedure: str,
    scenario: Scenario,
    candidates: Callable[[Scenario, bool], Candidates],
    *,
    criteria: Criteria | None,
    execution: Execution | None,
    seed: int | None,
    uncertainty: ParameterUncertainty | None,
    first_stage: int,
    max_replications: int,
    screen: int = 0,
    run_ahead: bool = False,
) -> WhatIf:
    """The first stage of a sequential or two-stage ``procedure``: its criteria and execution
    checked, the candidates chosen on the scenario as the criteria value it
    (``candidates(scenario, allow_large)``), every variant's first replications run, their
    progress counted with what follows as one run (``run_ahead``: see WhatIf). With a
    ``screen``, the first replications are the screen's."""
    criteria = criteria or Criteria()
    execution = execution_of(procedure, execution, {})
    check_stages(first_stage, max_replications, screen)
    scenario = criteria.applied(scenario)
    chosen = candidates(scenario, execution.allow_large)
    return WhatIf(scenario, chosen, criteria, seed, uncertainty, execution,
                  first=screen or first_stage,
                  most=max_replications, sequential=True, run_ahead=run_ahead)  # fmt: skip
