"""truthsim: moment-of-truth customer journey simulation.

>>> import truthsim
>>> scenario = truthsim.load_scenario("airline")          # a file path or a bundled name
>>> result = truthsim.simulate(scenario, seed=1)          # one replication
>>> result.headline["return_rate"], result.moments[:3]    # summary metrics, numpy records

Names load on first use, so ``truthsim --version`` does not wait for the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from truthsim._version import __version__

#: public name -> the module that defines it
_EXPORTS = {
    "Scenario": "truthsim.scenario",
    "ScenarioError": "truthsim.scenario",
    "apply_changes": "truthsim.scenario",
    "apply_improvement": "truthsim.scenario",
    "load_scenario": "truthsim.scenario",
    "parse_scenario": "truthsim.scenario",
    "scenario_from_dict": "truthsim.scenario",
    "SimulationResult": "truthsim.engine",
    "simulate": "truthsim.engine",
    "Execution": "truthsim.experiments",
}

if TYPE_CHECKING:
    from truthsim.engine import SimulationResult, simulate
    from truthsim.experiments import Execution
    from truthsim.scenario import (
        Scenario,
        ScenarioError,
        apply_changes,
        apply_improvement,
        load_scenario,
        parse_scenario,
        scenario_from_dict,
    )


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'truthsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "Execution",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "apply_changes",
    "apply_improvement",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
    "simulate",
]
