"""``truthsim whatif``: rank the scenario's improvements and choose the best, with a guarantee."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from truthsim.cli.figures import FigureOptions, check_plots, plots_option
from truthsim.cli.format import money, number, percent, table
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
from truthsim.cli.params import Finite
from truthsim.cli.results import deliver
from truthsim.cli.uncertainty import load_option, uncertainty_meta, uncertainty_option
from truthsim.experiments import Comparison, compare
from truthsim.experiments.limits import MAX_REPLICATIONS
from truthsim.experiments.selection import DEFAULT_MAX_REPLICATIONS, SCREEN
from truthsim.experiments.valuation import OBJECTIVES
from truthsim.report.answer import WORDS, columns, meeting_answer
from truthsim.report.procedure import procedure_words
from truthsim.saving import whatif_data


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


def answer_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What the answer optimises, how sure it must be, and what a kept customer is worth."""
    options = [
        click.option(
            "--objective",
            type=click.Choice(OBJECTIVES),
            default="customers",
            show_default=True,
            help="What is ranked and selected. The answer always names the best for customers "
            "and the best for net value.",
        ),
        click.option(
            "--delta",
            type=Finite(min=0, min_open=True),
            help="Smallest difference worth telling apart, in the objective's units "
            "[default: 0.1% of the new customers the horizon brings, or their worth].",
        ),
        click.option(
            "--confidence",
            type=Finite(0.5, 1, max_open=True),
            default=0.95,
            show_default=True,
            help="Joint confidence of every statement in the answer.",
        ),
        click.option(
            "--first-stage",
            type=click.IntRange(min=10),
            default=10,
            show_default=True,
            help="Replications every variant gets before the selection (or --precision) decides.",
        ),
        click.option(
            "--screen",
            type=click.IntRange(min=0),
            default=SCREEN,
            show_default=True,
            help="Replications every variant gets before a screen drops those far behind; the "
            "rest get --first-stage and the selection (0: no screen).",
        ),
        click.option(
            "--max-replications",
            type=click.IntRange(min=10, max=MAX_REPLICATIONS),
            default=DEFAULT_MAX_REPLICATIONS,
            show_default=True,
            help="Most replications per variant the selection (or --precision) may use.",
        ),
        click.option(
            "--precision",
            type=Finite(min=0, min_open=True),
            help="Size the run for intervals of the objective's gain this wide (half-width; a "
            "two-stage procedure: wider only if the replications prove more variable than the "
            "first stage).",
        ),
        click.option(
            "--budget",
            type=Finite(min=0),
            metavar="AMOUNT",
            help="Choose the best of every set of improvements whose one-off costs together fit "
            "AMOUNT (running costs need --budget-per-year).",
        ),
        click.option(
            "--budget-per-year",
            type=Finite(min=0),
            metavar="AMOUNT",
            help="A year's budget for running costs (per year and staffed hours) of the chosen "
            "set; with it alone, no one-off cost fits.",
        ),
        click.option(
            "--power",
            type=click.Choice(["0.8", "0.9"]),
            default="0.8",
            show_default=True,
            help="Power at which replications are advised.",
        ),
        click.option(
            "--discount-rate",
            type=Finite(0, 1, max_open=True),
            help="Annual discount rate for revenue and cost [default: the scenario's value "
            "section, else 0.12].",
        ),
        click.option(
            "--terminal-value/--no-terminal-value",
            default=None,
            help="Value each customer still active at the end of the planning period alike (an "
            "average customer of their segment's discounted revenue after it) [default: the "
            "scenario's value section, else no].",
        ),
        click.option(
            "--run-off-days",
            hidden=True,
            callback=_run_off_gone,
            expose_value=False,
            help="No longer used: money is counted over the planning period.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run_off_gone(context: click.Context, parameter: click.Parameter, value: Any) -> None:
    if value is not None:
        raise click.BadParameter(
            "no longer used: money is counted over the planning period (the horizon, set by "
            "--horizon-days), with new customers arriving throughout; to value the customers "
            "still active at its end, add --terminal-value",
            context,
            parameter,
        )


def answer_arguments(settings: ExperimentSettings, **options: Any) -> dict[str, Any]:
    """Keyword arguments for :func:`compare`: the procedure follows from what was asked.

    An explicit ``-r N`` runs every variant N times; otherwise the fully sequential selection
    decides how many replications each variant needs.
    """
    context = click.get_current_context()
    fixed = context.get_parameter_source("replications") not in (
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
    )
    budgeted = options["budget"] is not None or options["budget_per_year"] is not None
    for name, given in (("precision", options["precision"] is not None), ("budget", budgeted)):
        if given and fixed:
            raise UserError(
                f"--{name} decides how many replications to run; leave out -r "
                "(--first-stage sets the first batch, --max-replications the most per variant)"
            )
    if options["precision"] is not None and budgeted:
        raise UserError("give either --precision or --budget, not both")
    if options["max_replications"] < options["first_stage"]:
        raise UserError(
            f"--max-replications ({options['max_replications']}) must be at least "
            f"--first-stage ({options['first_stage']})"
        )
    screening = not fixed and options["precision"] is None
    if screening and (options["screen"] == 1 or options["screen"] > options["first_stage"]):
        raise UserError(
            f"--screen ({options['screen']}) must be 0 (no screen) or from 2 to --first-stage "
            f"({options['first_stage']})"
        )
    return {**options, "power": float(options["power"]), "select": not fixed}


@click.command(
    epilog="""\b
Examples:
  truthsim whatif airline                       # the best, with a guarantee
  truthsim whatif airline -r 20 --objective net_value --plots plots/
  truthsim whatif airline --budget 300000 --out results/ --resume
"""
)
@click.argument("scenario", metavar="SCENARIO")
@selection_options
@answer_options
@experiment_options
@resume_option
@plots_option
@uncertainty_option
@friendly
def whatif(
    scenario: str,
    only: tuple[str, ...],
    combinations: int,
    settings: ExperimentSettings,
    resume: bool,
    plots: FigureOptions | None,
    uncertainty_file: Path | None = None,
    **options: Any,
) -> None:
    """Compare SCENARIO's baseline with each of its improvements and choose the best.

    Without -r, a fully sequential selection (Kim and Nelson) runs each variant until the best
    is known to within --delta at --confidence, or --max-replications is reached.
    """
    loaded = scenario_to_run(scenario, settings.warmup_days)
    arguments = answer_arguments(settings, **options)
    uncertainty = load_option(uncertainty_file, loaded)
    out = settings.out
    runs = check_out(out, resume, settings.force)
    store = checkpoint_store(runs, settings.force)
    check_plots(plots, settings.force)
    with progress_bar("what if", settings.quiet) as progress, interruptible(runs):
        result = compare(
            loaded,
            list(only) or None,
            combinations=combinations,
            **arguments,
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
        lambda: render(result) + intervals_line(uncertainty),
        meta=uncertainty_meta(uncertainty),
        data=whatif_data(result),
    )


def intervals_line(uncertainty: Any) -> str:
    """What the intervals include, when parameters were drawn."""
    if uncertainty is None:
        return ""
    return f"\nIntervals include parameter uncertainty: {uncertainty.describe()}."


def _interval(mean: float, low: float | None, high: float | None, fmt: str = "{:+,.0f}") -> str:
    if low is None or high is None or low != low:
        return fmt.format(mean)
    return f"{fmt.format(mean)} ({fmt.format(low)}..{fmt.format(high)})"


def render(result: Comparison) -> str:
    data = result.to_dict()
    cur = result.currency
    base = result.baseline.summary()
    lines = [
        f"{result.scenario_name}: what if? {procedure_words(data)} (seed {result.seed}), "
        f"{result.horizon_days:g} days, common random numbers",
        "",
        "baseline, mean (95% interval):",
        f"  customers active at horizon  {_interval(base['active_at_horizon'].mean, base['active_at_horizon'].low, base['active_at_horizon'].high, '{:,.0f}')}",
        f"  return rate                  {percent(base['return_rate'].mean)} "
        f"({percent(base['return_rate'].low)}..{percent(base['return_rate'].high)})",
        f"  revenue                      {money(base['revenue'].mean, cur)} "
        f"({money(base['revenue'].low, cur)}..{money(base['revenue'].high, cur)})",
        f"  revenue, discounted          {money(data['value']['baseline_revenue'], cur)}"
        " (as the table counts it)",
        "",
    ]
    rows = []
    for row in data["ranking"]:
        per = row["cost_per_retained"]
        rows.append(
            [
                str(row["rank"]),
                row["improvement"] + (" *" if row["significant"] else ""),
                str(row["replications"]),
                _interval(row["retained"], row["retained_low"], row["retained_high"]),
                f"{100 * row['return_rate_change']:+.2f} pts",
                f"{row['value_change']:+,.0f}",
                number(row["cost"], 0),
                "not measurable"
                if per is None
                else _interval(
                    per, row["cost_per_retained_low"], row["cost_per_retained_high"], "{:,.0f}"
                ),
                _interval(row["net_value"], row["net_value_low"], row["net_value_high"]),
            ]
        )
    headers = [
        "rank",
        "improvement",
        "paired reps",
        f"extra customers ({result.confidence:.0%} CI)",
        "return rate",
        f"revenue {cur} (disc.)",
        f"cost {cur}",
        "cost/customer",
        f"net value {cur}",
    ]
    lines.append(table(headers, rows, "rlrrrrrrr"))
    lines.append("")
    lines.append(
        f"* its interval of {WORDS[result.objective]} excludes zero. Paired reps: the "
        f"replications it shares with the baseline, which its intervals use. {columns(data)}"
    )
    lines.append("")
    said = meeting_answer(data)
    lines += said["brief"]
    lines += ["", "Details: " + " ".join(said["details"])]
    return "\n".join(lines)
