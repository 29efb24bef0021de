"""``truthsim report``: run the what-if (or read saved results) and write one HTML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from truthsim.cli.figures import FIGURE_DATA
from truthsim.cli.friendly import UserError, friendly
from truthsim.cli.loading import scenario_to_run
from truthsim.cli.options import (
    ExperimentSettings,
    experiment_options,
    interruptible,
    progress_bar,
)
from truthsim.cli.results import as_run, scenario_meta
from truthsim.cli.uncertainty import load_option, uncertainty_meta, uncertainty_option
from truthsim.cli.whatif import answer_arguments, answer_options, selection_options
from truthsim.experiments import compare
from truthsim.io import check_free, write_text
from truthsim.plots.data import figure_data
from truthsim.report import build_report
from truthsim.report.calibration import build_calibration_report
from truthsim.report.combined import build_combined_report
from truthsim.report.experiments import build_experiment_report
from truthsim.saving import save
from truthsim.scenario import Scenario, ScenarioError, load_scenario


@click.command(
    epilog="""\b
Examples:
  truthsim report airline -o report.html            # the best, with a guarantee
  truthsim report --from results/ -o report.html      # saved whatif, sweep, sensitivity, leverage, calibration
  truthsim report --from whatif/ --from sweep/ -o all.html   # one page for several folders
"""
)
@click.argument("scenario", metavar="[SCENARIO]", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--from",
    "sources",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Report saved results instead of running a what-if: a folder written by 'whatif', "
    "'sweep', 'sensitivity' or 'leverage' with --out, or the folder of 'calibrate -o'. Repeat it "
    "for one "
    "combined report that opens with every answer.",
)
@selection_options
@answer_options
@experiment_options
@uncertainty_option
@friendly
def report(
    scenario: str | None,
    output: Path,
    sources: tuple[Path, ...],
    only: tuple[str, ...],
    combinations: int,
    settings: ExperimentSettings,
    uncertainty_file: Path | None = None,
    **options: Any,
) -> None:
    """Write a self-contained HTML report of SCENARIO's what-if, or of saved what-if, sweep or
    sensitivity or leverage results with --from. With --json, print the reported results as
    JSON."""
    out = settings.out
    if output.exists() and not settings.force:
        raise UserError(f"{output} already exists; choose another -o or add --force")
    if sources:
        if scenario is not None:
            raise UserError("give either SCENARIO (to run the what-if) or --from RESULTS, not both")
        if uncertainty_file is not None:
            raise UserError(
                "--parameter-uncertainty goes with a SCENARIO to run; saved results already say "
                "what their intervals include"
            )
        parts = [saved_report(folder) for folder in sources]
        if len(parts) == 1:
            kind, page, results = parts[0]
            write_text(output, page)
            settings.show({"report": str(output), kind: results}, lambda: f"wrote {output}")
            return
        title = f"{len(parts)} experiments: the answers"
        write_text(output, build_combined_report(title, [page for _, page, _ in parts]))
        data = {
            "report": str(output),
            "parts": [
                {"kind": kind, "folder": str(folder), "results": results}
                for folder, (kind, _, results) in zip(sources, parts, strict=True)
            ],
        }
        settings.show(data, lambda: f"wrote {output}")
        return
    if scenario is None:
        raise UserError("give a SCENARIO to run, or --from RESULTS to report saved results")
    loaded = scenario_to_run(scenario, settings.warmup_days)
    arguments = answer_arguments(settings, **options)
    uncertainty = load_option(uncertainty_file, loaded)
    if out is not None:
        check_free(out, force=settings.force)
    with progress_bar("report", settings.quiet) as progress, interruptible(None):
        result = compare(
            loaded,
            list(only) or None,
            combinations=combinations,
            **arguments,
            parameter_uncertainty=uncertainty,
            **settings.api(progress),
        )
    comparison = result.to_dict()
    meta = {**scenario_meta(scenario), **uncertainty_meta(uncertainty)}
    loaded = as_run(loaded, settings.horizon_days)
    if out is not None:
        save(result, out, force=settings.force, scenario=loaded, meta=meta)
    figures = figure_data(result, warmup_days=loaded.warmup_days)
    write_text(output, build_report(comparison, figures, loaded, meta))
    settings.show({"report": str(output), "whatif": comparison}, lambda: f"wrote {output}")


def saved_report(folder: Path) -> tuple[str, str, dict[str, Any]]:
    """(kind, report page, the results it reports) of one saved folder."""
    kind = saved_kind(folder)
    if kind == "calibration":
        data, loaded, meta = read_calibration(folder)
        return kind, build_calibration_report(data, loaded, meta), data
    if kind != "whatif":
        data, figures, loaded, meta = read_saved(folder, f"{kind}.json")
        return kind, build_experiment_report(kind, data, figures, loaded, meta), data
    comparison, figures, loaded, meta = read_saved(folder)
    return kind, build_report(comparison, figures, loaded, meta), comparison


def read_calibration(folder: Path) -> tuple[dict[str, Any], Scenario, dict[str, Any]]:
    """calibration.json and the calibrated scenario beside it."""
    path = folder / "calibration.json"
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: not valid JSON (line {error.lineno}): {error.msg}") from None
    scenarios = sorted(folder.glob("*.yaml"))
    if len(scenarios) != 1:
        raise UserError(
            f"{folder}: the calibrated scenario should be the one .yaml file beside "
            f"calibration.json (found {len(scenarios)}); keep the folder 'calibrate -o' wrote"
        )
    from truthsim import __version__

    meta = {"truthsim": __version__, "scenario_file": scenarios[0].name}
    return data, load_scenario(scenarios[0]), meta


def saved_kind(folder: Path) -> str:
    """Which experiment a results folder holds: whatif, sweep, sensitivity, leverage or
    calibration."""
    for kind in ("whatif", "sweep", "sensitivity", "leverage", "calibration"):
        if (folder / f"{kind}.json").exists():
            return kind
    raise UserError(
        f"{folder}: no whatif.json, sweep.json, sensitivity.json, leverage.json or "
        "calibration.json; write results with "
        f"'truthsim whatif|sweep|sensitivity|leverage SCENARIO --out {folder}' or "
        f"'truthsim calibrate SCENARIO --data DATA -o {folder}/calibrated.yaml'"
    )


def read_saved(
    folder: Path, results: str = "whatif.json"
) -> tuple[dict[str, Any], dict[str, Any], Scenario, dict[str, Any]]:
    """The results (what-if table by default), figure data, scenario and meta saved in ``folder``."""

    def load(name: str) -> Any:
        path = folder / name
        if not path.exists():
            raise UserError(
                f"{folder}: no {name}; write results with 'truthsim "
                f"{results.removesuffix('.json')} SCENARIO --out {folder}'"
            )
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise UserError(f"{path}: not valid JSON (line {error.lineno}): {error.msg}") from None

    comparison, figures, scenario, meta = (
        load(n) for n in (results, FIGURE_DATA, "scenario.json", "meta.json")
    )
    try:
        loaded = Scenario.model_validate(scenario)
    except (ValueError, ScenarioError) as error:
        raise UserError(f"{folder / 'scenario.json'}: not a valid scenario ({error})") from None
    return comparison, figures, loaded, meta
