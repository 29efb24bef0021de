"""``--parameter-uncertainty calibration.json``: draw calibrated parameters per replication."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from truthsim.scenario import Scenario

uncertainty_option = click.option(
    "--parameter-uncertainty",
    "uncertainty_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="calibration.json",
    help="Draw the calibrated parameters in this file per replication (the same draw for every "
    "variant), so intervals include what the data leave unknown.",
)


def load_option(path: Path | None, scenario: Scenario) -> Any:
    """The ParameterUncertainty the option names (None without it); checked against the scenario."""
    if path is None:
        return None
    from truthsim.experiments.uncertainty import load_uncertainty

    return load_uncertainty(path, scenario)


def uncertainty_meta(uncertainty: Any) -> dict[str, Any]:
    """What the results' meta.json (and the report) say about the intervals."""
    if uncertainty is None:
        return {"intervals_include": "simulation noise"}
    return {
        "intervals_include": "simulation noise and parameter uncertainty",
        "parameter_uncertainty": uncertainty.describe(),
    }


def with_uncertainty(command: Callable[..., Any]) -> Callable[..., Any]:
    return uncertainty_option(command)
