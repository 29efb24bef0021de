"""One look for every figure: the Okabe-Ito colour-blind-safe palette, plain labels, sizes for a deck."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no screen needed

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: misery / mediocrity / magic, the same in every figure (distinct under common colour blindness)
OUTCOME_COLOURS = {"misery": "#D55E00", "mediocrity": "#BBBBBB", "magic": "#0072B2"}
BASELINE = "#000000"
#: further series (improvements, parameters): Okabe-Ito without the outcome colours
SERIES = ["#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#882255", "#44AA99"]
#: an interval that excludes zero, and one that does not
CLEAR, UNCLEAR = "#000000", "#999999"
WAIT = "#555555"
WARMUP = "#EEEEEE"
#: PNG resolution: an 8 x 4.5 inch figure becomes 1600 x 900 pixels, sharp on a full-screen slide
DEFAULT_DPI = 200

#: fixed ids inside SVG files, so the same figure gives the same bytes
matplotlib.rcParams["svg.hashsalt"] = "truthsim"


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    return plt.figure(figsize=(width, height), dpi=100, layout="constrained")


def tidy(ax) -> None:  # type: ignore[no-untyped-def]
    """No top/right spines, a light grid behind the data."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, axis="both", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def series_colour(i: int) -> str:
    return SERIES[i % len(SERIES)]


def legend_outside(ax, title: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The legend to the right of the plotting area, where it cannot cover a line."""
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title=title)


def whole_number_ticks(axis) -> None:  # type: ignore[no-untyped-def]
    """Ticks only at whole numbers (servers, counts): no 1.25 servers."""
    axis.set_major_locator(MaxNLocator(integer=True))


def wrap(text: str, width: int = 34) -> str:
    """A long label on several lines, so it does not squeeze the plot."""
    return "\n".join(textwrap.wrap(text, width)) or text


def span_words(days: float) -> str:
    """``365`` -> ``a year``; otherwise ``90 days``."""
    return "a year" if abs(days - 365) < 1 else f"{days:g} days"


def num(value: Any) -> float:
    return math.nan if value is None else float(value)


def all_whole(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)
