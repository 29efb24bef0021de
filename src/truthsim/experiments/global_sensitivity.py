"""Global sensitivity with SALib: Morris screening and Sobol indices over valid parameter ranges.

Every parameter moves at once across its range (see :mod:`truthsim.experiments.parameters`), so
effects that depend on other parameters show up, unlike one at a time. Every sample point runs on
the same replication seeds (common random numbers): the simulation becomes, for the analysis, a
fixed function of its parameters averaged over those replications, and the differences Morris's
elementary effects and Sobol's estimators are built from are paired rather than drawn afresh.
Whole-number parameters are sampled as whole numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from truthsim.errors import ExperimentError
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
    check_metric,
    run_replications,
)
from truthsim.experiments.stats import CONFIDENCE
from truthsim.experiments.tables import records_to_pandas
from truthsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

Method = Literal["morris", "sobol"]
GLOBAL_METHODS: tuple[str, ...] = ("morris", "sobol")
#: Morris grid levels (SALib's default) and bootstrap resamples for the confidence intervals
LEVELS = 4
RESAMPLES = 1000
SALIB_HINT = (
    "global sensitivity needs SALib: pip install 'truthsim[sensitivity]' (or pip install SALib); "
    "--method oat runs without it"
)
#: the index columns of each method, in table order
INDICES = {
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


@dataclass(repr=False)
class GlobalSensitivityResult:
    """Morris (mu*, sigma) or Sobol (first-order and total) indices of one metric per parameter.

    ``samples`` holds the parameter values of every sample point (one row each, whole numbers
    rounded as simulated) and ``outputs`` the metric there in every replication.
    """

    scenario_name: str
    seed: int
    method: str
    metric: str
    fraction: float
    parameters: list[Parameter]
    indices: dict[str, np.ndarray]
    samples: np.ndarray = field(repr=False)
    outputs: np.ndarray = field(repr=False)
    skipped: dict[str, str] = field(default_factory=dict)
    horizon_days: float = 0.0

    @property
    def replications(self) -> int:
        return int(self.outputs.shape[1])

    def order(self) -> list[int]:
        """Parameter positions, most influential first (mu* for Morris, total index for Sobol)."""
        key = self.indices["mu_star" if self.method == "morris" else "ST"]
        return sorted(range(len(self.parameters)), key=lambda i: (-_or_zero(key[i]), i))

    def summary(self) -> list[dict[str, Any]]:
        """One row per parameter, most influential first: range and indices with intervals."""
        rows = []
        for i in self.order():
            p = self.parameters[i]
            row: dict[str, Any] = {
                "parameter": p.path,
                "label": p.label,
                "base": p.base,
                "low": p.low,
                "high": p.high,
                "integer": p.integer,
            }
            row.update({k: float(self.indices[k][i]) for k in INDICES[self.method]})
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "method": self.method,
            "seed": self.seed,
            "metric": self.metric,
            "fraction": self.fraction,
            "horizon_days": self.horizon_days,
            "replications": self.replications,
            "sample_points": int(self.samples.shape[0]),
            "confidence": CONFIDENCE,
            "answer": self.answer(),
            "parameters": self.summary(),
            "skipped": self.skipped,
        }

    def to_records(self) -> np.ndarray:
        """One row per sample point: every parameter's value and the metric's mean there."""
        dtype = [("sample", "i4")] + [(p.path, "f8") for p in self.parameters]
        dtype.append((self.metric, "f8"))
        means = self.outputs.mean(axis=1)
        return np.array(
            [(k, *row, means[k]) for k, row in enumerate(self.samples.tolist())], dtype=dtype
        )

    def to_pandas(self) -> pd.DataFrame:
        """The indices table as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary(), categories=("parameter", "label"))

    def answer(self) -> str:
        """The main finding in words, true at the stated confidence."""
        if not self.parameters:
            return "No parameter could be varied."
        metric = self.metric.replace("_", " ")
        ranked = [self.parameters[i] for i in self.order()]
        if self.method == "morris":
            mu, conf = self.indices["mu_star"], self.indices["mu_star_conf"]
            top = self.order()[0]
            clear = [i for i in self.order() if mu[i] - conf[i] > 0]
            low, high = max(0.0, mu[top] - conf[top]), mu[top] + conf[top]
            return (
                f"{ranked[0].label} moves {metric} the most: varied across its range, it "
                f"changes it by about {mu[top]:,.3g} on average ({low:,.3g} to {high:,.3g}, "
                f"95% interval; Morris's mu*). {len(clear)} of {len(ranked)} parameters move "
                "it measurably (their own interval excludes zero)."
            )
        st, conf = self.indices["ST"], self.indices["ST_conf"]
        top = self.order()[0]
        clear = [i for i in self.order() if st[i] - conf[i] > 0]
        low, high = max(0.0, st[top] - conf[top]), min(1.0, st[top] + conf[top])
        return (
            f"{ranked[0].label} explains the largest share of how {metric} varies: about "
            f"{st[top]:.0%} with its interactions ({low:.0%} to {high:.0%}, 95% interval; "
            f"Sobol's total index). {len(clear)} of {len(ranked)} parameters explain a "
            "measurable share (their own interval excludes zero)."
        )

    def __repr__(self) -> str:
        top = (
            f"; most influential: {self.parameters[self.order()[0]].path}"
            if self.parameters
            else ""
        )
        return (
            f"<GlobalSensitivityResult {self.scenario_name!r}: {self.method}, {self.metric}, "
            f"{len(self.parameters)} parameters, {self.samples.shape[0]} sample points x "
            f"{self.replications} replications{top}>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        if self.method == "morris":
            columns = ["mean absolute effect mu* (95% CI)", "spread sigma"]
            shown = [("mu_star", "mu_star_conf"), ("sigma", None)]
        else:
            columns = ["first-order S1 (95% CI)", "total ST (95% CI)"]
            shown = [("S1", "S1_conf"), ("ST", "ST_conf")]

        def cell(row: dict[str, Any], key: str, conf: str | None) -> str:
            if conf is None:
                return f"{row[key]:,.3g}"
            low, high = row[key] - row[conf], row[key] + row[conf]
            return f"{row[key]:,.3g} ({low:,.3g}..{high:,.3g})"

        rows = [
            [r["label"], f"{r['low']:.3g}..{r['high']:.3g}", *(cell(r, *k) for k in shown)]
            for r in self.summary()
        ]
        return html_table(
            f"{self.scenario_name}: {self.method} sensitivity of {self.metric}",
            ["parameter", "varied over", *columns],
            rows,
        )


def global_sensitivity(
    scenario: Scenario,
    method: Method = "morris",
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    fraction: float = 0.1,
    metric: str = "active_at_horizon",
    touchpoints: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
    trajectories: int = 10,
    samples: int = 64,
    horizon_days: float | None = None,
    execution: Execution | None = None,
    **deprecated: Any,
) -> GlobalSensitivityResult:
    """Morris screening (``trajectories`` paths of one step per parameter) or Sobol indices.

    Sobol takes ``samples`` base points (a power of 2) and runs ``samples * (parameters + 2)``
    sample points; Morris runs ``trajectories * (parameters + 1)``. Each point runs
    ``replications`` times on the same seeds as every other point. Parameters are chosen and
    ranged as for :func:`~truthsim.experiments.sensitivity` (-/+ ``fraction``), and
    ``execution`` as there.
    """
    execution = execution_of(
        "global_sensitivity", execution, deprecated, jobs=jobs, uses=WITHOUT_CHECKPOINTS
    )
    if method not in GLOBAL_METHODS:
        raise ExperimentError(
            f"unknown method '{method}'; choose one of {', '.join(GLOBAL_METHODS)}"
        )
    check_metric(metric)
    check_number("fraction", fraction, 0.0, 1.0)
    check_number("replications", replications, 1)
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise ExperimentError(f"Sobol needs a power of 2 of base samples (e.g. 64), not {samples}")
    if method == "morris" and trajectories < 2:
        raise ExperimentError(f"Morris needs at least 2 trajectories, not {trajectories}")
    salib = _salib()
    candidates = parameters or list(touchpoint_parameters(scenario, touchpoints))
    chosen, skipped = parameter_ranges(scenario, candidates, fraction)
    if not chosen:
        raise ExperimentError(
            "no parameter to vary: " + "; ".join(f"{k} ({v})" for k, v in skipped.items())
        )
    points = trajectories * (len(chosen) + 1) if method == "morris" else samples * (len(chosen) + 2)
    check_size(points, replications, execution.allow_large, f"{method} sample points")
    root = scenario.seed if seed is None else seed
    problem = {
        "num_vars": len(chosen),
        "names": [p.path for p in chosen],
        "bounds": [_sampled_bounds(p, method) for p in chosen],
    }
    if method == "morris":
        design = salib.morris_sample(problem, trajectories, num_levels=LEVELS, seed=root)
    else:
        design = salib.sobol_sample(problem, samples, calc_second_order=False, seed=root)
    values = _as_simulated(design, chosen)
    scenarios = [
        with_values(scenario, dict(zip(problem["names"], row, strict=True)))
        for row in values.tolist()
    ]
    runs = run_replications(
        scenarios, root, range(replications), execution, horizon_days, base_of=scenario
    )
    outputs = np.array([[r.headline[metric] for r in group] for group in runs], dtype=float)
    if np.isnan(outputs).any():
        raise ExperimentError(f"{metric} is undefined at some sample points; choose another metric")
    mean = outputs.mean(axis=1)
    if method == "morris":
        found = salib.morris_analyze(
            problem,
            design,
            mean,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            num_levels=LEVELS,
            seed=root,
        )
    else:
        found = salib.sobol_analyze(
            problem,
            mean,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            seed=root,
        )
    indices = {k: np.asarray(found[k], dtype=float) for k in INDICES[method]}
    horizon = scenario.horizon_days if horizon_days is None else horizon_days
    return GlobalSensitivityResult(
        scenario.name,
        root,
        method,
        metric,
        fraction,
        chosen,
        indices,
        values,
        outputs,
        skipped,
        horizon,
    )


def _sampled_bounds(p: Parameter, method: str) -> list[float]:
    """Morris steps between grid levels of the range; Sobol samples whole numbers evenly."""
    if p.integer and method == "sobol":
        return [p.low - 0.5, p.high + 0.5]
    return [p.low, p.high]


def _as_simulated(design: np.ndarray, parameters: Sequence[Parameter]) -> np.ndarray:
    """The design with whole-number parameters rounded to the whole numbers actually simulated."""
    values = np.array(design, dtype=float)
    for k, p in enumerate(parameters):
        if p.integer:
            values[:, k] = np.clip(np.floor(values[:, k] + 0.5), p.low, p.high)
    return values


@dataclass(frozen=True)
class _SALib:
    morris_sample: Any
    morris_analyze: Any
    sobol_sample: Any
    sobol_analyze: Any


def _salib() -> _SALib:
    """SALib's samplers and analysers, imported only when a global method runs."""
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise ExperimentError(SALIB_HINT) from None
    return _SALib(
        morris_sample.sample, morris_analyze.analyze, sobol_sample.sample, sobol_analyze.analyze
    )


def _or_zero(value: float) -> float:
    return 0.0 if value != value else float(value)
