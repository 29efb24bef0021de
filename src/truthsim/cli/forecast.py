"""``truthsim forecast``: a firm's customers carried forward, or a forecast checked on a holdout."""

from __future__ import annotations

from pathlib import Path

import click

from truthsim.cli.format import table
from truthsim.cli.friendly import friendly
from truthsim.io import check_free, to_json
from truthsim.scenario import load_scenario


@click.command(
    epilog="""\b
Examples:
  truthsim forecast my.yaml --data crm_export/ --days 180 --out forecast/
  truthsim forecast my.yaml --data crm_export/ --holdout-from 2024-07-01 --plots fit/
  truthsim forecast my.yaml --data crm_export/ --days 365 --new-customers
"""
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the firm's transactions.csv (or journeys.csv, with moments.csv if any).",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True, max=36_500),
    help="Days to forecast after the end of the data (with --holdout-from: at most to its end).",
)
@click.option(
    "--holdout-from",
    metavar="DATE",
    help="Fit on the data before DATE (or before that many days on the data's clock) and set "
    "the forecast beside what happened after it.",
)
@click.option("--new-customers", is_flag=True, help="Add new customers at the data's own rate.")
@click.option(
    "--as-written", is_flag=True, help="Use the scenario's values as written (do not fit them)."
)
@click.option("--keep-same-day", is_flag=True, help="Count each same-day transaction apart.")
@click.option(
    "-r",
    "--replications",
    type=click.IntRange(min=2, max=100_000),
    default=100,
    show_default=True,
    help="Replications (each a draw of who is still a customer and how they go on).",
)
@click.option(
    "--period-days",
    type=click.FloatRange(min=1, max=3650),
    default=7.0,
    show_default=True,
    help="Days per period of the forecast table and figure.",
)
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed.")
@click.option("--jobs", type=click.IntRange(min=1, max=1024), help="Worker processes (default 1).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Results folder.")
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), help="Figures here.")
@click.option("--json", "as_json", is_flag=True, help="Print forecast.json instead of tables.")
@click.option("--force", is_flag=True, help="Replace results already in --out / --plots.")
@friendly
def forecast_command(
    scenario: str,
    data_dir: Path,
    days: float | None,
    holdout_from: str | None,
    new_customers: bool,
    as_written: bool,
    keep_same_day: bool,
    replications: int,
    period_days: float,
    seed: int | None,
    jobs: int | None,
    out: Path | None,
    plots: Path | None,
    as_json: bool,
    force: bool,
) -> None:
    """Forecast a firm's customers from their data with SCENARIO's dynamics: expected journeys
    and revenue per period with intervals, each customer's chance of still being one."""
    from truthsim.experiments import Execution
    from truthsim.forecast import forecast

    loaded = load_scenario(scenario)
    if days is None and holdout_from is None:
        raise click.UsageError("give --days (or --holdout-from to check a forecast on the data)")
    if out is not None:
        check_free(out, ["forecast.json", "forecast.csv", "customers_forecast.csv"], force)
    if plots is not None:
        check_free(plots, ["forecast_tracking.png", "forecast_tracking.svg"], force)
    result = forecast(
        loaded,
        data_dir,
        days,
        holdout_from=holdout_from,
        new_customers=new_customers,
        fit=not as_written,
        period_days=period_days,
        replications=replications,
        seed=seed,
        keep_same_day=keep_same_day,
        execution=Execution(jobs=jobs or 1),
    )
    if out is not None:
        result.save(out, force=force)
    if plots is not None:
        from truthsim.plots.forecast import save_forecast_figures

        save_forecast_figures(result.to_dict(), plots)
    if as_json:
        click.echo(to_json(result.to_dict()), nl=False)
        return
    click.echo(render(result))


def render(result) -> str:  # type: ignore[no-untyped-def]
    """The forecast in a few lines and a table of its periods."""
    last = result.periods[-1]
    lines = [
        f"{result.scenario.name}: {len(result.ids):,} customers of the data, "
        f"{result.customers['p_alive'].sum():,.0f} of them still customers at its end (expected), "
        f"{result.days:g} days ahead, {result.replications} replications",
        f"expected journeys: {last['cumulative_mean']:,.0f} (95% interval of the expectation "
        f"{last['cumulative_low']:,.0f}..{last['cumulative_high']:,.0f}; 90% of replications "
        f"{last['cumulative_p05']:,.0f}..{last['cumulative_p95']:,.0f})",
        "",
    ]
    header = ["days", "journeys", "90% range", "cumulated", "revenue"]
    held = result.holdout is not None
    if held:
        header += ["actual cumulated", "BG/NBD cumulated"]
    rows = []
    for p in result.periods:
        row = [
            f"{p['day_end']:g}",
            f"{p['journeys_mean']:,.1f}",
            f"{p['journeys_p05']:,.0f}..{p['journeys_p95']:,.0f}",
            f"{p['cumulative_mean']:,.0f}",
            f"{p['revenue_mean']:,.0f}",
        ]
        if held:
            row += [f"{p['actual_cumulative']:,.0f}", f"{p['bgnbd_cumulative']:,.0f}"]
        rows.append(row)
    lines.append(table(header, rows, "r" * len(header)))
    if held:
        h = result.holdout
        b = h["bgnbd"]
        lines += [
            "",
            f"holdout: {h['actual_journeys']:,.0f} journeys happened; forecast "
            f"{h['forecast_journeys']:,.0f} (BG/NBD {b['forecast_journeys']:,.0f})",
            f"cumulative curve off by {h['cumulative_mean_absolute_percentage_error']:.1%} on "
            f"average (BG/NBD {b['cumulative_mean_absolute_percentage_error']:.1%}); per-customer "
            f"correlation of expected and actual journeys {h['per_customer_correlation']:.3f} "
            f"(BG/NBD {b['per_customer_correlation']:.3f})",
        ]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
