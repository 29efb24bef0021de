"""The journey map of a leverage run: every moment in journey order, how many pass it, how it
ends, how many customers were lost after it, and what more magic or less misery there is worth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from truthsim.plots.style import BASELINE, OUTCOME_COLOURS, SERIES, new_figure, num, tidy, wrap

COMMA = StrMethodFormatter("{x:,.0f}")


def journey_map(
    touchpoints: Sequence[Mapping[str, Any]],
    levers: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    title: str = "",
) -> Figure:
    """Three panels on one row per touchpoint, top to bottom in journey order: visits split by
    outcome, customers lost (churn caused), and customers kept per 10 points of magic or of
    misery avoided, with the map's joint intervals."""
    rows = {str(t["touchpoint"]): t for t in touchpoints}
    names = [n for n in order if n in rows]
    y = np.arange(len(names))[::-1]
    fig = new_figure(12.0, 0.55 * len(names) + 2.2)
    passes, lost, lever_ax = fig.subplots(1, 3, sharey=True, width_ratios=[1.3, 0.8, 1.4])
    left = np.zeros(len(names))
    for outcome in ("misery", "mediocrity", "magic"):
        width = np.array([num(rows[n]["visits"]) * num(rows[n][outcome]) for n in names])
        passes.barh(y, width, left=left, color=OUTCOME_COLOURS[outcome], height=0.6, label=outcome)
        left += width
    passes.set_yticks(y, [wrap(str(rows[n]["label"]), 26) for n in names])
    passes.set_xlabel("moments over the run, by how they ended")
    passes.legend(loc="lower right", fontsize="small", frameon=False)
    lost.barh(y, [num(rows[n]["churn_caused"]) for n in names], color=BASELINE, height=0.6)
    lost.set_xlabel("customers lost after it")
    by = {(str(r["touchpoint"]), str(r["kind"])): r for r in levers}
    for k, (kind, words) in enumerate(
        (("magic", "10 pts more magic"), ("misery", "10 pts less misery"))
    ):
        found = [by.get((n, kind)) for n in names]
        shown = [i for i, r in enumerate(found) if r is not None]
        mean = np.array([num(found[i]["kept"]) for i in shown])
        low = np.array([num(found[i]["kept_low"]) for i in shown])
        high = np.array([num(found[i]["kept_high"]) for i in shown])
        offset = 0.15 if k == 0 else -0.15
        lever_ax.errorbar(
            mean,
            y[shown] + offset,
            xerr=[mean - low, high - mean],
            fmt="o",
            color=SERIES[3 if k == 0 else 0],
            capsize=3,
            label=words,
        )
    lever_ax.axvline(0, color=BASELINE, linewidth=0.8)
    lever_ax.set_xlabel("customers kept per lever (joint 95% intervals)")
    lever_ax.legend(loc="lower right", fontsize="small", frameon=False)
    for ax in (passes, lost, lever_ax):
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(COMMA)
        tidy(ax)
    fig.suptitle(title or "The journey and where to make magic")
    return fig
