"""Figures from results: retention, moment map, churn causes, ranking, sweeps and sensitivity.

Plots read results and never simulate. ``draw(figure_data(result))`` gives named figures;
``save_figures`` writes them as PNG (at ``dpi``, sharp on a slide by default) and SVG.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from truthsim.io import write_results
from truthsim.plots.data import figure_data, metric_label
from truthsim.plots.figures import churn_pareto, moment_map, ranking_forest
from truthsim.plots.leverage import journey_map
from truthsim.plots.retention import cohort_retention, retention_curve, retention_difference
from truthsim.plots.sensitivity import morris_plot, sobol_bars, tornado
from truthsim.plots.style import DEFAULT_DPI, span_words, wrap
from truthsim.plots.sweeps import difference_bars, response_curves

FORMATS = ("png", "svg")
#: characters per title line: long titles wrap instead of running off the figure
TITLE_WIDTH = 72


def draw(data: dict[str, Any]) -> dict[str, Figure]:
    """Every figure the data supports, by file name (without extension).

    Titles name the metric and the horizon it was measured at.
    """
    kind, title = data["kind"], data.get("title", "")
    span = span_words(float(data.get("horizon_days") or 0)) if data.get("horizon_days") else ""
    over = f" over {span}" if span else ""
    after = f" ({span} simulated)" if span else ""
    warmup = float(data.get("warmup_days") or 0.0)
    figures: dict[str, Figure] = {}
    if kind in ("run", "whatif"):
        figures["retention"] = retention_curve(
            data["retention"],
            _title(f"{title}: active customers day by day{over}"),
            warmup,
            data.get("labels"),
        )
        figures["moment_map"] = moment_map(
            data["touchpoints"], f"{title}: how each moment ends (share of moments{over})"
        )
        if data.get("cohort"):
            figures["cohort_retention"] = cohort_retention(
                data["cohort"],
                _title(f"{title}: customers still active by time since their first journey"),
            )
        figures["churn_causes"] = churn_pareto(
            data["touchpoints"],
            _title(f"{title}: which moments lost customers{over}"),
            data.get("unblamed"),
        )
    if kind == "whatif" and data["ranking"]:
        figures["ranking"] = ranking_forest(
            data["ranking"],
            data.get("currency", ""),
            _title(f"{title}: extra customers active{after}, by improvement"),
            data.get("confidence", 0.95),
        )
        if data.get("retention_difference"):
            figures["retention_difference"] = retention_difference(
                data["retention_difference"],
                _title(f"{title}: extra active customers vs baseline, day by day{over}"),
                warmup,
                data.get("labels"),
            )
    if kind == "sweep":
        metric = metric_label(data["metric"])
        labels = data.get("labels") or data["parameters"]
        figures["response"] = response_curves(
            data["parameters"],
            data["points"],
            data["estimates"],
            metric,
            _title(f"{title}: {metric}{after}, across the sweep"),
            labels,
        )
        if data.get("differences"):
            figures["difference"] = difference_bars(
                data["points"],
                data["differences"],
                labels,
                data["reference"],
                metric,
                _title(f"{title}: change in {metric}{after} against the reference point"),
            )
    if kind == "sensitivity" and data["rows"]:
        metric = metric_label(data["metric"])
        figures["tornado"] = tornado(
            data["rows"],
            metric,
            _title(
                f"{title}: {metric}{after}, each parameter varied alone by about "
                f"±{100 * float(data.get('fraction') or 0):.0f}%"
            ),
        )
    if kind == "leverage" and data["levers"]:
        figures["journey_map"] = journey_map(
            data["touchpoints"],
            data["levers"],
            data["journey_order"],
            _title(f"{title}: the journey, and what more magic or less misery keeps{after}"),
        )
    if kind == "morris" and data["rows"]:
        metric = metric_label(data["metric"])
        figures["morris"] = morris_plot(
            data["rows"], metric, f"{title}: Morris screening of {metric}{after}"
        )
    if kind == "sobol" and data["rows"]:
        metric = metric_label(data["metric"])
        figures["sobol"] = sobol_bars(
            data["rows"], metric, f"{title}: Sobol indices of {metric}{after}"
        )
    return figures


def _title(text: str) -> str:
    return wrap(text, TITLE_WIDTH)


def figure_bytes(
    figure: Figure, fmt: str, dpi: float = DEFAULT_DPI, size: tuple[float, float] | None = None
) -> bytes:
    """The figure as PNG or SVG bytes; ``size`` (inches) overrides the figure's own."""
    if size is not None:
        figure.set_size_inches(*size)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}  # the same inputs give the same SVG bytes
    figure.savefig(buffer, format=fmt, metadata=metadata, dpi=dpi)
    return buffer.getvalue()


def save_figures(
    figures: dict[str, Figure],
    directory: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    dpi: float = DEFAULT_DPI,
    size: tuple[float, float] | None = None,
    force: bool = False,
) -> list[Path]:
    """Write each figure in each format as one set (see :func:`truthsim.io.write_results`:
    an occupied folder needs ``force``, and then its earlier figures are replaced)."""
    files = {}
    for name, figure in figures.items():
        for fmt in formats:
            files[f"{name}.{fmt}"] = figure_bytes(figure, fmt, dpi, size)
        plt.close(figure)
    return write_results(directory, files, force)


__all__ = [
    "DEFAULT_DPI",
    "FORMATS",
    "churn_pareto",
    "difference_bars",
    "draw",
    "figure_bytes",
    "figure_data",
    "moment_map",
    "morris_plot",
    "ranking_forest",
    "response_curves",
    "retention_curve",
    "retention_difference",
    "save_figures",
    "sobol_bars",
    "tornado",
]
