"""Reports for a sweep and a sensitivity analysis, read from their saved results folders.

Each opens with its answer in words, then the table, the scenario in plain words and the figures.
"""

from __future__ import annotations

import html
from typing import Any

from truthsim.report.page import closing, figure_blocks, head, table
from truthsim.report.words import assumptions
from truthsim.scenario import Scenario

CAPTIONS = {
    "difference": "Each point's change against the reference point, paired replication by "
    "replication, with its 95% interval (grey: the interval includes zero).",
    "response": "The level at each point of the sweep with 95% bands across replications.",
    "tornado": "Each parameter varied alone to the low and high end of its range; the scenario "
    "as it is is the zero line.",
    "morris": "Morris screening: far right, a large mean absolute effect; high up, an effect "
    "that depends on the other parameters or is not linear.",
    "sobol": "Sobol indices: the share of the result's variance each parameter explains alone "
    "(first-order) and with its interactions (total), with 95% bootstrap intervals.",
}
SOBOL_WORDS = (
    "An index whose interval reaches zero means no measurable influence over these ranges; "
    "a small negative estimate is noise around zero, not a negative share."
)


def build_experiment_report(
    kind: str,
    data: dict[str, Any],
    figures: dict[str, Any],
    scenario: Scenario,
    meta: dict[str, Any],
) -> str:
    """The report of a saved sweep (``kind="sweep"``) or sensitivity analysis as one HTML string."""
    e = html.escape
    if kind == "sweep":
        question = "how do results respond to these parameters?"
        body, order = _sweep_body(data), ("difference", "response")
        method = f"a sweep of {len(data['points'])} points"
    elif kind == "leverage":
        question = "where would more magic, less misery or more staff keep the most customers?"
        body, order = _leverage_body(data), ("journey_map",)
        method = "a leverage map"
    else:
        method_name = data.get("method", "oat")
        question = "which parameters move the result most?"
        body, order = _sensitivity_body(data), ("tornado", "morris", "sobol")
        method = {"oat": "one-at-a-time", "morris": "Morris", "sobol": "Sobol"}[method_name]
        method += " sensitivity analysis"
    replications = data.get("replications") or data.get("baseline", {}).get("n", "?")
    title = f"{scenario.name}: {question}"
    parts = [
        head(title),
        f"<header><h1>{e(title)}</h1>",
        f'<p class="lede">{e(scenario.description.strip())} Results of {e(method)}, '
        f"{replications} replications per point on the same random numbers, over "
        f"{data.get('horizon_days', scenario.horizon_days):g} days.</p></header>",
        '<section class="answer"><h2>The answer</h2>',
        f'<p class="headline">{e(data.get("answer", ""))}</p>',
        "</section>",
        *body,
        "<section><h2>The scenario in plain words</h2>",
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in assumptions(scenario)) + "</ul>",
        "</section>",
        "<section><h2>Figures</h2>",
        *figure_blocks(figures, order, CAPTIONS),
        "</section>",
        _footer(kind, data, meta),
        closing(),
    ]
    return "\n".join(parts) + "\n"


def _interval(d: dict[str, Any], digits: int = 0) -> str:
    fmt = f"{{:+,.{digits}f}}"
    if d.get("low") is None:
        return fmt.format(d["mean"])
    return f"{fmt.format(d['mean'])} ({fmt.format(d['low'])}..{fmt.format(d['high'])})"


def _sweep_body(data: dict[str, Any]) -> list[str]:
    labels = data.get("labels") or data["parameters"]
    rows = []
    for point in data["points"]:
        values = [str(point["values"][p]) for p in data["parameters"]]
        change = point["differences"]["active_at_horizon"]
        level = point["metrics"]["active_at_horizon"]
        rows.append(
            [
                *values,
                "reference" if point["reference"] else _interval(change),
                f"{level['mean']:,.0f}",
                "" if point["reference"] else _interval(point["differences"]["revenue"]),
            ]
        )
    return [
        "<section><h2>Every point against the reference</h2>",
        table(
            [
                *labels,
                "change in active customers (95% CI)",
                "active customers",
                "revenue change (95% CI)",
            ],
            rows,
        ),
        '<p class="note">Changes are paired: each replication of a point is compared with the '
        "same replication of the reference, so their intervals are narrower than the overlap "
        "of the two levels suggests.</p></section>",
    ]


def _sensitivity_body(data: dict[str, Any]) -> list[str]:
    method = data.get("method", "oat")
    rows = []
    for r in data["parameters"]:
        span = (
            f"{r['low']:.0f}..{r['high']:.0f}"
            if r.get("integer")
            else f"{r['low']:.3g}..{r['high']:.3g}"
        )
        if method == "oat":
            numbers = [
                f"{r['low_effect']:+,.1f}",
                f"{r['high_effect']:+,.1f}",
                f"{r['swing']:,.1f}",
            ]
        elif method == "morris":
            numbers = [f"{r['mu_star']:,.3g} ± {r['mu_star_conf']:,.2g}", f"{r['sigma']:,.3g}"]
        else:
            numbers = [f"{r['S1']:.2f} ± {r['S1_conf']:.2f}", f"{r['ST']:.2f} ± {r['ST_conf']:.2f}"]
        rows.append([r.get("label") or r["parameter"], span, *numbers])
    columns = {
        "oat": ["effect at low", "effect at high", "swing"],
        "morris": ["mu* (95% CI)", "sigma"],
        "sobol": ["first-order S1 (95% CI)", "total ST (95% CI)"],
    }[method]
    note = SOBOL_WORDS if method == "sobol" else ""
    return [
        f"<section><h2>Parameters, widest estimated swing first ({html.escape(data['metric'])})</h2>",
        table(["parameter", "varied over", *columns], rows),
        f'<p class="note">{html.escape(note)}</p>' if note else "",
        "</section>",
    ]


def _leverage_body(data: dict[str, Any]) -> list[str]:
    money = data.get("currency", "")
    rows = [
        [
            r["label"],
            r["per"],
            _interval({"mean": r["kept"], "low": r["kept_low"], "high": r["kept_high"]}),
            f"{r['value']:+,.0f}",
            f"{r['break_even_per_year']:,.0f}",
            r["linear_range"],
            "derivative" if r["method"] == "score" else "difference",
        ]
        for r in data["levers"]
    ]
    return [
        "<section><h2>Every lever, most customers kept first</h2>",
        table(
            [
                "touchpoint",
                "lever",
                "customers kept (joint 95% CI)",
                f"value ({money})",
                f"break-even a year ({money})",
                "holds",
                "method",
            ],
            rows,
        ),
        '<p class="note">Customers kept: active at the end of the planning period. Value: its '
        "discounted revenue. Break-even: the most one could pay a year for the lever and still "
        "gain value over the period. Derivatives (likelihood-ratio, from the baseline's own "
        "replications) are slopes at today's values; differences (common random numbers) are "
        "the mean slope over the step shown. Every interval of the table holds jointly.</p>",
        f'<p class="note">Lever lines for the scenario file are in leverage.json '
        f"(&quot;improvement&quot;); for example:</p><pre>"
        f"{html.escape(data['levers'][0]['improvement']) if data['levers'] else ''}</pre>",
        "</section>",
    ]


def _footer(kind: str, data: dict[str, Any], meta: dict[str, Any]) -> str:
    e = html.escape
    return (
        f"<footer>Reproduce: truthsim {e(str(meta.get('truthsim', '?')))}, scenario file "
        f"{e(str(meta.get('scenario_file', '?')))} (SHA-256 {e(str(meta.get('scenario_sha256', '')))}), "
        f"{e(kind)}, seed {data['seed']}, {data.get('horizon_days', 0):g} days.</footer>"
    )
