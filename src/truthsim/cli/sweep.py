"""``truthsim sweep`` and ``truthsim sensitivity``: how results respond to parameters."""

from __future__ import annotations

from pathlib import Path

import click

from truthsim.cli.errors import UserError, friendly
from truthsim.cli.figures import check_plots, draw_figures, plots_option
from truthsim.cli.format import number, percent, table
from truthsim.cli.options import (
    ExperimentSettings,
    Finite,
    check_out,
    experiment_options,
    interruptible,
    progress_bar,
    resume_option,
)
from truthsim.experiments import (
    METRICS,
    SensitivityResult,
    SweepResult,
    parse_vary,
    sensitivity,
    sweep,
)
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.io import check_free
from truthsim.saving import save
from truthsim.scenario import load_scenario


@click.command(name="sweep")
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A dotted parameter and its values: 1,2,4 or 2..8 or 0.1..0.5:0.1 (repeatable: full grid).",
)
@experiment_options
@resume_option
@plots_option
@friendly
def sweep_command(
    scenario: str,
    varies: tuple[str, ...],
    settings: ExperimentSettings,
    resume: bool,
    plots: Path | None,
) -> None:
    """Run SCENARIO at every point of a grid of parameter values."""
    loaded = load_scenario(scenario)
    vary: dict[str, list] = {}
    for option in varies:
        path, values = parse_vary(option)
        if path in vary:
            raise UserError(f"--vary {path} is given twice; list all its values in one --vary")
        vary[path] = values
    out = settings.out
    runs = check_out(out, resume, settings.force)
    check_plots(plots, settings.force)
    with progress_bar("sweep", settings.quiet) as progress, interruptible(runs):
        result = sweep(
            loaded,
            vary,
            checkpoints=runs and Checkpoints(runs, fresh=settings.force),
            **settings.api(progress),
        )
    if out is not None:
        save(result, out, force=True)  # checked before the run
    draw_figures(result, plots, settings.force)
    settings.show(result.to_dict(), lambda: render_sweep(result))


def render_sweep(result: SweepResult) -> str:
    rows = []
    for i, point in enumerate(result.points):
        active = result.estimate(i, "active_at_horizon")
        rate = result.estimate(i, "return_rate")
        rows.append(
            [
                *(str(v) for v in point),
                f"{active.mean:,.0f} ({active.low:,.0f}..{active.high:,.0f})",
                percent(rate.mean),
                number(result.estimate(i, "revenue").mean, 0),
                f"{100 * result.estimate(i, 'net_moment_score').mean:+.1f}",
            ]
        )
    headers = [
        *result.parameters,
        "active at horizon (95% CI)",
        "return rate",
        "revenue",
        "net moment score",
    ]
    head = f"{result.scenario_name}: sweep, {len(result.runs[0])} replications per point (seed {result.seed})"
    return head + "\n\n" + table(headers, rows, "l" * len(result.parameters) + "rrrr")


@click.command(name="sensitivity")
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--fraction",
    type=Finite(0, 1, min_open=True, max_open=True),
    default=0.1,
    show_default=True,
    help="Vary each parameter down and up by this share.",
)
@click.option(
    "--metric", type=click.Choice(METRICS), default="active_at_horizon", show_default=True
)
@click.option(
    "--touchpoint",
    "touchpoints",
    multiple=True,
    metavar="NAME",
    help="Only this touchpoint's parameters (repeatable).",
)
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="PATH",
    help="Vary exactly this dotted parameter (repeatable; overrides --touchpoint).",
)
@experiment_options
@plots_option
@friendly
def sensitivity_command(
    scenario: str,
    fraction: float,
    metric: str,
    touchpoints: tuple[str, ...],
    parameters: tuple[str, ...],
    settings: ExperimentSettings,
    plots: Path | None,
) -> None:
    """Vary each numeric touchpoint parameter of SCENARIO one at a time; rank by effect (tornado)."""
    loaded = load_scenario(scenario)
    out = settings.out
    if out is not None:
        check_free(out, force=settings.force)
    check_plots(plots, settings.force)
    with progress_bar("sensitivity", settings.quiet) as progress, interruptible(None):
        result = sensitivity(
            loaded,
            fraction,
            metric=metric,
            touchpoints=list(touchpoints) or None,
            parameters=list(parameters) or None,
            **settings.api(progress),
        )
    if out is not None:
        save(result, out, force=settings.force)
    draw_figures(result, plots, settings.force)
    settings.show(result.to_dict(), lambda: render_sensitivity(result))


def render_sensitivity(result: SensitivityResult) -> str:
    rows = [
        [
            r.parameter,
            f"{r.base:g}",
            f"{r.low:g} / {r.high:g}",
            f"{r.low_effect.mean:+,.1f} ({r.low_effect.low:+,.1f}..{r.low_effect.high:+,.1f})",
            f"{r.high_effect.mean:+,.1f} ({r.high_effect.low:+,.1f}..{r.high_effect.high:+,.1f})",
            f"{r.swing:,.1f}",
        ]
        for r in result.rows
    ]
    head = (
        f"{result.scenario_name}: sensitivity of {result.metric} to -/+{result.fraction:.0%} "
        f"(baseline {result.baseline.mean:,.2f}), {result.baseline.n} replications, widest swing first"
    )
    out = (
        head
        + "\n\n"
        + table(
            ["parameter", "value", "low / high", "effect at low", "effect at high", "swing"], rows
        )
    )
    if result.skipped:
        out += "\n\nnot varied: " + "; ".join(f"{k} ({v})" for k, v in result.skipped.items())
    return out
