"""The forecast's figures: journeys period by period and cumulated, forecast (with the range of
what may happen) against what happened in a holdout, BG/NBD's forecast beside. Reads
forecast.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from truthsim.plots.style import BASELINE, SERIES, new_figure, tidy

FORECAST, BGNBD = "#0072B2", SERIES[0]


def tracking_figure(forecast: dict[str, Any]) -> Figure:
    """Left: journeys per period; right: cumulated. The forecast's mean with the 90% range of
    the replications, the actual journeys and BG/NBD's forecast where a holdout was cut."""
    periods = forecast["periods"]
    days = [p["day_end"] for p in periods]
    figure = new_figure(11.0, 4.5)
    left, right = figure.subplots(1, 2)
    left.fill_between(days, [p["journeys_p05"] for p in periods], [p["journeys_p95"] for p in periods],
                      color=FORECAST, alpha=0.15, linewidth=0, label="90% of replications")  # fmt: skip
    left.plot(days, [p["journeys_mean"] for p in periods], "-", color=FORECAST, label="forecast")
    right.fill_between(days, [p["cumulative_p05"] for p in periods], [p["cumulative_p95"] for p in periods],
                       color=FORECAST, alpha=0.15, linewidth=0, label="90% of replications")  # fmt: skip
    right.plot(days, [p["cumulative_mean"] for p in periods], "-", color=FORECAST, label="forecast")
    if forecast.get("holdout"):
        left.plot(days, [p["actual"] for p in periods], "o", color=BASELINE, ms=3, label="actual")
        right.plot(days, [p["actual_cumulative"] for p in periods], "o", color=BASELINE, ms=3,
                   label="actual")  # fmt: skip
        right.plot(days, [p["bgnbd_cumulative"] for p in periods], "--", color=BGNBD,
                   label="BG/NBD")  # fmt: skip
    period = forecast["period_days"]
    left.set_title(f"journeys of the firm's customers, per {period:g} days", fontsize=10)
    right.set_title("cumulated", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel(
            "days after the end of the data"
            if not forecast.get("holdout")
            else "days after the cut"
        )
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
        ax.legend(frameon=False, fontsize=8)
        tidy(ax)
    return figure


def save_forecast_figures(
    forecast: dict[str, Any], directory: Path, force: bool = True
) -> list[Path]:
    from truthsim.plots import save_figures

    return save_figures({"forecast_tracking": tracking_figure(forecast)}, directory, force=force)
