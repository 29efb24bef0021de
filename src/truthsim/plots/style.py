"""One look for every figure: the Okabe-Ito colour-blind-safe palette, plain labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no screen needed

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

#: misery / mediocrity / magic, the same in every figure (distinct under common colour blindness)
OUTCOME_COLOURS = {"misery": "#D55E00", "mediocrity": "#BBBBBB", "magic": "#0072B2"}
BASELINE = "#000000"
#: further series (improvements, parameters): Okabe-Ito without the outcome colours
SERIES = ["#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#882255", "#44AA99"]
#: an interval that excludes zero, and one that does not
CLEAR, UNCLEAR = "#000000", "#999999"
WAIT = "#555555"

#: fixed ids inside SVG files, so the same figure gives the same bytes
matplotlib.rcParams["svg.hashsalt"] = "truthsim"


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    fig = plt.figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def tidy(ax) -> None:  # type: ignore[no-untyped-def]
    """No top/right spines, a light grid behind the data."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, axis="both", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def series_colour(i: int) -> str:
    return SERIES[i % len(SERIES)]
