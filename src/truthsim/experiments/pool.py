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
from truthsim.experiments.selection import halved, kn, kn_bound, mcb, screen_first
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
        self.surplus = 0  #: replications run and set aside (see by_kn)
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

    def set_aside(self, used: Sequence[int]) -> None:
        """Keep each variant's first ``used`` replications; count the rest in ``surplus``
        (run ahead for workers that would otherwise wait, and not needed)."""
        for v, n in enumerate(used):
            self.surplus += len(self.runs[v]) - n
            del self.runs[v][n:]

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


def run_ahead(variants: int, first: int, workers: int) -> int:
    """Replications per variant to run beyond the first stage so that its last wave of tasks
    keeps every worker busy (those not examined are set aside, see by_kn)."""
    return (-(variants * first) % workers) // variants


def batch(survivors: int, workers: int) -> int:
    """Replications per survivor a step of KN asks for: every worker gets one."""
    return max(1, -(-workers // survivors))


def by_kn(
    pool: Pool,
    objectives: Sequence[Objective],
    costs: Sequence[float],
    deltas: dict[str, float],
    confidence: float,
    first_stage: int,
    max_replications: int,
    workers: int = 1,
    screen: int = 0,
) -> dict[str, Selection]:
    """KN for every objective at once: a variant gets replications while any still needs it.

    With ``screen``, every variant's first ``screen`` replications are screened first (see
    :func:`~truthsim.experiments.selection.screen`), half the error allowed to the screen and
    half to KN among those it leaves; an objective the screen leaves one variant for is decided
    there, and only the survivors get KN's first stage.

    KN examines one replication per survivor at a time. With more ``workers`` than survivors,
    each asks for a batch of the next replications at once (enough to keep every worker busy),
    and KN still examines them one at a time, in order: the selection is the one-at-a-time
    procedure's to the last bit, whatever the number of workers. Replications run beyond what
    it examined are then set aside (``pool.surplus``), so the answer's figures are too.
    """
    k = len(pool.runs)
    among: dict[str, tuple[int, ...]] = {o: tuple(range(k)) for o in objectives}
    each = halved(confidence) if screen else confidence  # the screen's, and KN's
    if screen:
        for o in objectives:
            among[o] = screen_first(pool.values(o, costs), screen, deltas[o], each)
    #: what the one-at-a-time procedure has given each (the first stage may have run ahead)
    used = [min(len(r), screen or first_stage) for r in pool.runs]
    contested = sorted({i for o in objectives if len(among[o]) > 1 for i in among[o]})
    if screen and contested:
        ahead = run_ahead(len(contested), first_stage - screen, workers)
        pool.extend(contested, min(max_replications, first_stage + ahead))
        for i in contested:
            used[i] = first_stage
    while True:
        states = {}
        for o in objectives:
            values = [v[:n] for v, n in zip(pool.values(o, costs), used, strict=True)]
            states[o] = kn(values, deltas[o], each, first_stage, among[o], screen)
        open_states = [s for s in states.values() if not s.done]
        target = max((s.stage + 1 for s in open_states), default=0)
        if not open_states or target > max_replications:
            break
        needed = sorted({i for s in open_states for i in s.survivors})
        if any(len(pool.runs[i]) < target for i in needed):
            ahead = batch(len(needed), workers)
            pool.extend(needed, min(max_replications, target - 1 + ahead))
        for i in needed:
            used[i] = max(used[i], target)
    pool.set_aside(used)
    selections = {}
    for o, s in states.items():
        bound = None
        if not s.done:
            values = pool.values(o, costs)
            bound = kn_bound(values, s.survivors, deltas[o], each, first_stage)
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
