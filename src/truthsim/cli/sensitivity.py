"""``truthsim sensitivity``: which parameters move a metric most (Morris, Sobol, or one at a time)."""

from __future__ import annotations

import click

from truthsim.cli.figures import FigureOptions, check_plots, plots_option
from truthsim.cli.format import table
from truthsim.cli.friendly import friendly
from truthsim.cli.loading import scenario_to_run
from truthsim.cli.options import (
    ExperimentSettings,
    experiment_options,
    interruptible,
    progress_bar,
)
from truthsim.cli.params import Choice, Finite
from truthsim.cli.results import deliver
from truthsim.experiments import (
    METRICS,
    GlobalSensitivityResult,
    SensitivityResult,
    global_sensitivity,
    sensitivity,
)
from truthsim.io import check_free

SOBOL_NOTE = (
    "S1: share of the variance a parameter explains alone; ST: with its interactions. An index "
    "whose interval reaches zero (small, or negative: estimation noise) means no measurable "
    "influence over these ranges; more --samples narrow the intervals."
)
MORRIS_NOTE = (
    "mu*: mean absolute change in the metric across a parameter's range; sigma: how much that "
    "change depends on the other parameters (interactions, curvature). Screening: follow up the "
    "few with large mu* using --method sobol."
)


@click.command(
    name="sensitivity",
    epilog="""\b
Examples:
  truthsim sensitivity airline --touchpoint reservation -r 4        # Morris screening
  truthsim sensitivity airline --method sobol --parameter touchpoints.gate.servers --parameter touchpoints.gate.outcomes.magic
  truthsim sensitivity airline --method oat --fraction 0.2 --out sens/ --plots sens/plots
""",
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--method",
    type=Choice(["morris", "sobol", "oat"]),
    default="morris",
    show_default=True,
    help="morris: screen many parameters; sobol: variance shares with intervals for a few; "
    "oat: one at a time (tornado). morris and sobol need SALib (pip install 'truthsim[sensitivity]').",
)
@click.option(
    "--fraction",
    type=Finite(0, 1, min_open=True, max_open=True),
    default=0.1,
    show_default=True,
    help="Vary each parameter down and up by this share (whole numbers by at least 1; "
    "probabilities stay within 0..1).",
)
@click.option(
    "--metric",
    type=Choice(METRICS),
    default="active_at_horizon",
    show_default=True,
    help="The headline result whose sensitivity is measured.",
)
@click.option(
    "--touchpoint",
    "touchpoints",
    multiple=True,
    metavar="NAME",
    help="Only this touchpoint's parameters (repeatable) [default: every touchpoint].",
)
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="PATH",
    help="Vary exactly this dotted parameter (repeatable; overrides --touchpoint).",
)
@click.option(
    "--trajectories",
    type=click.IntRange(min=2, max=10_000),
    default=10,
    show_default=True,
    help="Morris: paths through the parameter grid; runs trajectories x (parameters + 1) points.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=2, max=1 << 16),
    default=64,
    show_default=True,
    help="Sobol: base samples, a power of 2; runs samples x (parameters + 2) points.",
)
@experiment_options
@plots_option
@friendly
def sensitivity_command(
    scenario: str,
    method: str,
    fraction: float,
    metric: str,
    touchpoints: tuple[str, ...],
    parameters: tuple[str, ...],
    trajectories: int,
    samples: int,
    settings: ExperimentSettings,
    plots: FigureOptions | None,
) -> None:
    """Which of SCENARIO's parameters move a result most. Every sample point runs on the same
    replication seeds (common random numbers); -r is replications per point."""
    loaded = scenario_to_run(scenario, settings.warmup_days)
    out = settings.out
    if out is not None:
        check_free(out, force=settings.force)
    check_plots(plots, settings.force)
    chosen = {"touchpoints": list(touchpoints) or None, "parameters": list(parameters) or None}
    with progress_bar(f"sensitivity ({method})", settings.quiet) as progress, interruptible(None):
        if method == "oat":
            result: SensitivityResult | GlobalSensitivityResult = sensitivity(
                loaded, fraction, metric=metric, **chosen, **settings.api(progress)
            )
        else:
            result = global_sensitivity(
                loaded,
                method,  # type: ignore[arg-type]
                fraction=fraction,
                metric=metric,
                trajectories=trajectories,
                samples=samples,
                **chosen,
                **settings.api(progress),
            )
    deliver(result, loaded, scenario, settings, plots, lambda: render_sensitivity(result))


def render_sensitivity(result: SensitivityResult | GlobalSensitivityResult) -> str:
    """The sensitivity table, most influential first, with the answer in words under it."""
    if isinstance(result, GlobalSensitivityResult):
        return _render_global(result)
    rows = [
        [
            r.label or r.parameter,
            f"{r.base:g}",
            f"{r.low:g}..{r.high:g}",
            _effect(r.low_effect),
            _effect(r.high_effect),
            f"{r.swing:,.1f}",
        ]
        for r in result.rows
    ]
    head = (
        f"{result.scenario_name}: one-at-a-time sensitivity of {result.metric} to -/+"
        f"{result.fraction:.0%} (whole numbers by at least 1), baseline "
        f"{result.baseline.mean:,.2f}, {result.baseline.n} replications, widest swing first"
    )
    text = "\n\n".join(
        [
            head,
            table(
                ["parameter", "now", "varied over", "effect at low", "effect at high", "swing"],
                rows,
            ),
            result.answer(),
        ]
    )
    if result.skipped:
        text += "\n\nnot varied: " + "; ".join(f"{k} ({v})" for k, v in result.skipped.items())
    return text


def _render_global(result: GlobalSensitivityResult) -> str:
    rows = []
    for r in result.summary():
        span = (
            f"{r['low']:.0f}..{r['high']:.0f}"
            if r["integer"]
            else f"{r['low']:.3g}..{r['high']:.3g}"
        )
        if result.method == "morris":
            numbers = [f"{r['mu_star']:,.3g} ± {r['mu_star_conf']:,.2g}", f"{r['sigma']:,.3g}"]
        else:
            numbers = [f"{r['S1']:.2f} ± {r['S1_conf']:.2f}", f"{r['ST']:.2f} ± {r['ST_conf']:.2f}"]
        rows.append([r["label"], span, *numbers])
    columns = (
        ["mu* (95% CI)", "sigma"] if result.method == "morris" else ["S1 (95% CI)", "ST (95% CI)"]
    )
    head = (
        f"{result.scenario_name}: {result.method} sensitivity of {result.metric}, "
        f"{len(result.parameters)} parameters at -/+{result.fraction:.0%}, "
        f"{result.samples.shape[0]} sample points x {result.replications} replications "
        f"(seed {result.seed}), common random numbers across points"
    )
    note = MORRIS_NOTE if result.method == "morris" else SOBOL_NOTE
    text = "\n\n".join(
        [head, table(["parameter", "varied over", *columns], rows), result.answer(), note]
    )
    if result.skipped:
        text += "\n\nnot varied: " + "; ".join(f"{k} ({v})" for k, v in result.skipped.items())
    return text


def _effect(e) -> str:  # type: ignore[no-untyped-def]
    if e.n < 2:
        return f"{e.mean:+,.1f}"
    return f"{e.mean:+,.1f} ({e.low:+,.1f}..{e.high:+,.1f})"
