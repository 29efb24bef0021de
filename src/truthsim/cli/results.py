"""What an experiment command does with its result: save the folder, draw the figures, print."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from truthsim import __version__
from truthsim.cli.figures import FigureOptions, draw_figures
from truthsim.cli.options import ExperimentSettings
from truthsim.saving import save
from truthsim.scenario import Scenario, fingerprint
from truthsim.scenario.patch import with_horizon


def scenario_meta(source: str) -> dict[str, Any]:
    """What a reader needs to reproduce a result: versions and the scenario file's fingerprint."""
    return {
        "truthsim": __version__,
        "scenario_file": Path(str(source)).name if Path(str(source)).exists() else str(source),
        "scenario_sha256": fingerprint(source),
    }


def as_run(scenario: Scenario, horizon_days: float | None) -> Scenario:
    """The scenario as simulated (with any --horizon-days), for what is saved and reported."""
    return scenario if horizon_days is None else with_horizon(scenario, horizon_days)


def deliver(
    result: Any,
    loaded: Scenario,
    source: str,
    settings: ExperimentSettings,
    plots: FigureOptions | None,
    text: Callable[[], str],
    meta: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Save ``result``'s folder with ``--out`` (its occupancy was checked before the run), draw
    ``--plots``, and print the result (JSON with ``--json``: ``data``, by default
    ``result.to_dict()``)."""
    if settings.out is not None:
        save(
            result,
            settings.out,
            force=True,
            scenario=as_run(loaded, settings.horizon_days),
            meta={**scenario_meta(source), **(meta or {})},
        )
    draw_figures(result, plots, settings.force, loaded.warmup_days)
    settings.show(result.to_dict() if data is None else data, text)
