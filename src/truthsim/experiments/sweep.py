"""Sweeps over a grid of parameter values, and one-at-a-time sensitivity (tornado data).

Every point of a sweep and every variant of a sensitivity run uses the same replication seeds,
so differences between points come from the parameters, not from the dice.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from truthsim.experiments.backends import Backend, Execution, Progress
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.limits import MAX_RANGE, check_number, check_size
from truthsim.experiments.replication import METRICS, RunSummary, check_metric, run_replications
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.tables import records_to_pandas
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.model import Scenario
from truthsim.scenario.patch import PathError, apply_changes, get_path

Value = float | int | str
_RANGE = re.compile(r"^\s*(-?[\d.eE+-]+)\s*\.\.\s*(-?[\d.eE+-]+)\s*(?::\s*([\d.eE+-]+))?\s*$")


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


@dataclass
class SweepResult:
    """Every point of a grid with every metric as an estimate over replications."""

    scenario_name: str
    seed: int
    parameters: list[str]
    points: list[tuple[Value, ...]]
    runs: list[list[RunSummary]] = field(repr=False)

    def estimate(self, point: int, metric: str) -> Estimate:
        return estimate([r.headline[metric] for r in self.runs[point]])

    def response(self, metric: str) -> list[Estimate]:
        """The metric at each point, in grid order."""
        return [self.estimate(i, metric) for i in range(len(self.points))]

    def summary(self) -> list[dict[str, Any]]:
        """One row per point: parameter values, then mean and interval of every metric."""
        rows = []
        for i, point in enumerate(self.points):
            row: dict[str, Any] = dict(zip(self.parameters, point, strict=True))
            for m in METRICS:
                e = self.estimate(i, m)
                row[m], row[f"{m}_low"], row[f"{m}_high"] = e.mean, e.low, e.high
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": len(self.runs[0]) if self.runs else 0,
            "parameters": self.parameters,
            "points": [
                {
                    "values": dict(zip(self.parameters, p, strict=True)),
                    "metrics": {m: self.estimate(i, m).to_dict() for m in METRICS},
                }
                for i, p in enumerate(self.points)
            ],
        }

    def to_records(self) -> np.ndarray:
        """Per point and replication: parameter values (as text) and every headline metric."""
        rows = [
            (i, r, *(str(v) for v in point), *(run.headline[m] for m in METRICS))
            for i, point in enumerate(self.points)
            for r, run in enumerate(self.runs[i])
        ]
        width = max([len(str(v)) for p in self.points for v in p] + [1])
        dtype = [("point", "i4"), ("replication", "i4")]
        dtype += [(p, f"U{width}") for p in self.parameters] + [(m, "f8") for m in METRICS]
        return np.array(rows, dtype=dtype)

    def to_pandas(self) -> Any:
        return records_to_pandas(self.summary())


def sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Value]],
    replications: int = 5,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    horizon_days: float | None = None,
    progress: Progress | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    checkpoints: Path | Checkpoints | None = None,
    allow_large: bool = False,
) -> SweepResult:
    """Run every combination of the ``vary`` values (a full grid), on common random numbers.

    ``backend``, ``scheduler`` and ``checkpoints`` as for :func:`~truthsim.experiments.replicate`.
    """
    execution = Execution(jobs, backend, scheduler, checkpoints, progress, allow_large)
    if not vary:
        raise ExperimentError("a sweep needs at least one parameter to vary")
    parameters = list(vary)
    empty = [p for p in parameters if not vary[p]]
    if empty:
        raise ExperimentError(f"no values to sweep for {', '.join(empty)}")
    check_number("replications", replications, 1)
    check_size(math.prod(len(vary[p]) for p in parameters), replications, allow_large, "points")
    points = list(itertools.product(*(vary[p] for p in parameters)))
    scenarios = [_variant(scenario, dict(zip(parameters, point, strict=True))) for point in points]
    root = scenario.seed if seed is None else seed
    runs = run_replications(scenarios, root, range(replications), execution, horizon_days)
    return SweepResult(scenario.name, root, parameters, points, runs)


@dataclass
class SensitivityRow:
    parameter: str
    base: float
    low: float
    high: float
    low_effect: Estimate  #: metric at ``low`` minus baseline, paired
    high_effect: Estimate

    @property
    def swing(self) -> float:
        return abs(self.high_effect.mean - self.low_effect.mean)


@dataclass
class SensitivityResult:
    """One-at-a-time sensitivity of one metric: tornado data, widest swing first."""

    scenario_name: str
    seed: int
    metric: str
    fraction: float
    baseline: Estimate
    rows: list[SensitivityRow]
    skipped: dict[str, str]

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "parameter": r.parameter,
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
            }
            for r in self.rows
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "metric": self.metric,
            "fraction": self.fraction,
            "baseline": self.baseline.to_dict(),
            "parameters": self.summary(),
            "skipped": self.skipped,
        }

    def to_records(self) -> np.ndarray:
        rows = self.summary()
        width = max([len(r["parameter"]) for r in rows] + [1])
        dtype = (
            [("parameter", f"U{width}")] + [(k, "f8") for k in rows[0] if k != "parameter"]
            if rows
            else []
        )
        return np.array([tuple(r.values()) for r in rows], dtype=dtype or [("parameter", "U1")])

    def to_pandas(self) -> Any:
        return records_to_pandas(self.summary())


def touchpoint_parameters(
    scenario: Scenario, touchpoints: Sequence[str] | None = None
) -> dict[str, float]:
    """Every non-zero numeric parameter of the chosen touchpoints, by dotted path."""
    data = scenario.model_dump()["touchpoints"]
    chosen = touchpoints or list(data)
    unknown = [t for t in chosen if t not in data]
    if unknown:
        raise ExperimentError(f"no touchpoint {', '.join(unknown)} (there are: {', '.join(data)})")
    found: dict[str, float] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k != "mediocrity":  # set by the other two shares
                    walk(v, f"{path}.{k}")
        elif isinstance(node, int | float) and not isinstance(node, bool) and node != 0:
            found[path] = node

    for name in chosen:
        walk(data[name], f"touchpoints.{name}")
    return found


def sensitivity(
    scenario: Scenario,
    fraction: float = 0.1,
    replications: int = 5,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    metric: str = "active_at_horizon",
    touchpoints: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
    horizon_days: float | None = None,
    progress: Progress | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    allow_large: bool = False,
) -> SensitivityResult:
    """Vary each numeric touchpoint parameter by -/+ ``fraction`` and measure ``metric``.

    ``touchpoints`` limits the run to those touchpoints' parameters; ``parameters`` names the
    dotted paths to vary instead (any numeric parameter of the scenario).
    """
    check_metric(metric)
    check_number("fraction", fraction, 0.0, 1.0)
    check_number("replications", replications, 1)
    if not 0 < fraction < 1:
        raise ExperimentError(f"fraction must lie between 0 and 1, not {fraction}")
    variants: list[tuple[str, float, float, float, Scenario, Scenario]] = []
    skipped: dict[str, str] = {}
    if parameters:
        data = scenario.model_dump()
        try:
            candidates = {p: get_path(data, p) for p in parameters}
        except PathError as error:
            raise ExperimentError(str(error)) from None
    else:
        candidates = touchpoint_parameters(scenario, touchpoints)
    for path, base in candidates.items():
        if isinstance(base, bool) or not isinstance(base, int | float):
            raise ExperimentError(f"{path} is {base!r}, not a number to vary")
        low, high = _bounds(path, base, fraction)
        if low == high:
            skipped[path] = "too small to vary"
            continue
        try:
            variants.append(
                (
                    path,
                    float(base),
                    low,
                    high,
                    _variant(scenario, {path: low}),
                    _variant(scenario, {path: high}),
                )
            )
        except ExperimentError as error:
            skipped[path] = str(error)
    root = scenario.seed if seed is None else seed
    everything = [scenario] + [s for v in variants for s in v[4:]]
    check_size(len(everything), replications, allow_large, "scenario variants")
    execution = Execution(jobs, backend, scheduler, None, progress, allow_large)
    runs = run_replications(everything, root, range(replications), execution, horizon_days)
    base_values = np.array([r.headline[metric] for r in runs[0]], dtype=float)

    def effect(group: list[RunSummary]) -> Estimate:
        return estimate(np.array([r.headline[metric] for r in group], dtype=float) - base_values)

    rows = [
        SensitivityRow(path, base, low, high, effect(runs[1 + 2 * k]), effect(runs[2 + 2 * k]))
        for k, (path, base, low, high, _, _) in enumerate(variants)
    ]
    rows.sort(key=lambda r: (-r.swing, r.parameter))
    return SensitivityResult(
        scenario.name, root, metric, fraction, estimate(base_values), rows, skipped
    )


def _bounds(path: str, base: float, fraction: float) -> tuple[float, float]:
    if isinstance(base, int) and not isinstance(base, bool):
        step = max(1, round(base * fraction))
        return max(base - step, 1 if path.endswith(".servers") else 0), base + step
    low, high = base * (1 - fraction), base * (1 + fraction)
    if _is_probability(path):
        high = min(high, 1.0)
    return low, high


def _is_probability(path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1]
    return leaf in ("misery", "magic", "rate", "recovery") and ".shifts." not in path


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
