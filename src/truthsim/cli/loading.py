"""Loading the scenario a command runs: its file, and the firm's customers it starts from."""

from __future__ import annotations

from truthsim.scenario import load_scenario
from truthsim.scenario.model import Scenario


def scenario_to_run(source: str) -> Scenario:
    """The scenario at ``source``, ready to run: a base of the firm's customers in its data
    (``customer_base: {data: FOLDER}``) is computed once and saved for every worker."""
    loaded = load_scenario(source)
    if loaded.customer_base.kind == "data":
        from truthsim.calibration import with_firm_base

        loaded = with_firm_base(loaded)
    return loaded
