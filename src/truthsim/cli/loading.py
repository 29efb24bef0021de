"""Loading the scenario a command runs: its file, and the firm's customers it starts from."""

from __future__ import annotations

from truthsim.scenario import ScenarioError, apply_changes, load_scenario
from truthsim.scenario.schema import Scenario


def scenario_to_run(source: str, warmup_days: float | None = None) -> Scenario:
    """The scenario at ``source``, ready to run: a base of the firm's customers in its data
    (``customer_base: {data: FOLDER}``) is computed once and saved for every worker;
    ``warmup_days`` (``--warmup-days``) replaces the file's warm-up."""
    loaded = load_scenario(source)
    if warmup_days is not None:
        try:
            loaded = apply_changes(loaded, {"warmup_days": float(warmup_days)})
        except ScenarioError as error:
            raise ScenarioError(error.problems, file=f"{source} with --warmup-days") from None
    if loaded.customer_base.kind == "data":
        from truthsim.calibration import with_firm_base

        loaded = with_firm_base(loaded)
    return loaded
