"""The goodness-of-fit figure of a calibration: observed against simulated outcome mix per
touchpoint, and the return rate by journey (or a cohort's retention). Reads calibration.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from truthsim.plots.style import OUTCOME_COLOURS, new_figure, tidy, whole_number_ticks

OUTCOMES = ("misery", "mediocrity", "magic")


def fit_figure(calibration: dict[str, Any]) -> Figure:
    """Left: each touchpoint's outcome shares, observed (hollow) beside simulated (filled).
    Right: share of journeys followed by another, by journey number, observed and simulated."""
    check = calibration.get("diagnostics", {}).get("check", {})
    figure = new_figure(11.0, 4.5)
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    rows = [r for r in check.get("outcome_mix", []) if "observed" in r]
    x = np.arange(len(rows))
    for k, outcome in enumerate(OUTCOMES):
        colour = OUTCOME_COLOURS[outcome]
        left.bar(
            x + (k - 1) * 0.27 - 0.065,
            [r["observed"][outcome] for r in rows],
            0.12,
            color="white",
            edgecolor=colour,
            label=f"{outcome}, observed",
        )
        left.bar(
            x + (k - 1) * 0.27 + 0.065,
            [r["simulated"][outcome] for r in rows],
            0.12,
            color=colour,
            label=f"{outcome}, simulated",
        )
    left.set_xticks(x, [r["touchpoint"].replace("_", " ") for r in rows], rotation=20, ha="right")
    left.set_ylabel("share of moments")
    left.set_title("outcome mix: data (hollow) and calibrated scenario (filled)", fontsize=10)
    left.legend(frameon=False, fontsize=7, ncol=3, loc="upper left")
    tidy(left)
    returns = check.get("return_by_journey", [])
    cohort = calibration.get("diagnostics", {}).get("cohort", [])
    if returns:
        journeys = [r["journey"] + 1 for r in returns]
        right.plot(journeys, [r["observed"] for r in returns], "o", color="#000000", label="data")
        right.plot(
            journeys,
            [r["simulated"] for r in returns],
            "-",
            color="#0072B2",
            label="calibrated scenario",
        )
        right.set_xlabel("journey")
        right.set_ylabel("share followed by another journey")
        right.set_title("return after each journey", fontsize=10)
    elif cohort:
        right.plot(
            [r["period"] for r in cohort],
            [r["observed"] for r in cohort],
            "o",
            color="#000000",
            label="cohort.csv",
        )
        right.plot(
            [r["period"] for r in cohort],
            [r["fitted"] for r in cohort],
            "-",
            color="#0072B2",
            label="fitted (shifted-beta-geometric)",
        )
        right.set_xlabel("period since acquisition")
        right.set_ylabel("customers active")
        right.set_title("cohort retention", fontsize=10)
    right.legend(frameon=False, fontsize=8)
    whole_number_ticks(right.xaxis)
    tidy(right)
    figure.suptitle(f"{calibration.get('scenario', '')}: calibration fit", fontsize=11)
    return figure


def save_fit_figure(calibration: dict[str, Any], directory: Path, force: bool = True) -> list[Path]:
    from truthsim.plots import save_figures

    return save_figures({"calibration_fit": fit_figure(calibration)}, directory, force=force)
