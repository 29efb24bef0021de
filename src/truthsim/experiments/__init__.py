"""Experiments: replications with intervals, what-if comparisons on common random numbers,
sweeps, one-at-a-time and global sensitivity, on one process, a local pool or a Dask cluster
(each told how by one :class:`Execution`)."""

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution, default_jobs, run_tasks
from truthsim.experiments.candidates import Budget, budget_sets, variants_of
from truthsim.experiments.compare import Comparison, Selection, VariantResult
from truthsim.experiments.criteria import Criteria
from truthsim.experiments.fixed import compare_fixed
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
from truthsim.experiments.sequential import best_within_budget, select_best
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.sweep import SweepResult, parse_reference, parse_values, parse_vary, sweep
from truthsim.experiments.two_stage import compare_to_precision

__all__ = [
    "DEFAULT_REPLICATIONS",
    "GLOBAL_METHODS",
    "METRICS",
    "Budget",
    "Comparison",
    "Criteria",
    "Estimate",
    "Execution",
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
    "best_within_budget",
    "budget_sets",
    "compare",
    "compare_fixed",
    "compare_to_precision",
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
    "select_best",
    "sensitivity",
    "sweep",
    "touchpoint_parameters",
    "variants_of",
]
