"""Figures from results: retention, moment map, churn causes, ranking, response curves, tornado.

Plots read results and never simulate. ``draw(figure_data(result))`` gives named figures;
``save_figures`` writes them as PNG and SVG.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from truthsim.io import write_bytes
from truthsim.plots.data import figure_data, metric_label
from truthsim.plots.figures import (
    churn_pareto,
    moment_map,
    ranking_forest,
    response_curves,
    retention_curve,
    tornado,
)

FORMATS = ("png", "svg")


def draw(data: dict[str, Any]) -> dict[str, Figure]:
    """Every figure the data supports, by file name (without extension)."""
    kind, title = data["kind"], data.get("title", "")
    figures: dict[str, Figure] = {}
    if kind in ("run", "whatif"):
        figures["retention"] = retention_curve(
            data["retention"], f"{title}: customers kept over time"
        )
        figures["moment_map"] = moment_map(data["touchpoints"], f"{title}: how each moment ends")
        figures["churn_causes"] = churn_pareto(
            data["touchpoints"], f"{title}: where customers were lost"
        )
    if kind == "whatif" and data["ranking"]:
        figures["ranking"] = ranking_forest(
            data["ranking"],
            data.get("currency", ""),
            f"{title}: which improvement keeps the most customers",
            data.get("confidence", 0.95),
        )
    if kind == "sweep":
        figures["response"] = response_curves(
            data["parameters"],
            data["points"],
            data["estimates"],
            metric_label(data["metric"]),
            f"{title}: sweep",
        )
    if kind == "sensitivity" and data["rows"]:
        figures["tornado"] = tornado(
            data["rows"], metric_label(data["metric"]), f"{title}: sensitivity"
        )
    return figures


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}  # the same inputs give the same SVG bytes
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def save_figures(
    figures: dict[str, Figure], directory: Path, formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write each figure in each format; returns the files written."""
    written = []
    for name, figure in figures.items():
        for fmt in formats:
            path = directory / f"{name}.{fmt}"
            write_bytes(path, figure_bytes(figure, fmt))
            written.append(path)
        plt.close(figure)
    return written


__all__ = [
    "FORMATS",
    "churn_pareto",
    "draw",
    "figure_bytes",
    "figure_data",
    "moment_map",
    "ranking_forest",
    "response_curves",
    "retention_curve",
    "save_figures",
    "tornado",
]
