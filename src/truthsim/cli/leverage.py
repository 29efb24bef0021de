"""``truthsim leverage``: where to make magic, a map of every moment's levers."""

from __future__ import annotations

import click

from truthsim.cli.figures import FigureOptions, check_plots, plots_option
from truthsim.cli.format import table
from truthsim.cli.friendly import UserError, friendly
from truthsim.cli.loading import scenario_to_run
from truthsim.cli.options import ExperimentSettings, experiment_options, interruptible, progress_bar
from truthsim.cli.results import deliver
from truthsim.experiments.leverage import DEFAULT_DIFFERENCE_REPLICATIONS, leverage
from truthsim.experiments.leverage_result import LeverageResult
from truthsim.io import check_free

#: rows the terminal table shows (the saved files hold every lever)
SHOWN = 15


@click.command(
    name="leverage",
    epilog="""\b
Examples:
  truthsim leverage airline --lever gate.magic      # that lever's improvement for the scenario file
  truthsim leverage airline --out lev/ --plots lev/plots
  truthsim leverage airline --check -r 20 --difference-replications 20   # derivatives vs differences
""",
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--touchpoint",
    "touchpoints",
    multiple=True,
    metavar="NAME",
    help="Only this touchpoint's levers (repeatable) [default: every touchpoint].",
)
@click.option(
    "--difference-replications",
    type=click.IntRange(min=2),
    default=DEFAULT_DIFFERENCE_REPLICATIONS,
    show_default=True,
    help="Replications of each staffing and service-time variant (at most -r).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Also measure the outcome levers by finite differences over their step, and say "
    "whether the two agree.",
)
@click.option(
    "--lever",
    metavar="TOUCHPOINT.KIND",
    help="Print this lever's improvement for the scenario file (e.g. gate.magic) [default: "
    "the top lever].",
)
@experiment_options
@plots_option
@friendly
def leverage_command(
    scenario: str,
    touchpoints: tuple[str, ...],
    difference_replications: int,
    check: bool,
    lever: str | None,
    settings: ExperimentSettings,
    plots: FigureOptions | None,
) -> None:
    """Every moment's levers in SCENARIO: customers kept and value per 10 points of magic, per
    10 points of misery avoided, per minute of wait tolerated or of service, and per server,
    ranked, with intervals that hold jointly. -r is the baseline's replications."""
    loaded = scenario_to_run(scenario, settings.warmup_days)
    out = settings.out
    if out is not None:
        check_free(out, force=settings.force)
    check_plots(plots, settings.force)
    with progress_bar("leverage", settings.quiet) as progress, interruptible(None):
        result = leverage(
            loaded,
            difference_replications=difference_replications,
            touchpoints=list(touchpoints) or None,
            check=check,
            **settings.api(progress),
        )
    if lever is not None:
        try:
            result.row(lever)
        except KeyError as error:
            raise UserError(f"--lever: {error.args[0]}") from None
    deliver(result, loaded, scenario, settings, plots, lambda: render_leverage(result, lever))


def render_leverage(result: LeverageResult, lever: str | None = None) -> str:
    """The map's top levers, the leaders in words, and one lever as an improvement."""
    money = result.currency
    rows = [
        [
            r.lever.label,
            r.lever.per,
            f"{r.kept.mean:+,.0f} ({r.kept.low:+,.0f}..{r.kept.high:+,.0f})",
            f"{r.value.mean:+,.0f}",
            f"{r.break_even:,.0f}",
            r.linear_words(),
            "derivative" if r.method == "score" else "difference",
        ]
        for r in result.rows[:SHOWN]
    ]
    head = (
        f"{result.scenario_name}: leverage map over {result.horizon_days:g} days, "
        f"{result.replications} baseline replications (staffing and service: "
        f"{result.difference_replications} each, paired); every interval holds jointly at "
        f"{result.confidence:.0%}; most customers kept first"
    )
    columns = [
        "touchpoint",
        "lever",
        "customers kept",
        f"value ({money})",
        f"break-even a year ({money})",
        "holds",
        "method",
    ]
    parts = [head, table(columns, rows)]
    if len(result.rows) > SHOWN:
        parts.append(f"... {len(result.rows) - SHOWN} more levers in leverage.csv (--out)")
    checked = [r for r in result.rows if r.agreement is not None]
    if checked:
        apart = [r.lever.name for r in checked if r.agreement.excludes_zero]
        shares = [r.difference_share for r in checked if r.kept.excludes_zero]
        text = (
            "check: each outcome lever's finite difference over its step against the mean of "
            "its derivatives at the two ends (the trapezoid); they agree within their joint "
            f"intervals on {len(checked) - len(apart)} of {len(checked)} levers"
            + (f" (not on {', '.join(apart)})" if apart else "")
        )
        known = [s for s in shares if s is not None]
        if known:
            text += (
                f". The differences, which let the queues and the market answer the customers "
                f"kept, were {min(known):.0%} to {max(known):.0%} of the derivatives "
                "(ratios of means, without intervals, for the levers whose derivative's joint "
                "interval excludes zero)"
            )
        parts.append(text)
    parts.append(result.answer())
    parts.append(
        "break-even: the most one could pay a year for the lever and still gain value over the "
        "planning period (its mean). As an improvement for the scenario file:\n"
        + result.improvement(lever)
    )
    return "\n\n".join(parts)
