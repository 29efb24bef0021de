"""Scenario files: the typed schema, loading with precise errors, and improvement patches.

Knows nothing of the simulation engine.
"""

from truthsim.scenario.bundled import bundled_names, bundled_path
from truthsim.scenario.customers import Arrivals, Segment
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.improvement import Change, Cost, Improvement
from truthsim.scenario.journey import Step
from truthsim.scenario.loader import (
    fingerprint,
    load_scenario,
    parse_scenario,
    resolve_source,
    scenario_from_dict,
)
from truthsim.scenario.memory import Complaints, Memory, WordOfMouth
from truthsim.scenario.patch import apply_changes, apply_improvement
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES, Outcomes, Shifts, Touchpoint
from truthsim.scenario.value import Value

__all__ = [
    "OUTCOMES",
    "Arrivals",
    "Change",
    "Complaints",
    "Cost",
    "Distribution",
    "Improvement",
    "Memory",
    "Outcomes",
    "Problem",
    "Scenario",
    "ScenarioError",
    "Segment",
    "Shifts",
    "Step",
    "Touchpoint",
    "Value",
    "WordOfMouth",
    "apply_changes",
    "apply_improvement",
    "bundled_names",
    "bundled_path",
    "fingerprint",
    "load_scenario",
    "parse_scenario",
    "resolve_source",
    "scenario_from_dict",
]
