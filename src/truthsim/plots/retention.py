"""Customers kept over time: levels for every variant, and each variant's difference from baseline.

Levels of a few thousand customers hide an effect of a few dozen; the difference figure shows it
with its paired 95% band. The warm-up, left out of the statistics, is shaded in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from truthsim.plots.style import (
    BASELINE,
    WARMUP,
    legend_outside,
    new_figure,
    series_colour,
    tidy,
    wrap,
)

Series = Mapping[str, Mapping[str, Sequence[float]]]


def retention_curve(
    series: Series,
    title: str = "",
    warmup_days: float = 0.0,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Active customers per day; ``series[name] = {"mean": [...], "low": [...], "high": [...]}``.

    The first series is the baseline (black); bands show the 95% interval across replications.
    """
    fig = new_figure()
    ax = fig.add_subplot()
    shade_warmup(ax, warmup_days)
    for i, (name, s) in enumerate(series.items()):
        colour = BASELINE if i == 0 else series_colour(i - 1)
        _line(ax, s, colour, (labels or {}).get(name, name), 2.0 if i == 0 else 1.5)
    ax.set_xlabel("day of the simulation")
    ax.set_ylabel("active customers (not yet lost)")
    ax.set_title(title or "Customers kept over time")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if len(series) > 1 or warmup_days:
        legend_outside(ax)
    tidy(ax)
    return fig


def retention_difference(
    series: Series,
    title: str = "",
    warmup_days: float = 0.0,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Each variant's active customers minus the baseline's, day by day, with the paired 95% band."""
    fig = new_figure()
    ax = fig.add_subplot()
    shade_warmup(ax, warmup_days)
    ax.axhline(0, color=BASELINE, linewidth=1, label="baseline")
    for i, (name, s) in enumerate(series.items()):
        _line(ax, s, series_colour(i), (labels or {}).get(name, name), 1.8)
    ax.set_xlabel("day of the simulation")
    ax.set_ylabel("extra active customers vs baseline")
    ax.set_title(title or "Extra customers kept, day by day")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0"))
    legend_outside(ax)
    tidy(ax)
    return fig


def shade_warmup(ax, warmup_days: float) -> None:  # type: ignore[no-untyped-def]
    """Grey the days left out of the statistics."""
    if warmup_days > 0:
        ax.axvspan(0, warmup_days, color=WARMUP, zorder=0, label="warm-up (not counted)")


def _line(ax, s: Mapping[str, Sequence[float]], colour: str, label: str, width: float) -> None:  # type: ignore[no-untyped-def]
    mean = np.asarray(s["mean"], dtype=float)
    days = np.arange(1, len(mean) + 1)
    ax.plot(days, mean, color=colour, linewidth=width, label=wrap(label, 30))
    if "low" in s and "high" in s:
        ax.fill_between(
            days,
            np.asarray(s["low"], float),
            np.asarray(s["high"], float),
            color=colour,
            alpha=0.18,
            linewidth=0,
        )


def cohort_retention(cohort: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """Share of customers still active by period since acquisition, all cohorts pooled, with a
    95% binomial band (Wilson); ``cohort = {"period_days", "share", "customers"}``."""
    share = np.asarray(cohort["share"], dtype=float)
    n = np.asarray(cohort["customers"], dtype=float)
    period = float(cohort["period_days"])  # type: ignore[arg-type]
    shown = n > 0
    periods = np.arange(len(share))[shown]
    share, n = share[shown], n[shown]
    z = 1.959963984540054
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(periods, share, color=BASELINE, marker="o", linewidth=1.8, markersize=4)
    ax.fill_between(periods, centre - half, centre + half, color=BASELINE, alpha=0.15, linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole periods, never 0.25 of one
    ax.set_xlabel(f"periods of {period:g} days since the customer's first journey")
    ax.set_ylabel("share of customers still active")
    ax.set_title(title or "Cohort retention")
    tidy(ax)
    return fig
