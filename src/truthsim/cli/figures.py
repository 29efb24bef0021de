"""Figures from the command line: ``--plots DIR`` on the simulating commands, and ``truthsim plot``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from truthsim.cli.errors import UserError, friendly
from truthsim.io import to_json, write_text

FIGURE_DATA = "figures.json"

plots_option = click.option(
    "--plots",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the figures (PNG and SVG) to this folder.",
)


def save_figure_data(result: Any, out: Path | None) -> dict[str, Any]:
    """The result's figure data; written to ``out/figures.json`` when there is an ``out``."""
    from truthsim.plots import figure_data  # matplotlib loads only when figures are asked for

    data = figure_data(result)
    if out is not None:
        write_text(out / FIGURE_DATA, to_json(data))
    return data


def figures_for(result: Any, out: Path | None, plots: Path | None) -> None:
    """Save the figure data with ``--out`` and draw the figures with ``--plots``."""
    if out is None and plots is None:
        return
    data = save_figure_data(result, out)
    if plots is not None:
        draw_to(data, plots)


def draw_to(data: dict[str, Any], directory: Path) -> list[Path]:
    from truthsim.plots import draw, save_figures  # (see above)

    written = save_figures(draw(data), directory)
    click.echo(f"wrote {len(written)} figure files to {directory}", err=True)
    return written


@click.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@plots_option
@friendly
def plot(results: Path, plots: Path | None) -> None:
    """Redraw the figures of saved RESULTS (a folder written with --out), without simulating."""
    source = results / FIGURE_DATA
    if not source.exists():
        raise UserError(f"{results}: no {FIGURE_DATA}; write results with --out first")
    try:
        data = json.loads(source.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{source}: not valid JSON (line {error.lineno}): {error.msg}") from None
    if not isinstance(data, dict) or "kind" not in data:
        raise UserError(f"{source}: not truthsim figure data")
    try:
        draw_to(data, plots or results / "plots")
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(f"{source}: incomplete figure data ({error})") from None
