"""The figures of a run and a what-if. Each takes plain result data (dicts, arrays) and returns a matplotlib Figure.

None of them simulates: they draw what a run, a what-if, a sweep or a sensitivity run produced,
so ``truthsim plot`` can redraw from saved files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from truthsim.plots.style import (
    BASELINE,
    CLEAR,
    OUTCOME_COLOURS,
    UNCLEAR,
    WAIT,
    new_figure,
    tidy,
    wrap,
)
from truthsim.plots.style import num as _num


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


def churn_pareto(
    touchpoints: Sequence[Mapping[str, Any]], title: str = "", unblamed: float | None = None
) -> Figure:
    """Lost customers by the touchpoint whose moments decided it, largest first; the line is the
    cumulative share of all customers lost. Those lost without a moment to blame are said in
    a note, not drawn as a bar: they are often most of the losses and would flatten the bars
    that can be acted on."""
    rows = sorted(touchpoints, key=lambda t: -_num(t["churn_caused"]))
    counts = [_num(t["churn_caused"]) for t in rows]
    labels = [str(t.get("label") or t["touchpoint"]) for t in rows]
    fig = new_figure()
    ax = fig.add_subplot()
    x = np.arange(len(counts))
    ax.bar(x, counts, color=OUTCOME_COLOURS["misery"])
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel("customers lost who would have\nstayed without these moments")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    tidy(ax)
    rest = _num(unblamed) if unblamed is not None else 0.0
    total = float(np.sum(counts)) + rest
    if total > 0:
        share = ax.twinx()
        share.plot(x, np.cumsum(counts) / total, color=BASELINE, marker="o", linewidth=1.5)
        share.set_ylim(0, max(0.05, float(np.sum(counts)) / total) * 1.15)
        share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        share.set_ylabel("cumulative share of all customers lost")
        share.spines["top"].set_visible(False)
    if rest > 0:
        ax.text(
            0.99,
            0.97,
            f"and {rest:,.0f} lost with no moment to blame ({rest / total:.0%} of all lost)",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=9,
            color=UNCLEAR,
        )
    ax.set_title(title or "Where customers were lost (churn causes)")
    return fig


def ranking_forest(
    rows: Sequence[Mapping[str, Any]],
    currency: str = "",
    title: str = "",
    confidence: float = 0.95,
) -> Figure:
    """Extra customers kept by each improvement with its 95% interval; cost per customer beside it.

    Rows are labelled by the improvement's description (its ``label``) where it has one.
    """
    fig = new_figure(9.0, 0.7 * len(rows) + 1.6)
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
    ax.set_yticks(y, [wrap(str(r.get("label") or r["improvement"]), 40) for r in rows])
    ax.set_xlabel(
        f"extra customers at the horizon vs baseline\n({confidence:.0%} intervals, holding "
        "jointly; grey: includes zero)"
    )
    ax.margins(x=0.35)
    tidy(ax)
    ax.set_title(title or "Which improvement keeps the most customers")
    return fig
