"""A sweep's figures: the metric's level at each point, and its paired difference from the reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from truthsim.plots.style import (
    BASELINE,
    CLEAR,
    UNCLEAR,
    all_whole,
    new_figure,
    num,
    series_colour,
    tidy,
    whole_number_ticks,
    wrap,
)


def response_curves(
    parameters: Sequence[str],
    points: Sequence[Sequence[Any]],
    estimates: Sequence[Mapping[str, float]],
    metric_label: str,
    title: str = "",
    labels: Sequence[str] | None = None,
    ylabel: str | None = None,
    reference: Sequence[Any] | None = None,
) -> Figure:
    """The metric against each swept parameter (one line per value of the others), 95% bands.

    With ``reference`` the estimates are differences from that point: a zero line is drawn.
    """
    labels = list(labels or parameters)
    fig = new_figure(4.6 * len(parameters) + 2.2, 4.5)
    axes = np.atleast_1d(fig.subplots(1, len(parameters), sharey=True))
    for k, (ax, label) in enumerate(zip(axes, labels, strict=True)):
        others = sorted({_others(p, k) for p in points}, key=str)
        for i, fixed in enumerate(others):
            chosen = [
                (p[k], e) for p, e in zip(points, estimates, strict=True) if _others(p, k) == fixed
            ]
            xs = [_axis_value(v) for v, _ in chosen]
            mean = np.array([num(e["mean"]) for _, e in chosen])
            low = np.array([num(e["low"]) for _, e in chosen])
            high = np.array([num(e["high"]) for _, e in chosen])
            named = ", ".join(
                f"{wrap(q, 24)} = {v}"
                for q, v in zip([q for j, q in enumerate(labels) if j != k], fixed, strict=True)
            )
            colour = BASELINE if len(others) == 1 else series_colour(i)
            ax.plot(xs, mean, marker="o", color=colour, label=named or None)
            ax.fill_between(xs, low, high, color=colour, alpha=0.15, linewidth=0)
        if reference is not None:
            ax.axhline(0, color=BASELINE, linewidth=0.8, linestyle="--")
            ax.axvline(_axis_value(reference[k]), color=UNCLEAR, linewidth=0.8, linestyle=":")
        ax.set_xlabel(wrap(label, 40))
        values = sorted({_axis_value(p[k]) for p in points}, key=str)
        if all(isinstance(v, float) for v in values) and len(values) <= 12:
            ax.set_xticks(values)  # ticks at the values swept, no 1.25 servers
        elif all_whole([p[k] for p in points]):
            whole_number_ticks(ax.xaxis)
        if len(others) > 1:
            ax.legend(
                frameon=False,
                fontsize=8,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.2),
                ncols=min(3, len(others)),
            )
        tidy(ax)
    axes[0].set_ylabel(wrap(ylabel or metric_label, 36))
    fig.suptitle(title or f"How {metric_label} responds")
    return fig


def difference_bars(
    points: Sequence[Sequence[Any]],
    differences: Sequence[Mapping[str, float]],
    labels: Sequence[str],
    reference: Sequence[Any],
    metric_label: str,
    title: str = "",
) -> Figure:
    """Each grid point's paired difference from the reference with its 95% interval, one row each."""
    fig = new_figure(8.5, 0.45 * len(points) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(points))[::-1]
    names = [", ".join(str(v) for v in p) for p in points]
    for yi, point, d in zip(y, points, differences, strict=True):
        mean, low, high = num(d["mean"]), num(d["low"]), num(d["high"])
        if tuple(point) == tuple(reference):
            ax.plot(0, yi, marker="D", color=BASELINE, markersize=6)
            continue
        clear = not np.isnan(low) and (low > 0 or high < 0)
        colour = CLEAR if clear else UNCLEAR
        err = [[max(mean - low, 0)], [max(high - mean, 0)]] if not np.isnan(low) else None
        ax.errorbar(mean, yi, xerr=err, fmt="o", color=colour, ecolor=colour, capsize=4)
    ax.axvline(0, color=BASELINE, linewidth=1)
    ax.set_yticks(
        y,
        [
            n + (" (reference)" if tuple(p) == tuple(reference) else "")
            for n, p in zip(names, points, strict=True)
        ],
    )
    ax.set_ylabel(wrap(" / ".join(labels), 40))
    ax.set_xlabel(f"change in {metric_label} vs the reference (95% interval; grey: includes zero)")
    tidy(ax)
    ax.set_title(title or f"Change in {metric_label} against the reference point")
    return fig


def _others(point: Sequence[Any], k: int) -> tuple[Any, ...]:
    return tuple(point[:k]) + tuple(point[k + 1 :])


def _axis_value(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
