"""``truthsim sweep``: how results respond to a grid of parameter values, as paired differences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from truthsim.cli.figures import FigureOptions, check_plots, plots_option
from truthsim.cli.format import number, table
from truthsim.cli.friendly import UserError, friendly
from truthsim.cli.loading import scenario_to_run
from truthsim.cli.options import (
    ExperimentSettings,
    check_out,
    checkpoint_store,
    experiment_options,
    interruptible,
    progress_bar,
    resume_option,
    tell_resumed,
)
from truthsim.cli.results import deliver
from truthsim.cli.uncertainty import load_option, uncertainty_meta, uncertainty_option
from truthsim.cli.whatif import intervals_line
from truthsim.experiments import Estimate, SweepResult, parse_reference, parse_vary, sweep


@click.command(
    name="sweep",
    epilog="""\b
Examples:
  truthsim sweep airline --vary touchpoints.reservation.servers=1..4
  truthsim sweep airline --vary touchpoints.gate.servers=2..5 --vary arrivals.per_day=60,80,100
  truthsim sweep airline --vary touchpoints.gate.servers=2..5 --reference touchpoints.gate.servers=2 --out sweep/ --plots sweep/plots
""",
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A dotted parameter and its values: 1,2,4 or 2..8 or 0.1..0.5:0.1 (repeatable: full grid).",
)
@click.option(
    "--reference",
    "references",
    multiple=True,
    metavar="PATH=VALUE",
    help="The point differences are taken against [default: the scenario's own values].",
)
@experiment_options
@resume_option
@plots_option
@uncertainty_option
@friendly
def sweep_command(
    scenario: str,
    varies: tuple[str, ...],
    references: tuple[str, ...],
    settings: ExperimentSettings,
    resume: bool,
    plots: FigureOptions | None,
    uncertainty_file: Path | None = None,
) -> None:
    """Run SCENARIO at every point of a grid of parameter values; report each point's paired
    difference from a reference point, with the levels beside it."""
    loaded = scenario_to_run(scenario, settings.warmup_days)
    uncertainty = load_option(uncertainty_file, loaded)
    vary = once_each("--vary", [parse_vary(v) for v in varies])
    reference = once_each("--reference", [parse_reference(r) for r in references])
    out = settings.out
    runs = check_out(out, resume, settings.force)
    store = checkpoint_store(runs, settings.force)
    check_plots(plots, settings.force)
    with progress_bar("sweep", settings.quiet) as progress, interruptible(runs):
        result = sweep(
            loaded,
            vary,
            reference=reference or None,
            parameter_uncertainty=uncertainty,
            **settings.api(progress, store),
        )
    tell_resumed(store, resume)
    deliver(
        result,
        loaded,
        scenario,
        settings,
        plots,
        lambda: render_sweep(result) + intervals_line(uncertainty),
        uncertainty_meta(uncertainty),
    )


def once_each(option: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Path -> value(s), refusing a path given twice (the last would silently win)."""
    out: dict[str, Any] = {}
    for path, values in pairs:
        if path in out:
            raise UserError(f"{option} {path} is given twice; give each path once")
        out[path] = values
    return out


def _interval(e: Estimate, digits: int = 0) -> str:
    fmt = f"{{:+,.{digits}f}}"
    if e.n < 2 or e.se != e.se:
        return fmt.format(e.mean)
    return f"{fmt.format(e.mean)} ({fmt.format(e.low)}..{fmt.format(e.high)})"


def render_sweep(result: SweepResult) -> str:
    """The sweep as a table: each point's difference from the reference, then its level."""
    rows = []
    for i, point in enumerate(result.points):
        if result.is_reference(i):
            change, rate, revenue = "reference", "", ""
        else:
            change = _interval(result.difference(i, "active_at_horizon"))
            rate_change = result.difference(i, "return_rate")
            rate = f"{100 * rate_change.mean:+.2f} pts"
            revenue = _interval(result.difference(i, "revenue"))
        rows.append(
            [
                *(str(v) for v in point),
                change,
                number(result.estimate(i, "active_at_horizon").mean, 0),
                rate,
                revenue,
            ]
        )
    headers = [
        *result.parameters,
        "change in active customers (95% CI)",
        "active customers",
        "return rate",
        "revenue change (95% CI)",
    ]
    head = (
        f"{result.scenario_name}: sweep, {result.replications} replications per point "
        f"(seed {result.seed}), {result.horizon_days:g} days; differences from the reference "
        f"({result.point_words(None)}), paired on common random numbers"
    )
    body = table(headers, rows, "l" * len(result.parameters) + "rrrr")
    return f"{head}\n\n{body}\n\n{result.answer()}"
