"""What-if results: the baseline against each improvement, paired on common random numbers.

Every variant runs on the same replication seeds as the baseline, so keyed random numbers are
shared and the difference per replication carries little noise; intervals come from those paired
differences. The intervals of one table hold jointly (Bonferroni over its rows), so a mark or a
"better than the baseline" read from any of them holds at the stated confidence for all of them
together. Which variant is best comes from a selection procedure (see ``procedures``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.experiments.display import ComparisonDisplay, VariantDisplay
from truthsim.experiments.replication import METRICS, ReplicationResult, RunSummary
from truthsim.experiments.stats import CONFIDENCE, Estimate, estimate, stein_estimate
from truthsim.experiments.tables import records_to_pandas
from truthsim.experiments.valuation import WORDS, Objective, Valuation, objective_values

if TYPE_CHECKING:
    import pandas as pd

BASELINE = "baseline"


@dataclass(repr=False)
class VariantResult(VariantDisplay):
    """One improvement (or set of improvements) against the baseline."""

    name: str
    description: str
    improvements: tuple[str, ...]
    cost: float  #: one-off plus running cost over the planning period, discounted
    runs: list[RunSummary] = field(repr=False)
    baseline_runs: list[RunSummary] = field(repr=False)
    #: how the planning period becomes money (the same for every variant of a what-if)
    value: Valuation = field(repr=False)
    confidence: float = CONFIDENCE  #: of each interval (the table's intervals hold jointly)
    #: (objective, first stage) when that objective's interval comes from the two-stage procedure
    two_stage: tuple[str, int] | None = None
    one_off: float = 0.0  #: of ``cost``: the one-off part, undiscounted (the first day)
    per_year: float = 0.0  #: of ``cost``: a year's running cost (staffed hours included)

    @property
    def replications(self) -> int:
        """Replications shared with the baseline: the ones a paired difference can use."""
        return min(len(self.runs), len(self.baseline_runs))

    def differences(self, metric: str) -> np.ndarray:
        """Improvement minus baseline, per shared replication (paired)."""
        n = self.replications
        mine = np.array([r.headline[metric] for r in self.runs[:n]], dtype=float)
        base = np.array([r.headline[metric] for r in self.baseline_runs[:n]], dtype=float)
        return mine - base

    def gains(self, objective: Objective) -> np.ndarray:
        """The objective's gain over the baseline per replication (net value pays the cost)."""
        n = self.replications
        mine = objective_values(self.runs[:n], objective, self.cost, self.value)
        return mine - objective_values(self.baseline_runs[:n], objective, 0.0, self.value)

    def terminal_gains(self) -> np.ndarray:
        """The part of the revenue gain that is terminal value, per replication."""
        n = self.replications
        mine = np.array([self.value.after(r) for r in self.runs[:n]])
        return mine - np.array([self.value.after(r) for r in self.baseline_runs[:n]])

    def difference(self, metric: str) -> Estimate:
        return estimate(self.differences(metric), self.confidence)

    def gain(self, objective: Objective) -> Estimate:
        """The objective's gain with its interval (two-stage when the run was sized for it)."""
        if self.two_stage is not None and self.two_stage[0] == objective:
            return stein_estimate(self.gains(objective), self.two_stage[1], self.confidence)
        return estimate(self.gains(objective), self.confidence)

    @property
    def retained(self) -> Estimate:
        """Extra customers active at the end of the planning period."""
        return self.gain("customers")

    @property
    def net_value(self) -> Estimate:
        """Extra discounted revenue minus the discounted cost, over the same planning period."""
        return self.gain("net_value")

    @property
    def cost_per_retained(self) -> float | None:
        """Cost of each extra customer kept; None when the gain in customers is not measurable."""
        retained = self.retained
        return self.cost / retained.mean if retained.low > 0 else None

    def cost_per_retained_interval(self) -> tuple[float, float] | None:
        """The cost is known, so the interval is the customers' interval turned over (Fieller's
        interval with a constant numerator); None when that interval does not lie above zero."""
        retained = self.retained
        if not retained.low > 0:
            return None
        return self.cost / retained.high, self.cost / retained.low

    def row(self, objective: Objective = "customers", power: float = 0.8) -> dict[str, Any]:
        retained, rate, revenue, value, net = (
            self.retained,
            self.difference("return_rate"),
            self.difference("revenue"),
            self.gain("revenue"),
            self.net_value,
        )
        chosen = self.gain(objective)
        per = self.cost_per_retained_interval()
        return {
            "improvement": self.name,
            "description": self.description,
            "replications": self.replications,
            "retained": retained.mean,
            "retained_low": retained.low,
            "retained_high": retained.high,
            "retained_se": retained.se,
            "significant": chosen.excludes_zero,
            "return_rate_change": rate.mean,
            "return_rate_change_low": rate.low,
            "return_rate_change_high": rate.high,
            "revenue_change": revenue.mean,
            "revenue_change_low": revenue.low,
            "revenue_change_high": revenue.high,
            "value_change": value.mean,
            "value_change_low": value.low,
            "value_change_high": value.high,
            "terminal_value_change": float(self.terminal_gains().mean()),
            "cost": self.cost,
            "one_off": self.one_off,
            "per_year": self.per_year,
            "cost_per_retained": self.cost_per_retained,
            "cost_per_retained_low": per[0] if per else None,
            "cost_per_retained_high": per[1] if per else None,
            "net_value": net.mean,
            "net_value_low": net.low,
            "net_value_high": net.high,
            "replications_to_exclude_zero": chosen.replications_to_exclude_zero(power),
        }


@dataclass
class Selection:
    """Which variant is best for one objective, and how sure that is."""

    objective: Objective
    delta: float
    confidence: float
    procedure: str  #: "KN" (fully sequential) or "MCB" (on a fixed number of replications)
    best: str | None  #: the best, or within ``delta`` of it; None when none is separated
    contenders: list[str]  #: still in contention, leading first
    replications: dict[str, int]  #: per variant, the baseline included
    #: MCB: replications per variant that would separate the leading two at ``power``;
    #: KN stopped by its budget: replications per variant by which it is sure to finish
    advised: int | None = None
    power: float = 0.8
    #: MCB: each variant's mean minus the best of the others', simultaneous interval
    intervals: dict[str, tuple[float, float]] | None = None

    @property
    def replications_used(self) -> int:
        return sum(self.replications.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "delta": self.delta,
            "confidence": self.confidence,
            "procedure": self.procedure,
            "best": self.best,
            "contenders": self.contenders,
            "replications_used": self.replications_used,
            "replications": self.replications,
            "advised_replications": self.advised,
            "power": self.power,
            "against_best_of_others": None
            if self.intervals is None
            else {k: {"low": lo, "high": hi} for k, (lo, hi) in self.intervals.items()},
        }


@dataclass(repr=False)
class Comparison(ComparisonDisplay):
    """A what-if run: baseline figures, improvements ranked by the objective, the best chosen."""

    scenario_name: str
    seed: int
    horizon_days: float
    currency: str
    baseline: ReplicationResult
    variants: list[VariantResult]
    objective: Objective = "customers"
    confidence: float = CONFIDENCE
    selections: dict[str, Selection] = field(default_factory=dict)
    procedure: str = "fixed"  #: fixed, select (KN), precision (two-stage) or budget
    power: float = 0.8
    value: dict[str, Any] = field(default_factory=dict)  #: the valuation, costs, robustness
    budget: float | None = None  #: one-off
    budget_per_year: float | None = None  #: running costs, a year's
    precision: float | None = None
    first_stage: int | None = None  #: replications before the selection or two-stage decides
    #: replications of every variant screened before the selection's first stage (0: none)
    screen: int | None = None
    max_replications: int | None = None

    @property
    def replications(self) -> int:
        """The most replications any variant received."""
        return max([self.baseline.replications, *(len(v.runs) for v in self.variants)])

    @property
    def replications_used(self) -> int:
        """Replications simulated, every variant counted (the baseline included)."""
        return self.baseline.replications + sum(len(v.runs) for v in self.variants)

    @property
    def selection(self) -> Selection | None:
        return self.selections.get(self.objective)

    def ranking(self) -> list[VariantResult]:
        """Best first by the objective's gain over the baseline (ties: lower cost, then name)."""
        return sorted(
            self.variants, key=lambda v: (-_or(v.gain(self.objective).mean), v.cost, v.name)
        )

    def summary(self) -> list[dict[str, Any]]:
        """The ranked table, one row per improvement."""
        return [
            {"rank": i, **v.row(self.objective, self.power)}
            for i, v in enumerate(self.ranking(), start=1)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Results only (no timings): the same inputs and seed give the same data."""
        chosen = self.selection
        selection: dict[str, Any] | None = None
        if chosen is not None:
            selection = {
                **chosen.to_dict(),
                "replications_used": self.replications_used,
                "by_objective": {k: s.to_dict() for k, s in self.selections.items()},
            }
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": self.replications,
            "horizon_days": self.horizon_days,
            "currency": self.currency,
            "objective": self.objective,
            "objective_words": WORDS[self.objective],
            "confidence": self.confidence,
            "procedure": self.procedure,
            "power": self.power,
            "budget": self.budget,
            "budget_per_year": self.budget_per_year,
            "precision": self.precision,
            "first_stage": self.first_stage,
            "screen": self.screen,
            "max_replications": self.max_replications,
            "value": self.value,
            "baseline": {m: e.to_dict() for m, e in self.baseline.summary().items()},
            "ranking": self.summary(),
            "selection": selection,
        }

    def to_records(self) -> np.ndarray:
        """Per replication and variant (baseline included): every headline metric, and the
        planning period's discounted revenue (terminal value included) and customers kept."""
        names = [BASELINE, *(v.name for v in self.variants)]
        runs = [self.baseline.runs, *(v.runs for v in self.variants)]
        value = self.variants[0].value if self.variants else None
        valued = ("discounted_revenue", "terminal_value", "kept") if value else ()
        width = max(len(n) for n in names)
        dtype = [("variant", f"U{width}"), ("replication", "i4")]
        dtype += [(m, "f8") for m in (*METRICS, *valued)]
        out = np.zeros(sum(len(r) for r in runs), dtype=dtype)
        row = 0
        for name, group in zip(names, runs, strict=True):
            for i, run in enumerate(group):
                money = (value.revenue(run), value.after(run), value.kept(run)) if value else ()
                out[row] = (name, i, *(run.headline[m] for m in METRICS), *money)
                row += 1
        return out

    def to_pandas(self) -> pd.DataFrame:
        """The ranked table as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary(), categories=("improvement",))


def _or(value: float) -> float:
    return -np.inf if value is None or np.isnan(value) else value
