"""Sensitivity figures: the one-at-a-time tornado, Morris mu*-sigma, and Sobol indices with intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from truthsim.plots.style import (
    BASELINE,
    SERIES,
    legend_outside,
    new_figure,
    num,
    series_colour,
    tidy,
    wrap,
)

#: how many parameters the Morris figure names beside their points (the rest stay unnamed dots)
MORRIS_NAMED = 8


def parameter_label(row: Mapping[str, Any], with_range: bool = True) -> str:
    """``Gate: staff serving at once (1..3)``: the description, and the range it was varied over."""
    name = str(row.get("label") or str(row["parameter"]).removeprefix("touchpoints."))
    if not with_range or "low" not in row:
        return name
    if row.get("integer"):
        return f"{name} ({num(row['low']):.0f}..{num(row['high']):.0f})"
    return f"{name} ({num(row['low']):.3g}..{num(row['high']):.3g})"


def tornado(rows: Sequence[Mapping[str, Any]], metric_label: str, title: str = "") -> Figure:
    """One-at-a-time sensitivity: effect of each parameter at its low and high value, widest first."""
    rows = list(rows)
    fig = new_figure(9.5, 0.5 * len(rows) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    low = np.array([num(r["low_effect"]) for r in rows])
    high = np.array([num(r["high_effect"]) for r in rows])
    ax.barh(y, low, color=series_colour(0), height=0.6, label="parameter at its low end")
    ax.barh(
        y, high, color=series_colour(1), height=0.6, label="parameter at its high end", alpha=0.85
    )
    ax.axvline(0, color=BASELINE, linewidth=1)
    ax.set_yticks(y, [wrap(parameter_label(r), 44) for r in rows])
    ax.set_xlabel(f"change in {metric_label} vs the scenario as it is")
    legend_outside(ax)
    tidy(ax)
    ax.set_title(title or f"What moves {metric_label} most (one parameter at a time)")
    return fig


def morris_plot(rows: Sequence[Mapping[str, Any]], metric_label: str, title: str = "") -> Figure:
    """Morris screening: mean absolute effect mu* (with its interval) against its spread sigma.

    Far right: influential. High up: the effect depends on other parameters or is not linear.
    """
    rows = list(rows)
    fig = new_figure(11.0, 5.5)
    ax, side = fig.subplots(1, 2, width_ratios=[2.6, 1])
    side.axis("off")
    mu = np.array([num(r["mu_star"]) for r in rows])
    conf = np.array([num(r["mu_star_conf"]) for r in rows])
    sigma = np.array([num(r["sigma"]) for r in rows])
    ax.errorbar(mu, sigma, xerr=conf, fmt="o", color=SERIES[3], ecolor="#AAAAAA", capsize=3)
    right = float(np.nanmax(mu + conf)) if len(mu) else 1.0
    upper = float(np.nanmax(sigma)) if len(sigma) else 1.0
    line = min(right, upper * 1.2)
    ax.plot([0, line], [0, line], color="#BBBBBB", linewidth=0.8, linestyle="--")
    named = min(MORRIS_NAMED, len(rows))  # rows come most influential first
    for i in range(named):
        ax.annotate(
            str(i + 1), (mu[i], sigma[i]), fontsize=8, xytext=(4, 4), textcoords="offset points"
        )
    key = "\n".join(f"{i + 1}  {wrap(parameter_label(rows[i], False), 36)}" for i in range(named))
    note = "dashed: sigma = mu* (effect as variable as it is large)"
    if len(rows) > named:
        note += f"; {len(rows) - named} smaller effects unnumbered"
    side.text(0.0, 1.0, key + "\n\n" + wrap(note, 44), fontsize=8, va="top", linespacing=1.5)
    ax.set_xlim(0, right * 1.08)
    ax.set_ylim(0, upper * 1.25 if upper > 0 else 1.0)
    ax.set_xlabel(
        f"mu*: mean absolute effect on {metric_label} across a parameter's range (95% interval)"
    )
    ax.set_ylabel("sigma: how much that effect varies")
    tidy(ax)
    ax.set_title(title or f"Morris screening of {metric_label}")
    return fig


def sobol_bars(rows: Sequence[Mapping[str, Any]], metric_label: str, title: str = "") -> Figure:
    """First-order and total Sobol indices per parameter, with their 95% bootstrap intervals."""
    rows = list(rows)
    fig = new_figure(9.5, 0.55 * len(rows) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    for offset, (key, name, colour) in zip(
        (0.18, -0.18),
        (("S1", "first-order (alone)", SERIES[3]), ("ST", "total (with interactions)", SERIES[4])),
        strict=True,
    ):
        values = np.array([num(r[key]) for r in rows])
        errors = np.array([num(r[f"{key}_conf"]) for r in rows])
        ax.barh(
            y + offset,
            values,
            height=0.34,
            color=colour,
            label=name,
            xerr=errors,
            error_kw={"ecolor": BASELINE, "capsize": 2, "elinewidth": 0.8},
        )
    ax.axvline(0, color=BASELINE, linewidth=1)
    ax.set_yticks(y, [wrap(parameter_label(r), 44) for r in rows])
    ax.set_xlabel(f"share of the variance of {metric_label} (95% interval)")
    legend_outside(ax)
    tidy(ax)
    ax.set_title(title or f"Sobol indices of {metric_label}")
    return fig
