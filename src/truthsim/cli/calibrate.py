"""``truthsim calibrate`` and ``truthsim synthesize``: a firm's data to a fitted scenario, and
example data made from a scenario."""

from __future__ import annotations

from pathlib import Path

import click

from truthsim.cli.format import table
from truthsim.cli.friendly import UserError, friendly
from truthsim.io import check_free, to_json
from truthsim.scenario import load_scenario
from truthsim.scenario.loader import resolve_source
from truthsim.scenario.yaml_text import read_text


@click.command(
    epilog="""\b
Examples:
  truthsim synthesize airline --out data/ && truthsim calibrate airline --data data/ -o fitted.yaml
  truthsim calibrate my.yaml --data crm_export/ -o calibrated.yaml --plots fit/
  truthsim whatif fitted.yaml --parameter-uncertainty calibration.json
"""
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of moments.csv, journeys.csv (or transactions.csv), cohort.csv, arrivals.csv "
    "(each optional).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("calibrated.yaml"),
    show_default=True,
    help="The calibrated scenario; calibration.json is written beside it.",
)
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Seed of the check run.")
@click.option(
    "--no-half-life", is_flag=True, help="Keep the forgetting half-life as written (do not fit it)."
)
@click.option(
    "--no-rhythm",
    is_flag=True,
    help="Keep days_between_journeys as written (do not fit the rhythm of coming back).",
)
@click.option(
    "--keep-same-day",
    is_flag=True,
    help="transactions.csv: count each transaction as a journey (default: one a customer a day).",
)
@click.option(
    "--spread/--no-spread",
    default=None,
    help="Fit how baseline return varies between a segment's customers (a Beta) in every "
    "segment, or in none. Default: as the scenario writes each segment.",
)
@click.option(
    "--fit-load-threshold",
    is_flag=True,
    help="Where staff load moves outcomes, fit its threshold too (profile likelihood); "
    "default: the threshold as written, the doubling fitted.",
)
@click.option(
    "--plots", type=click.Path(file_okay=False, path_type=Path), help="Goodness-of-fit figure here."
)
@click.option("--json", "as_json", is_flag=True, help="Print calibration.json instead of a table.")
@click.option("--force", is_flag=True, help="Replace calibrated.yaml / calibration.json.")
@friendly
def calibrate_command(
    scenario: str,
    data_dir: Path,
    output: Path,
    seed: int | None,
    no_half_life: bool,
    no_rhythm: bool,
    keep_same_day: bool,
    spread: bool | None,
    fit_load_threshold: bool,
    plots: Path | None,
    as_json: bool,
    force: bool,
) -> None:
    """Fit SCENARIO's behavioural numbers to a firm's data files, with 95% intervals."""
    from truthsim.calibration import calibrate
    from truthsim.calibration.writing import write_calibration

    loaded = load_scenario(scenario)
    json_path = output.with_name("calibration.json")
    for path in (output, json_path):
        if path.exists() and not force:
            raise UserError(f"{path} already exists; choose another -o or add --force")
    if plots is not None:
        check_free(plots, ["calibration_fit.png", "calibration_fit.svg"], force)
    result = calibrate(
        loaded,
        data_dir,
        half_life=not no_half_life,
        spread=spread,
        rhythm=not no_rhythm,
        keep_same_day=keep_same_day,
        load_threshold=fit_load_threshold,
    )
    text = read_text(resolve_source(scenario))
    write_calibration(result, output, text, seed=seed)
    if plots is not None:
        from truthsim.plots.calibration import save_fit_figure

        save_fit_figure(result.to_dict(), plots)
    if as_json:
        click.echo(to_json(result.to_dict()), nl=False)
        return
    click.echo(render(result, output))


def render(result: object, output: Path) -> str:
    from truthsim.calibration import Calibration

    assert isinstance(result, Calibration)
    rows = [
        [p.path, f"{p.estimate:.4g}", f"{p.low:.4g}..{p.high:.4g}", p.source]
        for p in result.parameters
    ]
    lines = [
        f"{result.source.name}: calibrated from {', '.join(result.files)} "
        "(maximum likelihood, 95% intervals)",
        "",
        table(["parameter", "estimate", "95% interval", "from"], rows, "lrrl"),
    ]
    if result.unidentified:
        lines += ["", "not identified by these data (kept as the scenario has them):"]
        lines += [f"  {u.path}: {u.reason}" for u in result.unidentified]
    if result.fit.notes:
        lines += ["", *(f"note: {n}" for n in result.fit.notes)]
    lines += ["", f"wrote {output} and {output.with_name('calibration.json')}"]
    return "\n".join(lines)


@click.command(
    epilog="""\b
Examples:
  truthsim synthesize airline --out data/
  truthsim synthesize my.yaml --out data/ --response-rate 0.5 --seed 3
"""
)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write.",
)
@click.option(
    "--response-rate",
    type=click.FloatRange(0, 1),
    default=0.3,
    show_default=True,
    help="Share of customers who answer surveys (the others' moments carry no outcome).",
)
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed.")
@click.option("--force", is_flag=True, help="Replace data already in --out.")
@friendly
def synthesize_command(
    scenario: str, out: Path, response_rate: float, seed: int | None, force: bool
) -> None:
    """Write the calibration data files a firm running SCENARIO would have at its horizon."""
    from truthsim.calibration import synthesize, write_synthetic
    from truthsim.calibration.data import FILES

    loaded = load_scenario(scenario)
    check_free(out, FILES, force)
    data = synthesize(loaded, seed, response_rate=response_rate)
    write_synthetic(data, out, force=force)
    click.echo(
        f"wrote {', '.join(data.files)} to {out}: {data.customers:,} customers, "
        f"{data.journeys:,} journeys, {data.moments:,} moments"
    )
