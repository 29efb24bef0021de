"""Experiments: replications with intervals, what-if comparisons on common random numbers,
sweeps and sensitivity, on one process or a local pool."""

from truthsim.experiments.backends import default_jobs, run_tasks
from truthsim.experiments.candidates import budget_sets, variants_of
from truthsim.experiments.compare import Comparison, Selection, VariantResult
from truthsim.experiments.errors import ExperimentError
from truthsim.experiments.procedures import compare
from truthsim.experiments.replication import METRICS, ReplicationResult, replicate, replication_seed
from truthsim.experiments.stats import Estimate, estimate
from truthsim.experiments.sweep import (
    SensitivityResult,
    SweepResult,
    parse_values,
    parse_vary,
    sensitivity,
    sweep,
)

__all__ = [
    "METRICS",
    "Comparison",
    "Estimate",
    "ExperimentError",
    "ReplicationResult",
    "Selection",
    "SensitivityResult",
    "SweepResult",
    "VariantResult",
    "budget_sets",
    "compare",
    "default_jobs",
    "estimate",
    "parse_values",
    "parse_vary",
    "replicate",
    "replication_seed",
    "run_tasks",
    "sensitivity",
    "sweep",
    "variants_of",
]
