"""The report of a calibration: what the data say about each number, and what they cannot say.

Read from the folder ``truthsim calibrate`` wrote (calibration.json beside the calibrated
scenario); it never fits or simulates.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from truthsim.report.page import closing, head, table
from truthsim.scenario import Scenario

FIT_CAPTION = (
    "Left: each touchpoint's outcome shares in the data (hollow) beside a simulation of the "
    "calibrated scenario (filled). Right: the share of journeys followed by another, by journey."
)


def calibration_answer(data: dict[str, Any]) -> list[str]:
    """The main findings in words: what was fitted, the least certain number, what was not."""
    fitted = data.get("parameters", [])
    missing = data.get("unidentified", [])
    files = ", ".join(data.get("data", {}).get("files", [])) or "the data"
    lines = [
        f"From {files}, {len(fitted)} of the scenario's numbers were estimated by maximum "
        f"likelihood, each with its 95% interval; {len(missing)} stayed as the scenario has "
        "them because these data cannot tell them (the reasons are listed below)."
    ]
    widest = _least_certain(fitted)
    if widest is not None:
        p = widest
        lines.append(
            f"The least certain estimate, relative to its size, is {p['path']}: {_num(p['estimate'])} "
            f"(95% interval {_num(p['low'])} to {_num(p['high'])})."
        )
    differ = [
        h["segment"]
        for h in data.get("diagnostics", {}).get("heterogeneity", [])
        if h.get("p_value") is not None and h["p_value"] < 0.05
    ]
    if differ:
        lines.append(
            "In segment " + ", ".join(differ) + ", the data say customers differ in how likely "
            "they are to come back (likelihood-ratio test at the 5% level)."
        )
    gap = _largest_mix_gap(data)
    if gap is not None:
        name, outcome, observed, simulated = gap
        lines.append(
            f"Simulated with the fitted values, the outcome mix differs most from the data at "
            f"{name}: {simulated:.1%} {outcome} against {observed:.1%} observed."
        )
    return lines


def build_calibration_report(data: dict[str, Any], scenario: Scenario, meta: dict[str, Any]) -> str:
    """One HTML page from calibration.json and the calibrated scenario."""
    e = html.escape
    title = f"{scenario.name}: what the data say"
    answer = calibration_answer(data)
    parts = [
        head(title),
        f"<header><h1>{e(title)}</h1>",
        f'<p class="lede">{e(scenario.description.strip())} The scenario\'s behavioural numbers, '
        "fitted to a firm's own records by maximum likelihood.</p></header>",
        '<section class="answer"><h2>The answer</h2>',
        f'<p class="headline">{e(answer[0])}</p>',
        *(f"<p>{e(line)}</p>" for line in answer[1:]),
        "</section>",
        "<section><h2>Estimates</h2>",
        table(
            ["parameter", "estimate", "95% interval", "from", "how"],
            [
                [
                    p["path"],
                    _num(p["estimate"]),
                    f"{_num(p['low'])} to {_num(p['high'])}",
                    str(p.get("source", "")),
                    str(p.get("method", "")),
                ]
                for p in data.get("parameters", [])
            ],
        ),
        "</section>",
        "<section><h2>What these data cannot tell</h2>",
        table(
            ["parameter", "why it stays as the scenario has it"],
            [[u["path"], str(u.get("reason", ""))] for u in data.get("unidentified", [])],
        ),
        "<ul>" + "".join(f"<li>{e(str(n))}</li>" for n in data.get("notes", [])) + "</ul>",
        "</section>",
        "<section><h2>Fit</h2>",
        _fit_figure(data),
        "</section>",
        f"<footer>truthsim {e(str(meta.get('truthsim', '?')))}, calibrated scenario "
        f"{e(str(meta.get('scenario_file', '?')))}, data {e(str(data.get('data', {}).get('folder', '?')))}"
        "</footer>",
        closing(),
    ]
    return "\n".join(parts) + "\n"


def _fit_figure(data: dict[str, Any]) -> str:
    from truthsim.plots import figure_bytes  # matplotlib loads only for a report
    from truthsim.plots.calibration import fit_figure

    figure = fit_figure(data)
    svg = base64.b64encode(figure_bytes(figure, "svg")).decode("ascii")
    import matplotlib.pyplot as plt

    plt.close(figure)
    caption = html.escape(FIT_CAPTION)
    return (
        f'<figure id="fig-fit"><img alt="{caption}" src="data:image/svg+xml;base64,{svg}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _least_certain(fitted: list[dict[str, Any]]) -> dict[str, Any] | None:
    def relative(p: dict[str, Any]) -> float:
        if p.get("low") is None or p.get("high") is None or not p.get("estimate"):
            return -1.0
        return abs(p["high"] - p["low"]) / abs(p["estimate"])

    scored = [p for p in fitted if relative(p) >= 0]
    return max(scored, key=relative) if scored else None


def _largest_mix_gap(data: dict[str, Any]) -> tuple[str, str, float, float] | None:
    rows = data.get("diagnostics", {}).get("check", {}).get("outcome_mix", [])
    best = None
    for row in rows:
        if "observed" not in row:
            continue
        for outcome, observed in row["observed"].items():
            simulated = row["simulated"][outcome]
            gap = abs(simulated - observed)
            if best is None or gap > best[0]:
                best = (gap, row["touchpoint"], outcome, observed, simulated)
    return None if best is None else best[1:]


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}"
