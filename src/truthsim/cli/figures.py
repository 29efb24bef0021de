"""Figures from the command line: ``--plots DIR`` on the simulating commands, and ``truthsim plot``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from truthsim.cli.errors import UserError, friendly
from truthsim.io import check_free, write_results

FIGURE_DATA = "figures.json"

plots_option = click.option(
    "--plots",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the figures (PNG and SVG) to this folder.",
)


def check_plots(plots: Path | None, force: bool) -> None:
    """Refuse, before running, a figures folder that holds earlier figures (unless --force)."""
    if plots is not None:
        check_free(plots, (), force)


def draw_figures(result: Any, plots: Path | None, force: bool) -> None:
    """Draw ``result``'s figures into ``plots`` (a result object, or saved figure data)."""
    if plots is None:
        return
    import matplotlib.pyplot as plt  # matplotlib loads only when figures are asked for

    from truthsim.plots import FORMATS, draw, figure_bytes, figure_data

    data = result if isinstance(result, dict) else figure_data(result)
    files = {}
    for name, figure in draw(data).items():
        for fmt in FORMATS:
            files[f"{name}.{fmt}"] = figure_bytes(figure, fmt)
        plt.close(figure)
    written = write_results(plots, files, force)
    click.echo(f"wrote {len(written)} figure files to {plots}", err=True)


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
        draw_figures(data, plots or results / "plots", force=True)  # a redraw of the same results
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(f"{source}: incomplete figure data ({error})") from None
