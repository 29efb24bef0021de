"""Experiments: replications with intervals, what-if comparisons on common random numbers,
sweeps, one-at-a-time and global sensitivity, on one process, a local pool or a Dask cluster."""

from truthsim.experiments.backends import default_jobs, run_tasks
from truthsim.experiments.candidates import Budget, budget_sets, variants_of
from truthsim.experiments.compare import Comparison, Selection, VariantResult
from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.global_sensitivity import (
    GLOBAL_METHODS,
    GlobalSensitivityResult,
    global_sensitivity,
)
from truthsim.experiments.leverage import leverage
from truthsim.experiments.leverage_result import LeverageResult
from truthsim.experiments.one_at_a_time import SensitivityResult, SensitivityRow, sensitivity
from truthsim.experiments.parameters import Parameter, describe_path, touchpoint_parameters
from truthsim.experiments.procedures import compare
from truthsim.experiments.replication import (
    DEFAULT_REPLICATIONS,
    METRICS,
    ReplicationResult,
    replicate,
    replication_seed,
)
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.sweep import SweepResult, parse_reference, parse_values, parse_vary, sweep

__all__ = [
    "DEFAULT_REPLICATIONS",
    "GLOBAL_METHODS",
    "METRICS",
    "Budget",
    "Comparison",
    "Estimate",
    "ExperimentError",
    "GlobalSensitivityResult",
    "LeverageResult",
    "Parameter",
    "ReplicationResult",
    "Selection",
    "SensitivityResult",
    "SensitivityRow",
    "SweepResult",
    "VariantResult",
    "budget_sets",
    "compare",
    "default_jobs",
    "describe_path",
    "estimate",
    "global_sensitivity",
    "leverage",
    "parse_reference",
    "parse_values",
    "parse_vary",
    "replicate",
    "replication_seed",
    "run_tasks",
    "sensitivity",
    "sweep",
    "touchpoint_parameters",
    "variants_of",
]
