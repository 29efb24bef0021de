"""Every variant's replications so far, and the selection procedures run on them.

A pool runs more replications on common random numbers as a procedure asks for them; the
statistics themselves live in pure functions (``selection``, ``stats``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from truthsim.experiments.backends import Execution
from truthsim.experiments.compare import Selection
from truthsim.experiments.replication import RunSummary, run_replications
from truthsim.experiments.selection import kn, kn_bound, mcb
from truthsim.experiments.stats import replications_for_power
from truthsim.experiments.uncertainty import Changes, ParameterUncertainty
from truthsim.experiments.valuation import Objective, Valuation, objective_values
from truthsim.scenario.schema import Scenario


class Pool:
    """Every variant's replications so far; runs more of them on common random numbers."""

    def __init__(
        self,
        scenarios: list[Scenario],
        names: list[str],
        root: int,
        execution: Execution,
        uncertainty: ParameterUncertainty | None = None,
        changes: list[Changes] | None = None,
    ) -> None:
        self.scenarios, self.names, self.root, self.execution = scenarios, names, root, execution
        self.uncertainty = uncertainty  #: calibrated parameters drawn per replication, if any
        self.changes = changes or [()] * len(scenarios)  #: each variant's own changes
        self.runs: list[list[RunSummary]] = [[] for _ in scenarios]
        #: how runs become money; set once the first replications are in
        self.value: Valuation | None = None

    def extend(self, variants: Sequence[int] | range, total: int) -> None:
        """Bring each of ``variants`` up to ``total`` replications (same seeds for all)."""
        groups: dict[int, list[int]] = {}
        for v in variants:
            if len(self.runs[v]) < total:
                groups.setdefault(len(self.runs[v]), []).append(v)
        for start, members in sorted(groups.items()):
            new = run_replications(
                [self.scenarios[v] for v in members],
                self.root,
                range(start, total),
                self.execution,
                labels=[self.names[v] for v in members],
                uncertainty=self.uncertainty,
                changes=[self.changes[v] for v in members],
                base_of=self.scenarios[0],
            )
            for v, group in zip(members, new, strict=True):
                self.runs[v] += group

    def valuation(self) -> Valuation:
        if self.value is None:
            raise RuntimeError("the pool is valued once its first replications are in")
        return self.value

    def values(self, objective: Objective, costs: Sequence[float]) -> list[np.ndarray]:
        value = self.valuation()
        return [
            objective_values(r, objective, c, value) for r, c in zip(self.runs, costs, strict=True)
        ]

    def counts(self) -> dict[str, int]:
        return {name: len(r) for name, r in zip(self.names, self.runs, strict=True)}


def by_mcb(
    pool: Pool,
    objective: Objective,
    costs: Sequence[float],
    delta: float,
    confidence: float,
    power: float,
) -> Selection:
    """The best from multiple comparisons with the best, on the replications every variant has."""
    values = pool.values(objective, costs)
    n = min(len(v) for v in values)
    table = np.column_stack([v[:n] for v in values])
    result = mcb(table, confidence)
    best = result.best_within(delta)
    contenders = [pool.names[i] for i in result.contenders]
    advised = None
    if best is None and len(result.contenders) > 1:
        lead, second = result.contenders[:2]
        gap = table[:, lead] - table[:, second]
        k = len(values)
        advised = replications_for_power(
            float(np.std(gap, ddof=1)),
            abs(float(gap.mean())) + delta,
            1.0 - 2.0 * (1.0 - confidence) / (k - 1),
            power,
        )
    return Selection(
        objective,
        delta,
        confidence,
        "MCB",
        None if best is None else pool.names[best],
        contenders,
        pool.counts(),
        advised,
        power,
        {
            name: (float(lo), float(hi))
            for name, lo, hi in zip(pool.names, result.low, result.high, strict=True)
        },
    )


def by_kn(
    pool: Pool,
    objectives: Sequence[Objective],
    costs: Sequence[float],
    deltas: dict[str, float],
    confidence: float,
    first_stage: int,
    max_replications: int,
) -> dict[str, Selection]:
    """KN for every objective at once: a variant gets replications while any still needs it."""
    while True:
        states = {
            o: kn(pool.values(o, costs), deltas[o], confidence, first_stage) for o in objectives
        }
        open_states = [s for s in states.values() if not s.done]
        target = max((s.stage + 1 for s in open_states), default=0)
        if not open_states or target > max_replications:
            break
        needed = sorted({i for s in open_states for i in s.survivors})
        pool.extend(needed, target)
    selections = {}
    for o, s in states.items():
        bound = None
        if not s.done:
            values = pool.values(o, costs)
            bound = kn_bound(values, s.survivors, deltas[o], confidence, first_stage)
        selections[o] = Selection(
            o,
            deltas[o],
            confidence,
            "KN",
            None if s.best is None else pool.names[s.best],
            [pool.names[i] for i in s.survivors],
            pool.counts(),
            bound,
        )
    return selections
