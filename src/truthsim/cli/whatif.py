"""``truthsim whatif``: rank the scenario's improvements by customers retained."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from truthsim import __version__
from truthsim.cli.errors import friendly
from truthsim.cli.figures import FigureOptions, check_plots, draw_figures, plots_option
from truthsim.cli.format import money, number, percent, table
from truthsim.cli.options import (
    ExperimentSettings,
    check_out,
    experiment_options,
    interruptible,
    progress_bar,
    resume_option,
)
from truthsim.cli.params import Finite
from truthsim.cli.uncertainty import load_option, uncertainty_meta, uncertainty_option
from truthsim.experiments import Comparison, Estimate, compare
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.limits import MAX_REPLICATIONS
from truthsim.saving import save
from truthsim.scenario import Scenario, fingerprint, load_scenario
from truthsim.scenario.patch import with_horizon


def selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--only`` and ``--combinations``: which improvements a what-if runs."""
    command = click.option(
        "--combinations",
        type=click.IntRange(1, 3),
        default=1,
        show_default=True,
        help="Also run every pair (2) or triple (3) of improvements together.",
    )(command)
    return click.option(
        "--only", multiple=True, metavar="NAME", help="Only this improvement (repeatable)."
    )(command)


@click.command(
    epilog="""\b
Examples:
  truthsim whatif airline -r 20
  truthsim whatif airline --only reservation_agent --combinations 2 --plots plots/
  truthsim whatif airline --precision 25 --out results/ --resume
"""
)
@click.argument("scenario", metavar="SCENARIO")
@selection_options
@click.option(
    "--precision",
    type=Finite(min=0, min_open=True),
    help="Add replications until every interval of extra customers is at most this wide (half-width).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    default=200,
    show_default=True,
    help="Upper limit for --precision.",
)
@experiment_options
@resume_option
@plots_option
@uncertainty_option
@friendly
def whatif(
    scenario: str,
    only: tuple[str, ...],
    combinations: int,
    precision: float | None,
    max_replications: int,
    settings: ExperimentSettings,
    resume: bool,
    plots: FigureOptions | None,
    uncertainty_file: Path | None = None,
) -> None:
    """Compare SCENARIO's baseline with each of its improvements on common random numbers."""
    loaded = load_scenario(scenario)
    uncertainty = load_option(uncertainty_file, loaded)
    out = settings.out
    runs = check_out(out, resume, settings.force)
    check_plots(plots, settings.force)
    with progress_bar("what if", settings.quiet) as progress, interruptible(runs):
        result = compare(
            loaded,
            list(only) or None,
            combinations=combinations,
            precision=precision,
            max_replications=max_replications,
            checkpoints=runs and Checkpoints(runs, fresh=settings.force),
            parameter_uncertainty=uncertainty,
            **settings.api(progress),
        )
    if out is not None:
        save(
            result,
            out,
            force=True,  # checked before the run; the new set replaces any earlier one
            scenario=as_run(loaded, settings.horizon_days),
            meta={**scenario_meta(scenario), **uncertainty_meta(uncertainty)},
        )
    draw_figures(result, plots, settings.force, loaded.warmup_days)
    settings.show(result.to_dict(), lambda: render(result) + intervals_line(uncertainty))


def intervals_line(uncertainty: Any) -> str:
    """What the intervals include, when parameters were drawn."""
    if uncertainty is None:
        return ""
    return f"\nIntervals include parameter uncertainty: {uncertainty.describe()}."


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


def _interval(e: Estimate, fmt: str = "{:+,.0f}") -> str:
    if e.n < 2:
        return fmt.format(e.mean)
    return f"{fmt.format(e.mean)} ({fmt.format(e.low)}..{fmt.format(e.high)})"


def render(result: Comparison) -> str:
    cur = result.currency
    base = result.baseline.summary()
    lines = [
        f"{result.scenario_name}: what if? {result.replications} replications (seed {result.seed}), "
        f"{result.horizon_days:g} days, common random numbers",
        "",
        "baseline, mean (95% interval):",
        f"  customers active at horizon  {_interval(base['active_at_horizon'], '{:,.0f}')}",
        f"  return rate                  {percent(base['return_rate'].mean)} "
        f"({percent(base['return_rate'].low)}..{percent(base['return_rate'].high)})",
        f"  revenue                      {money(base['revenue'].mean, cur)} "
        f"({money(base['revenue'].low, cur)}..{money(base['revenue'].high, cur)})",
        "",
    ]
    rows = []
    for row, variant in zip(result.summary(), result.ranking(), strict=True):
        rows.append(
            [
                str(row["rank"]),
                row["improvement"] + (" *" if row["significant"] else ""),
                _interval(variant.retained),
                f"{100 * row['return_rate_change']:+.2f} pts",
                f"{row['revenue_change']:+,.0f}",
                number(row["cost"], 0),
                number(row["cost_per_retained"], 0) if row["cost_per_retained"] else "-",
                f"{row['net_value']:+,.0f}",
            ]
        )
    headers = [
        "rank",
        "improvement",
        "extra customers (95% CI)",
        "return rate",
        f"revenue {cur}",
        f"cost {cur}",
        "cost/customer",
        f"net value {cur}",
    ]
    lines.append(table(headers, rows, "rlrrrrrr"))
    lines.append("")
    lines.append(
        "* its 95% interval of extra customers excludes zero. Costs cover the simulated days."
    )
    margin = result.leader_margin()
    if margin is not None and margin.n >= 2:
        first, second = (v.name for v in result.ranking()[:2])
        verdict = (
            "the ranking of the top two is clear"
            if margin.excludes_zero
            else f"not yet separated; about {margin.replications_to_exclude_zero() or '?'} replications would tell"
        )
        lines.append(
            f"{first} keeps {margin.mean:+,.0f} more customers than {second} "
            f"(95% interval {margin.low:+,.0f}..{margin.high:+,.0f}): {verdict}."
        )
    return "\n".join(lines)
