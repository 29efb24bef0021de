"""Sweeps over a grid of parameter values, reported as paired differences from a reference point.

Every point of a sweep uses the same replication seeds, so the difference between a point and the
reference (the scenario's own values unless another is named) is computed per replication and
its interval is far narrower than the overlap of two level intervals suggests. Levels stay
available beside the differences.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution
from truthsim.experiments.execution import execution_of
from truthsim.experiments.limits import MAX_RANGE, check_number, check_size
from truthsim.experiments.parameters import describe_path
from truthsim.experiments.replication import (
    DEFAULT_REPLICATIONS,
    METRICS,
    RunSummary,
    run_replications,
)
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.tables import records_to_pandas
from truthsim.experiments.uncertainty import ParameterUncertainty
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.patch import PathError, apply_changes, get_path
from truthsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

Value = float | int | str
_RANGE = re.compile(r"^\s*(-?[\d.eE+-]+)\s*\.\.\s*(-?[\d.eE+-]+)\s*(?::\s*([\d.eE+-]+))?\s*$")
#: the metrics a sweep's table and figures show first
SHOWN = ("active_at_horizon", "return_rate", "revenue", "net_moment_score")


def parse_values(text: str) -> list[Value]:
    """``2..8`` (whole numbers), ``0.1..0.5:0.1`` (with a step), or ``a,b,c``."""
    match = _RANGE.match(text)
    if match:
        lo, hi, step = match.groups()
        try:
            a, b = float(lo), float(hi)
            d = float(step) if step else 1.0
        except ValueError:
            raise ExperimentError(f"'{text}' is not a range like 2..8 or 0.1..0.5:0.1") from None
        if not all(math.isfinite(v) for v in (a, b, d)):
            raise ExperimentError(f"'{text}': a range needs finite numbers")
        if d <= 0 or b < a:
            raise ExperimentError(f"'{text}': a range runs from low to high with a positive step")
        count = math.floor((b - a) / d + 1e-9) + 1
        if count > MAX_RANGE:
            raise ExperimentError(
                f"'{text}' has {count:,} values, more than {MAX_RANGE:,}; use a larger step "
                "(e.g. 1..100:10)"
            )
        values = [a + i * d for i in range(count)]
        if all(float(v).is_integer() for v in (a, b, d)):
            return [int(v) for v in values]
        return [round(v, 12) for v in values]
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ExperimentError("give values as a list (1,2,4) or a range (2..8, 0.1..0.5:0.1)")
    values = [_number(item) for item in items]
    bad = [v for v in values if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise ExperimentError(f"'{text}': {bad[0]} is not a finite number")
    return values


def parse_vary(option: str) -> tuple[str, list[Value]]:
    """``touchpoints.gate.servers=2..8`` -> path and values."""
    if "=" not in option:
        raise ExperimentError(
            f"'{option}': write --vary PATH=VALUES, e.g. touchpoints.gate.servers=1..4"
        )
    path, values = option.split("=", 1)
    return path.strip(), parse_values(values)


def parse_reference(option: str) -> tuple[str, Value]:
    """``touchpoints.gate.servers=2`` -> path and one value."""
    path, values = parse_vary(option)
    if len(values) != 1:
        raise ExperimentError(f"'{option}': a reference is one value, e.g. {path}=2")
    return path, values[0]


@dataclass(repr=False)
class SweepResult:
    """Every point of a grid, with every metric as a level and as a paired difference.

    ``reference`` holds the reference point's value of each parameter and ``reference_runs``
    its replications (the same seeds as every point).
    """

    scenario_name: str
    seed: int
    parameters: list[str]
    points: list[tuple[Value, ...]]
    runs: list[list[RunSummary]] = field(repr=False)
    reference: tuple[Value, ...] = ()
    reference_runs: list[RunSummary] = field(default_factory=list, repr=False)
    labels: list[str] = field(default_factory=list)
    horizon_days: float = 0.0

    @property
    def replications(self) -> int:
        return len(self.runs[0]) if self.runs else 0

    def values(self, point: int, metric: str) -> np.ndarray:
        """The metric at ``point`` in every replication, in replication order."""
        return np.array([r.headline[metric] for r in self.runs[point]], dtype=float)

    def estimate(self, point: int, metric: str) -> Estimate:
        """The metric's level at ``point``: mean and interval over replications."""
        return estimate(self.values(point, metric))

    def difference(self, point: int, metric: str) -> Estimate:
        """The metric at ``point`` minus the reference, paired replication by replication."""
        base = np.array([r.headline[metric] for r in self.reference_runs], dtype=float)
        return estimate(self.values(point, metric) - base)

    def response(self, metric: str) -> list[Estimate]:
        """The metric's level at each point, in grid order."""
        return [self.estimate(i, metric) for i in range(len(self.points))]

    def differences(self, metric: str) -> list[Estimate]:
        """The paired difference from the reference at each point, in grid order."""
        return [self.difference(i, metric) for i in range(len(self.points))]

    def is_reference(self, point: int) -> bool:
        return tuple(self.points[point]) == tuple(self.reference)

    def summary(self) -> list[dict[str, Any]]:
        """One row per point: parameter values, then each metric's difference and level."""
        rows = []
        for i, point in enumerate(self.points):
            row: dict[str, Any] = dict(zip(self.parameters, point, strict=True))
            row["reference"] = self.is_reference(i)
            for m in METRICS:
                d, e = self.difference(i, m), self.estimate(i, m)
                row[f"{m}_change"], row[f"{m}_change_low"] = d.mean, d.low
                row[f"{m}_change_high"] = d.high
                row[m], row[f"{m}_low"], row[f"{m}_high"] = e.mean, e.low, e.high
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Results only: the reference point, then every point's differences and levels."""
        base = [r.headline for r in self.reference_runs]
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": self.replications,
            "horizon_days": self.horizon_days,
            "parameters": self.parameters,
            "labels": self.labels,
            "answer": self.answer(),
            "reference": {
                "values": dict(zip(self.parameters, self.reference, strict=True)),
                "metrics": {m: estimate([h[m] for h in base]).to_dict() for m in METRICS},
            },
            "points": [
                {
                    "values": dict(zip(self.parameters, p, strict=True)),
                    "reference": self.is_reference(i),
                    "differences": {m: self.difference(i, m).to_dict() for m in METRICS},
                    "metrics": {m: self.estimate(i, m).to_dict() for m in METRICS},
                }
                for i, p in enumerate(self.points)
            ],
        }

    def to_records(self) -> np.ndarray:
        """Per point and replication: parameter values (numbers where they are) and every metric."""
        rows = [
            (i, r, *point, *(run.headline[m] for m in METRICS))
            for i, point in enumerate(self.points)
            for r, run in enumerate(self.runs[i])
        ]
        dtype: list[tuple[str, str]] = [("point", "i4"), ("replication", "i4")]
        for k, p in enumerate(self.parameters):
            column = [point[k] for point in self.points]
            if all(isinstance(v, int) and not isinstance(v, bool) for v in column):
                dtype.append((p, "i8"))
            elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in column):
                dtype.append((p, "f8"))
            else:
                dtype.append((p, f"U{max(len(str(v)) for v in column)}"))
        dtype += [(m, "f8") for m in METRICS]
        return np.array(rows, dtype=dtype)

    def to_pandas(self) -> pd.DataFrame:
        """The summary table (one row per point) as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary())

    def answer(self, metric: str = "active_at_horizon") -> str:
        """The main finding in words: the point that differs most from the reference, and how surely."""
        words = metric.replace("_", " ")
        scored = [
            (d, i)
            for i, d in enumerate(self.differences(metric))
            if not self.is_reference(i) and not math.isnan(d.mean)
        ]
        if not scored:
            return "The grid holds only the reference point."
        best, i = max(scored, key=lambda x: x[0].mean)
        clear = [k for d, k in scored if d.n >= 2 and d.excludes_zero]
        where = self.point_words(i)
        sure = (
            "its 95% interval excludes zero"
            if best.n >= 2 and best.excludes_zero
            else "but its 95% interval includes zero"
        )
        return (
            f"Against the reference ({self.point_words(None)}), {where} gives the highest "
            f"{words}: {best.mean:+,.2f} ({best.low:+,.2f}..{best.high:+,.2f}), {sure}; "
            f"{len(clear)} of {len(scored)} other points differ measurably from the reference."
        )

    def point_words(self, point: int | None) -> str:
        """A point (or the reference, for None) in words: ``Gate: staff serving at once = 3``."""
        values = self.reference if point is None else self.points[point]
        labels = self.labels or self.parameters
        return ", ".join(f"{lab} = {v}" for lab, v in zip(labels, values, strict=True))

    def __repr__(self) -> str:
        return (
            f"<SweepResult {self.scenario_name!r}: {len(self.points)} points over "
            f"{', '.join(self.parameters)}, {self.replications} replications, seed {self.seed}>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        rows = []
        for i, point in enumerate(self.points):
            d, e = self.difference(i, "active_at_horizon"), self.estimate(i, "active_at_horizon")
            rows.append(
                [
                    ", ".join(str(v) for v in point)
                    + (" (reference)" if self.is_reference(i) else ""),
                    f"{d.mean:+,.0f} ({d.low:+,.0f}..{d.high:+,.0f})",
                    f"{e.mean:,.0f}",
                ]
            )
        return html_table(
            f"{self.scenario_name}: sweep of {', '.join(self.parameters)}",
            ["point", "change in active customers (95% CI)", "active customers"],
            rows,
        )


def sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Value]],
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    reference: Mapping[str, Value] | None = None,
    horizon_days: float | None = None,
    parameter_uncertainty: ParameterUncertainty | None = None,
    execution: Execution | None = None,
    **deprecated: Any,
) -> SweepResult:
    """Run every combination of the ``vary`` values (a full grid), on common random numbers.

    Differences are taken against ``reference`` (path -> value; the scenario's own value for any
    path it leaves out); a reference outside the grid is simulated as one more point.
    ``execution`` as for :func:`~truthsim.experiments.replicate`.
    With ``parameter_uncertainty``, each replication draws the calibrated parameters (the same
    at every point); a swept parameter that is also drawn takes the point's value.
    """
    execution = execution_of("sweep", execution, deprecated, jobs=jobs)
    if not vary:
        raise ExperimentError("a sweep needs at least one parameter to vary")
    parameters = list(vary)
    empty = [p for p in parameters if not vary[p]]
    if empty:
        raise ExperimentError(f"no values to sweep for {', '.join(empty)}")
    check_number("replications", replications, 1)
    size = math.prod(len(vary[p]) for p in parameters)
    check_size(size, replications, execution.allow_large, "points")
    extra = [p for p in (reference or {}) if p not in vary]
    if extra:
        raise ExperimentError(
            f"the reference names {', '.join(extra)}, which the sweep does not vary"
        )
    data = scenario.model_dump()
    try:
        own = {p: get_path(data, p) for p in parameters}
    except PathError as error:
        raise ExperimentError(str(error)) from None
    chosen = {**own, **(reference or {})}
    base = tuple(_as_written(chosen[p], vary[p]) for p in parameters)
    points = list(itertools.product(*(vary[p] for p in parameters)))
    scenarios = [_variant(scenario, dict(zip(parameters, point, strict=True))) for point in points]
    in_grid = next((i for i, p in enumerate(points) if tuple(p) == base), None)
    if in_grid is None:
        scenarios.append(_variant(scenario, dict(zip(parameters, base, strict=True))))
    root = scenario.seed if seed is None else seed
    settings = [dict(zip(parameters, point, strict=True)) for point in points]
    if in_grid is None:
        settings.append(dict(zip(parameters, base, strict=True)))
    runs = run_replications(
        scenarios,
        root,
        range(replications),
        execution,
        horizon_days,
        uncertainty=parameter_uncertainty,
        changes=[list(point.items()) for point in settings],
        base_of=scenario,
    )
    reference_runs = runs[in_grid] if in_grid is not None else runs.pop()
    horizon = scenario.horizon_days if horizon_days is None else horizon_days
    labels = [describe_path(scenario, p) for p in parameters]
    return SweepResult(
        scenario.name, root, parameters, points, runs, base, reference_runs, labels, horizon
    )


def _as_written(value: Any, grid: Sequence[Value]) -> Value:
    """The reference value in the grid's own spelling (2 rather than 2.0 when the grid has 2)."""
    for v in grid:
        if v == value and type(v) is not bool:
            return v
    if value is None:
        return "unlimited"
    return value


def _variant(scenario: Scenario, values: Mapping[str, Value]) -> Scenario:
    try:
        return apply_changes(scenario, dict(values))
    except PathError as error:
        raise ExperimentError(f"{', '.join(values)}: {error}") from None
    except ScenarioError as error:
        shown = ", ".join(f"{p}={v}" for p, v in values.items())
        raise ExperimentError(
            f"{shown} makes the scenario invalid: {error.problems[0].message}"
        ) from None


def _number(text: str) -> Value:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
