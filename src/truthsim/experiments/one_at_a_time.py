"""One-at-a-time sensitivity (tornado data): each parameter low and high, the rest at base.

Every variant runs on the same replication seeds as the baseline, so each effect is a paired
difference. Ranges are stated in each parameter's own terms (see
:mod:`truthsim.experiments.parameters`), so a whole number of servers moves by whole servers
and the table says by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.experiments.backends import Execution
from truthsim.experiments.execution import WITHOUT_CHECKPOINTS, execution_of
from truthsim.experiments.limits import check_number, check_size
from truthsim.experiments.parameters import (
    Parameter,
    parameter_ranges,
    touchpoint_parameters,
    with_values,
)
from truthsim.experiments.replication import (
    DEFAULT_REPLICATIONS,
    RunSummary,
    check_metric,
    run_replications,
)
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.tables import records_to_pandas, rows_to_records
from truthsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class SensitivityRow:
    """One parameter's effect on the metric at its low and at its high value."""

    parameter: str
    base: float
    low: float
    high: float
    low_effect: Estimate  #: metric at ``low`` minus baseline, paired
    high_effect: Estimate
    label: str = ""
    integer: bool = False

    @property
    def swing(self) -> float:
        return abs(self.high_effect.mean - self.low_effect.mean)


@dataclass(repr=False)
class SensitivityResult:
    """One-at-a-time sensitivity of one metric: tornado data, widest swing first."""

    scenario_name: str
    seed: int
    metric: str
    fraction: float
    baseline: Estimate
    rows: list[SensitivityRow]
    skipped: dict[str, str]
    horizon_days: float = 0.0

    method = "oat"

    def summary(self) -> list[dict[str, Any]]:
        """One row per parameter, widest swing first: range, effects with intervals, swing."""
        return [
            {
                "parameter": r.parameter,
                "label": r.label,
                "base": r.base,
                "low": r.low,
                "high": r.high,
                "low_effect": r.low_effect.mean,
                "low_effect_low": r.low_effect.low,
                "low_effect_high": r.low_effect.high,
                "high_effect": r.high_effect.mean,
                "high_effect_low": r.high_effect.low,
                "high_effect_high": r.high_effect.high,
                "swing": r.swing,
                "integer": r.integer,
            }
            for r in self.rows
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "method": "oat",
            "seed": self.seed,
            "metric": self.metric,
            "fraction": self.fraction,
            "horizon_days": self.horizon_days,
            "baseline": self.baseline.to_dict(),
            "answer": self.answer(),
            "parameters": self.summary(),
            "skipped": self.skipped,
        }

    def to_records(self) -> np.ndarray:
        """One row per parameter: its path and every number of :meth:`summary`."""
        return rows_to_records(self.summary(), "parameter")

    def to_pandas(self) -> pd.DataFrame:
        """The tornado table as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary(), categories=("parameter", "label"))

    def answer(self) -> str:
        """The main finding in one sentence, true at the stated confidence.

        The widest swing is picked after the fact from every parameter's two effects, so its
        claim is tested at Bonferroni-adjusted confidence over all of them (95% jointly); an
        effect with no spread across replications (too few to tell) is never called measurable.
        """
        if not self.rows:
            return "No parameter could be varied."
        top = self.rows[0]
        effects = 2 * len(self.rows)
        measurable = [
            e
            for e in (top.low_effect, top.high_effect)
            if e.n >= 2 and e.se > 0 and excludes_zero_jointly(e, effects)
        ]
        verdict = (
            f"a change that stands out from zero at 95% confidence jointly over all {effects} "
            "effects measured"
            if measurable
            else "but that is not measurable yet: its intervals, taken jointly over all "
            f"{effects} effects measured, include zero (more replications would tell)"
        )
        return (
            f"{top.label or top.parameter} has the widest estimated swing in "
            f"{self.metric.replace('_', ' ')} when varied over {_range(top)}: "
            f"{top.low_effect.mean:+,.1f} at the low end and {top.high_effect.mean:+,.1f} at the "
            f"high end, {verdict}."
        )

    def __repr__(self) -> str:
        top = f"; widest: {self.rows[0].parameter}" if self.rows else ""
        return (
            f"<SensitivityResult {self.scenario_name!r}: one at a time, {self.metric}, "
            f"{len(self.rows)} parameters, {self.baseline.n} replications{top}>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        return html_table(
            f"{self.scenario_name}: one-at-a-time sensitivity of {self.metric}",
            ["parameter", "range", "effect at low", "effect at high"],
            [
                [r.label or r.parameter, _range(r), _effect(r.low_effect), _effect(r.high_effect)]
                for r in self.rows
            ],
        )


def sensitivity(
    scenario: Scenario,
    fraction: float = 0.1,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    metric: str = "active_at_horizon",
    touchpoints: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
    horizon_days: float | None = None,
    execution: Execution | None = None,
    **deprecated: Any,
) -> SensitivityResult:
    """Vary each numeric parameter by -/+ ``fraction`` on its own and measure ``metric``.

    ``touchpoints`` limits the run to those touchpoints' parameters; ``parameters`` names the
    dotted paths to vary instead (any numeric parameter of the scenario). Whole numbers move by
    at least one (two servers: one to three). ``execution`` as for
    :func:`~truthsim.experiments.replicate`, without checkpoints.
    """
    execution = execution_of(
        "sensitivity", execution, deprecated, jobs=jobs, uses=WITHOUT_CHECKPOINTS
    )
    check_metric(metric)
    check_number("fraction", fraction, 0.0, 1.0)
    check_number("replications", replications, 1)
    candidates = parameters or list(touchpoint_parameters(scenario, touchpoints))
    chosen, skipped = parameter_ranges(scenario, candidates, fraction)
    check_size(1 + 2 * len(chosen), replications, execution.allow_large, "scenario variants")
    variants = [with_values(scenario, {p.path: end}) for p in chosen for end in (p.low, p.high)]
    root = scenario.seed if seed is None else seed
    runs = run_replications(
        [scenario, *variants], root, range(replications), execution, horizon_days
    )
    base_values = np.array([r.headline[metric] for r in runs[0]], dtype=float)

    def effect(group: list[RunSummary]) -> Estimate:
        return estimate(np.array([r.headline[metric] for r in group], dtype=float) - base_values)

    rows = [_row(p, effect(runs[1 + 2 * k]), effect(runs[2 + 2 * k])) for k, p in enumerate(chosen)]
    rows.sort(key=lambda r: (-r.swing, r.parameter))
    horizon = scenario.horizon_days if horizon_days is None else horizon_days
    return SensitivityResult(
        scenario.name, root, metric, fraction, estimate(base_values), rows, skipped, horizon
    )


def _row(p: Parameter, low: Estimate, high: Estimate) -> SensitivityRow:
    return SensitivityRow(p.path, p.base, p.low, p.high, low, high, p.label, p.integer)


def excludes_zero_jointly(effect: Estimate, count: int, confidence: float = 0.95) -> bool:
    """Whether ``effect``'s interval at Bonferroni-adjusted confidence over ``count`` effects
    excludes zero (t quantile on ``n - 1`` degrees of freedom)."""
    from scipy import stats

    quantile = float(stats.t.ppf(1 - (1 - confidence) / (2 * count), effect.n - 1))
    return abs(effect.mean) > quantile * effect.se


def _range(row: SensitivityRow) -> str:
    if row.integer:
        return f"{row.low:.0f}..{row.high:.0f} (now {row.base:.0f})"
    return f"{row.low:.3g}..{row.high:.3g} (now {row.base:.3g})"


def _effect(e: Estimate) -> str:
    if e.n < 2:
        return f"{e.mean:+,.1f}"
    return f"{e.mean:+,.1f} ({e.low:+,.1f}..{e.high:+,.1f})"
