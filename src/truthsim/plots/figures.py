"""The figures. Each takes plain result data (dicts, arrays) and returns a matplotlib Figure.

None of them simulates: they draw what a run, a what-if, a sweep or a sensitivity run produced,
so ``truthsim plot`` can redraw from saved files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from truthsim.plots.style import (
    BASELINE,
    CLEAR,
    OUTCOME_COLOURS,
    UNCLEAR,
    WAIT,
    new_figure,
    series_colour,
    tidy,
)


def retention_curve(series: Mapping[str, Mapping[str, Sequence[float]]], title: str = "") -> Figure:
    """Active customers per day; ``series[name] = {"mean": [...], "low": [...], "high": [...]}``.

    The first series is the baseline (black); bands show the 95% interval across replications.
    """
    fig = new_figure()
    ax = fig.add_subplot()
    for i, (name, s) in enumerate(series.items()):
        mean = np.asarray(s["mean"], dtype=float)
        days = np.arange(1, len(mean) + 1)
        colour = BASELINE if i == 0 else series_colour(i - 1)
        ax.plot(days, mean, color=colour, linewidth=2.0 if i == 0 else 1.5, label=name)
        if "low" in s and "high" in s:
            ax.fill_between(
                days,
                np.asarray(s["low"], float),
                np.asarray(s["high"], float),
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
    ax.set_xlabel("day of the simulation")
    ax.set_ylabel("active customers (not yet lost)")
    ax.set_title(title or "Customers kept over time")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(frameon=False, loc="upper left")
    tidy(ax)
    return fig


def moment_map(touchpoints: Sequence[Mapping[str, Any]], title: str = "") -> Figure:
    """Outcome mix per touchpoint (journey order, top to bottom) with the mean wait beside it."""
    fig = new_figure(9.0, 0.55 * len(touchpoints) + 1.6)
    mix, waits = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    labels = [str(t.get("label") or t["touchpoint"]) for t in touchpoints]
    y = np.arange(len(touchpoints))[::-1]
    left = np.zeros(len(touchpoints))
    for outcome, colour in OUTCOME_COLOURS.items():
        share = np.array([_num(t[outcome]) for t in touchpoints])
        mix.barh(y, share, left=left, color=colour, edgecolor="white", height=0.7, label=outcome)
        for yi, start, s in zip(y, left, share, strict=True):
            if s >= 0.06:
                mix.text(
                    start + s / 2,
                    yi,
                    f"{s:.0%}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if outcome != "mediocrity" else "black",
                )
        left += share
    mix.set_yticks(y, labels)
    mix.set_xlim(0, 1)
    mix.xaxis.set_major_formatter(PercentFormatter(1.0))
    mix.set_xlabel("share of moments")
    mix.legend(frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    tidy(mix)
    mean_wait = np.array([_num(t["mean_wait"]) for t in touchpoints])
    waits.barh(y, mean_wait, color=WAIT, height=0.5)
    for yi, w in zip(y, mean_wait, strict=True):
        waits.text(w, yi, f" {w:.1f}", va="center", fontsize=8)
    waits.set_xlabel("mean wait (minutes)")
    tidy(waits)
    fig.suptitle(title or "Moments of truth: how each touchpoint ends")
    return fig


def churn_pareto(touchpoints: Sequence[Mapping[str, Any]], title: str = "") -> Figure:
    """Lost customers by the touchpoint whose misery ended the relationship, largest first."""
    rows = sorted(touchpoints, key=lambda t: -_num(t["churn_caused"]))
    counts = np.array([_num(t["churn_caused"]) for t in rows])
    labels = [str(t.get("label") or t["touchpoint"]) for t in rows]
    fig = new_figure()
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    ax.bar(x, counts, color=OUTCOME_COLOURS["misery"])
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel("customers lost after a miserable moment here")
    tidy(ax)
    total = counts.sum()
    if total > 0:
        share = ax.twinx()
        share.plot(x, np.cumsum(counts) / total, color=BASELINE, marker="o", linewidth=1.5)
        share.set_ylim(0, 1.05)
        share.yaxis.set_major_formatter(PercentFormatter(1.0))
        share.set_ylabel("cumulative share of those losses")
        share.spines["top"].set_visible(False)
    ax.set_title(title or "Where customers were lost (churn causes)")
    return fig


def ranking_forest(
    rows: Sequence[Mapping[str, Any]],
    currency: str = "",
    title: str = "",
    confidence: float = 0.95,
) -> Figure:
    """Extra customers kept by each improvement with its 95% interval; cost per customer beside it."""
    fig = new_figure(8.5, 0.6 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows, strict=True):
        mean, low, high = (_num(row[k]) for k in ("retained", "retained_low", "retained_high"))
        colour = CLEAR if low > 0 or high < 0 else UNCLEAR
        ax.errorbar(
            mean,
            yi,
            xerr=[[max(mean - low, 0)], [max(high - mean, 0)]],
            fmt="o",
            color=colour,
            ecolor=colour,
            capsize=4,
            markersize=7,
        )
        per = row.get("cost_per_retained")
        note = (
            f"  {currency} {per:,.0f} per customer"
            if per is not None
            else "  cost per customer not measurable"
        )
        ax.annotate(note, (max(high, mean), yi), va="center", fontsize=8)
    ax.axvline(0, color=BASELINE, linewidth=1)
    ax.set_yticks(y, [str(r["improvement"]) for r in rows])
    ax.set_xlabel(
        f"extra customers at the horizon vs baseline ({confidence:.0%} intervals, holding "
        "jointly; grey: includes zero)"
    )
    ax.margins(x=0.35)
    tidy(ax)
    ax.set_title(title or "Which improvement keeps the most customers")
    return fig


def response_curves(
    parameters: Sequence[str],
    points: Sequence[Sequence[Any]],
    estimates: Sequence[Mapping[str, float]],
    metric_label: str,
    title: str = "",
) -> Figure:
    """The metric against each swept parameter (other parameters at each of their values)."""
    fig = new_figure(4.5 * len(parameters) + 1, 4.0)
    axes = np.atleast_1d(fig.subplots(1, len(parameters), sharey=True))
    for k, (ax, parameter) in enumerate(zip(axes, parameters, strict=True)):
        others = sorted({tuple(p[:k]) + tuple(p[k + 1 :]) for p in points}, key=str)
        for i, fixed in enumerate(others):
            chosen = [
                (p[k], e)
                for p, e in zip(points, estimates, strict=True)
                if tuple(p[:k]) + tuple(p[k + 1 :]) == fixed
            ]
            xs = [_axis_value(v) for v, _ in chosen]
            mean = np.array([_num(e["mean"]) for _, e in chosen])
            low = np.array([_num(e["low"]) for _, e in chosen])
            high = np.array([_num(e["high"]) for _, e in chosen])
            label = ", ".join(
                f"{q.rsplit('.', 1)[-1]}={v}"
                for q, v in zip([q for j, q in enumerate(parameters) if j != k], fixed, strict=True)
            )
            colour = BASELINE if len(others) == 1 else series_colour(i)
            ax.plot(xs, mean, marker="o", color=colour, label=label or None)
            ax.fill_between(xs, low, high, color=colour, alpha=0.15, linewidth=0)
        ax.set_xlabel(parameter)
        if len(others) > 1:
            ax.legend(frameon=False, fontsize=8)
        tidy(ax)
    axes[0].set_ylabel(metric_label)
    fig.suptitle(title or f"How {metric_label} responds")
    return fig


def tornado(rows: Sequence[Mapping[str, Any]], metric_label: str, title: str = "") -> Figure:
    """One-at-a-time sensitivity: effect of each parameter at its low and high value, widest first."""
    rows = list(rows)
    fig = new_figure(8.5, 0.45 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    low = np.array([_num(r["low_effect"]) for r in rows])
    high = np.array([_num(r["high_effect"]) for r in rows])
    ax.barh(y, low, color=series_colour(0), height=0.6, label="parameter lowered")
    ax.barh(y, high, color=series_colour(1), height=0.6, label="parameter raised", alpha=0.85)
    ax.axvline(0, color=BASELINE, linewidth=1)
    ax.set_yticks(y, [str(r["parameter"]).removeprefix("touchpoints.") for r in rows])
    ax.set_xlabel(f"change in {metric_label} vs baseline")
    ax.legend(frameon=False, loc="lower right")
    tidy(ax)
    ax.set_title(title or f"What moves {metric_label} most (one parameter at a time)")
    return fig


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _axis_value(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
