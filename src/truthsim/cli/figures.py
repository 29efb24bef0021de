"""Figures from the command line: ``--plots DIR`` on the simulating commands, and ``truthsim plot``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from truthsim.cli.friendly import UserError, friendly
from truthsim.io import check_free

FIGURE_DATA = "figures.json"
#: PNG dots per inch unless --dpi says otherwise (an 8 x 4.5 inch figure: 1600 x 900 pixels)
DEFAULT_DPI = 200


@dataclass(frozen=True)
class FigureOptions:
    """Where figures go and how large: ``--plots``, ``--dpi``, ``--size``."""

    directory: Path
    dpi: int = DEFAULT_DPI
    size: tuple[float, float] | None = None


def parse_size(text: str | None) -> tuple[float, float] | None:
    """``10x5.6`` (inches) -> (10.0, 5.6)."""
    if not text:
        return None
    try:
        width, height = (float(x) for x in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size {text}: write WIDTHxHEIGHT in inches, e.g. 10x5.6") from None
    if not (0 < width <= 100 and 0 < height <= 100):
        raise UserError(f"--size {text}: width and height must lie between 0 and 100 inches")
    return width, height


def plots_option(command: Callable[..., Any] | None = None, *, default: str | None = None) -> Any:
    """``--plots DIR``, ``--dpi`` and ``--size``, passed on as ``plots`` (FigureOptions or None).

    ``default``: the argument whose folder holds the figures when --plots is left out (a
    redraw's results folder, its ``plots`` inside); without one, --dpi and --size need --plots.
    """
    if command is None:
        return functools.partial(plots_option, default=default)

    @functools.wraps(command)
    def gather(*args: Any, **kwargs: Any) -> Any:
        directory, dpi, size = kwargs.pop("plots"), kwargs.pop("dpi"), kwargs.pop("size")
        if directory is None and default is not None:
            directory = Path(kwargs[default]) / "plots"
        if directory is None and (size is not None or dpi != DEFAULT_DPI):
            raise UserError("--dpi and --size shape the figures of --plots DIR; add --plots")
        options = None if directory is None else FigureOptions(directory, dpi, parse_size(size))
        return command(*args, plots=options, **kwargs)

    gather = click.option(
        "--size",
        metavar="WxH",
        help="Figure size in inches, e.g. 13.3x7.5 for a full 16:9 slide [default: each figure's own].",
    )(gather)
    gather = click.option(
        "--dpi",
        type=click.IntRange(50, 1200),
        default=DEFAULT_DPI,
        show_default=True,
        help="PNG resolution in dots per inch (SVG files are vector and scale freely).",
    )(gather)
    return click.option(
        "--plots",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write the figures (PNG and SVG) to this folder.",
    )(gather)


def check_plots(plots: FigureOptions | None, force: bool) -> None:
    """Refuse, before running, a figures folder that holds earlier figures (unless --force)."""
    if plots is not None:
        check_free(plots.directory, (), force)


def draw_figures(
    result: Any,
    plots: FigureOptions | None,
    force: bool,
    warmup_days: float = 0.0,
    quiet: bool = False,
) -> list[Path]:
    """Draw the figures of ``result`` (a result object, or saved figure data) into ``--plots``,
    replacing the folder's earlier figures as a set."""
    if plots is None:
        return []
    from truthsim.plots import draw, figure_data, save_figures  # matplotlib loads only now

    data = result if isinstance(result, dict) else figure_data(result, warmup_days=warmup_days)
    written = save_figures(draw(data), plots.directory, dpi=plots.dpi, size=plots.size, force=force)
    if not quiet:
        click.echo(f"wrote {len(written)} figure files to {plots.directory}", err=True)
    return written


@click.command(
    epilog="""\b
Examples:
  truthsim plot results/                       # figures in results/plots
  truthsim plot results/ --dpi 300 --size 13.3x7.5
  truthsim plot results/ --plots deck/ --dpi 300   # into another folder
"""
)
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@plots_option(default="results")
@friendly
def plot(results: Path, plots: FigureOptions) -> None:
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
        draw_figures(data, plots, force=True)  # a redraw (--plots defaults to RESULTS/plots)
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(f"{source}: incomplete figure data ({error})") from None
