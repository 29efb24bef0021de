"""Results folders: what a run, a what-if, a sweep or a sensitivity analysis writes with ``--out``.

A script calling :func:`save` writes the same folder the command does. A folder is written as
one set: an occupied folder is refused unless ``force``, and with ``force`` the new set
replaces the old one whole (no file of an earlier run stays beside the new ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from truthsim.engine import SimulationResult
from truthsim.engine.result import COHORT_DAYS, result_files
from truthsim.experiments import (
    Comparison,
    GlobalSensitivityResult,
    SensitivityResult,
    SweepResult,
)
from truthsim.experiments.leverage_result import LeverageResult
from truthsim.io import Content, records_to_csv, rows_to_csv, to_json, write_results
from truthsim.scenario import Scenario

#: figure data, from which ``truthsim plot`` redraws the figures without simulating
FIGURE_DATA = "figures.json"


def results_files(
    result: Any,
    *,
    records: str = "csv",
    cohort_days: float = COHORT_DAYS,
    scenario: Scenario | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Content]:
    """Every file of ``result``'s folder, by name, including its figure data.

    ``scenario`` (the scenario as simulated: its warm-up is shaded in the figures) and ``meta``
    (versions, the scenario file's fingerprint) are saved beside the results when given, so a
    report can be rebuilt later.
    """
    from truthsim.plots.data import figure_data

    if isinstance(result, SimulationResult):
        files = result_files(result, records, cohort_days)
    elif isinstance(result, Comparison):
        files = {
            "whatif.csv": rows_to_csv(result.summary()),
            "whatif.json": to_json(whatif_data(result)),
            "replications.csv": records_to_csv(result.to_records()),
        }
    elif isinstance(result, SweepResult):
        files = {
            "sweep.csv": rows_to_csv(result.summary()),
            "sweep.json": to_json(result.to_dict()),
            "replications.csv": records_to_csv(result.to_records()),
        }
    elif isinstance(result, SensitivityResult | GlobalSensitivityResult):
        files = {
            "sensitivity.csv": rows_to_csv(result.summary()),
            "sensitivity.json": to_json(result.to_dict()),
        }
        if isinstance(result, GlobalSensitivityResult):
            files["samples.csv"] = records_to_csv(result.to_records())
    elif isinstance(result, LeverageResult):
        files = {
            "leverage.csv": rows_to_csv(result.summary()),
            "leverage.json": to_json(result.to_dict()),
        }
    else:
        raise TypeError(f"cannot save a {type(result).__name__}")
    warmup = scenario.warmup_days if scenario is not None else 0.0
    files[FIGURE_DATA] = to_json(figure_data(result, warmup_days=warmup))
    if scenario is not None:
        files["scenario.json"] = to_json(scenario.model_dump(mode="json"))
    if meta is not None:
        files["meta.json"] = to_json(meta)
    return files


def whatif_data(result: Comparison) -> dict[str, Any]:
    """A what-if's results with its answer in words (the same the terminal and report give)."""
    from truthsim.report.answer import meeting_answer

    data = result.to_dict()
    return {**data, "answer": meeting_answer(data)}


def save(
    result: Any,
    directory: str | Path,
    *,
    force: bool = False,
    records: str = "csv",
    cohort_days: float = COHORT_DAYS,
    scenario: Scenario | None = None,
    meta: dict[str, Any] | None = None,
) -> list[Path]:
    """Write ``result``'s folder (see :func:`results_files`); returns the files written."""
    files = results_files(
        result, records=records, cohort_days=cohort_days, scenario=scenario, meta=meta
    )
    return write_results(Path(directory), files, force)
