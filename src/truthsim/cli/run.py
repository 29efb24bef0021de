"""``truthsim run``: one replication, a readable summary, and files on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from truthsim.cli.figures import FigureOptions, check_plots, draw_figures, plots_option
from truthsim.cli.format import minutes, money, number, percent, table
from truthsim.cli.friendly import friendly
from truthsim.cli.loading import scenario_to_run
from truthsim.cli.options import interruptible, run_options
from truthsim.cli.params import Choice, Finite, allow_large_option
from truthsim.engine import SimulationResult, simulate
from truthsim.engine.result import COHORT_DAYS, RECORD_FORMATS
from truthsim.io import check_free, to_json
from truthsim.saving import save


@click.command(
    epilog="""\b
Examples:
  truthsim run airline --seed 7
  truthsim run my.yaml --horizon-days 90 --out results/ --records npz
  truthsim run airline --json > summary.json
"""
)
@click.argument("scenario", metavar="SCENARIO")
@run_options
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write results to this folder."
)
@click.option(
    "--records",
    type=Choice(RECORD_FORMATS),
    default="csv",
    show_default=True,
    help="Format of the per-moment/journey/customer records written with --out.",
)
@click.option(
    "--cohort-days",
    type=Finite(min=0, min_open=True, max=3650),
    default=COHORT_DAYS,
    show_default=True,
    help="Days in one period of the cohort retention table (cohort.csv) written with --out.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (results only).")
@click.option("-q", "--quiet", is_flag=True, help="No notes on files written (the summary only).")
@click.option(
    "--force", is_flag=True, help="Replace the results already in --out (and figures in --plots)."
)
@allow_large_option
@plots_option
@friendly
def run(
    scenario: str,
    seed: int | None,
    horizon_days: float | None,
    warmup_days: float | None,
    out: Path | None,
    records: str,
    cohort_days: float,
    as_json: bool,
    quiet: bool,
    force: bool,
    allow_large: bool,
    plots: FigureOptions | None,
) -> None:
    """Simulate SCENARIO (a YAML file or a bundled name such as 'airline') once and summarise it."""
    loaded = scenario_to_run(scenario, warmup_days)
    if out is not None:
        check_free(out, force=force)
    check_plots(plots, force)
    with interruptible(None):
        result = simulate(loaded, seed=seed, horizon_days=horizon_days, allow_large=allow_large)
    if out is not None:
        written = save(result, out, force=force, records=records, cohort_days=cohort_days)
        if not (as_json or quiet):
            click.echo(f"wrote {len(written)} files to {out}", err=True)
    draw_figures(result, plots, force, quiet=quiet)
    if as_json:
        click.echo(to_json(result.to_dict()), nl=False)
    else:
        click.echo(render(result))


def render(result: SimulationResult) -> str:
    """The terminal summary of one run."""
    h = result.headline
    cur = result.currency
    warm = f", first {result.warmup_days:g} days left out as warm-up" if result.warmup_days else ""
    lines = [
        f"{result.scenario_name}: seed {result.seed}, {result.horizon_days:g} days{warm}",
        "",
        f"  return rate                    {percent(h['return_rate'])}",
        f"  journeys per customer          {number(h['journeys_per_customer'])}",
        f"  customers active at horizon    {number(h['active_at_horizon'])}",
        f"  revenue                        {money(h['revenue'], cur)}",
        f"  net moment score               {100 * h['net_moment_score']:+.1f} points (magic - misery share)",
        f"  new customers / lost           {number(h['new_customers'])} / {number(h['churned'])}",
    ]
    if h["deterred_prospects"] or h["referred_customers"]:
        lines.append(
            f"  word of mouth                  {number(h['deterred_prospects'])} prospects deterred, "
            f"{number(h['referred_customers'])} customers referred"
        )
    headers = [
        "touchpoint",
        "servers",
        "visits",
        "wait",
        "p90 wait",
        "util",
        "peak hour",
        "abandon",
        "misery",
        "mediocr.",
        "magic",
        "churn caused",
    ]
    rows = [
        [
            r["label"] + (" (internal)" if r.get("internal") else ""),
            str(r["servers"]),
            number(r["visits"]),
            minutes(r["mean_wait"]),
            minutes(r["p90_wait"]),
            percent(r["utilisation"], 0),
            _peak(r),
            percent(r["abandonment"]),
            percent(r["misery"]),
            percent(r["mediocrity"]),
            percent(r["magic"]),
            f"{r['churn_through']:,.0f} through"
            if r.get("internal")
            else f"{r['churn_caused']:,.0f}",
        ]
        for r in result.touchpoints
    ]
    rows.append(["lost without a moment to blame", *[""] * 10, f"{h['churned_unblamed']:,.0f}"])
    note = (
        "util: busy share of staffed time over the whole day; peak hour: the busiest hour of day, "
        "its utilisation and mean wait (hourly.csv with --out has every hour).\n"
        "churn caused: lost customers who would have come back without that touchpoint's "
        "moments (shared where several each decided it); with the last row, all lost."
    )
    if any(r.get("internal") for r in result.touchpoints):
        note += (
            "\ninternal touchpoints serve staff, not customers; through: of the churn caused at "
            "the touchpoints that need one, the part whose deciding moment its moment made worse."
        )
    return "\n".join([*lines, "", table(headers, rows), note, *_by_load(result)])


def _by_load(result: SimulationResult) -> list[str]:
    """Where staff load moves outcomes: the mix at low and at high load."""
    if not result.load_bands:
        return []
    titles = {r["touchpoint"]: r["label"] for r in result.touchpoints}
    rows = [
        [titles[r["touchpoint"]], r["band"], number(r["moments"]), percent(r["mean_load"], 0),
         percent(r["misery"]), percent(r["mediocrity"]), percent(r["magic"])]
        for r in result.load_bands
    ]  # fmt: skip
    headers = ["touchpoint", "servers' load", "moments", "mean load", "misery", "mediocr.", "magic"]
    return ["", "Outcomes by the servers' load (busy share over the window before each service):",
            table(headers, rows)]  # fmt: skip


def _peak(row: dict[str, Any]) -> str:
    hour = row.get("peak_hour")
    if hour is None or hour != hour or row["utilisation"] != row["utilisation"]:
        return "-"
    return f"{hour:02.0f}h {percent(row['peak_utilisation'], 0)}, {minutes(row['peak_wait'])}"
