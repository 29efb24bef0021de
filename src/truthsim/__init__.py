"""truthsim: moment-of-truth customer journey simulation.

>>> import truthsim
>>> scenario = truthsim.load_scenario("airline")          # a file path or a bundled name
>>> result = truthsim.simulate(scenario, seed=1)          # one replication
>>> result.headline["return_rate"], result.moments[:3]    # summary metrics, numpy records
"""

from truthsim._version import __version__
from truthsim.engine import SimulationResult, simulate
from truthsim.scenario import (
    Scenario,
    ScenarioError,
    apply_changes,
    apply_improvement,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "apply_changes",
    "apply_improvement",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
