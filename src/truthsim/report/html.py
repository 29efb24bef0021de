"""One self-contained HTML report: the answer first, the ranked table, the scenario, every figure.

Figures are embedded as SVG data (no network needed, crisp on screen and paper). The report reads
saved or fresh what-if results; it never simulates.
"""

from __future__ import annotations

import html
from typing import Any

from truthsim.report.gaps import outcome_gap_section
from truthsim.report.page import closing, figure_blocks, head, table
from truthsim.report.words import assumptions, touchpoint_rows
from truthsim.scenario import Scenario


def build_report(
    comparison: dict[str, Any], figures: dict[str, Any], scenario: Scenario, meta: dict[str, Any]
) -> str:
    """The report as one HTML string, from a what-if's ``to_dict()``, its figure data and scenario."""
    e = html.escape
    cur = comparison["currency"]
    ranking = comparison["ranking"]
    days = comparison["horizon_days"]
    title = f"{scenario.name}: which improvement keeps the most customers?"
    parts = [
        head(title),
        f"<header><h1>{e(title)}</h1>",
        f'<p class="lede">{e(scenario.description.strip() or "A what-if comparison of improvements.")} '
        f"Each improvement was simulated against the same customers (common random numbers), "
        f"{comparison['replications']} times over {days:g} days. {e(intervals_sentence(meta))}</p>"
        "</header>",
        '<section class="answer"><h2>The answer</h2>',
        *answer(ranking, comparison, cur, scenario),
        "</section>",
        "<section><h2>Ranked improvements</h2>",
        ranking_table(ranking, cur, scenario),
        '<p class="note">Extra customers: active customers at the end of the horizon compared with the '
        "baseline, mean and 95% interval over paired replications. Revenue counts journeys after the "
        f"warm-up; costs cover the {days:g} simulated days; net value = extra revenue − cost.</p>",
        "</section>",
        "<section><h2>The scenario in plain words</h2>",
        baseline_paragraph(comparison, cur),
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in assumptions(scenario)) + "</ul>",
        table(
            [
                "touchpoint",
                "staffing",
                "service time",
                "misery / mediocrity / magic",
                "return probability after misery / magic",
            ],
            touchpoint_rows(scenario),
        ),
        "</section>",
        *outcome_gap_section(comparison, figures, scenario),
        "<section><h2>Figures</h2>",
        *figure_blocks(figures),
        "</section>",
        footer(comparison, meta),
        closing(),
    ]
    return "\n".join(parts) + "\n"


def answer(
    ranking: list[dict[str, Any]], comparison: dict[str, Any], cur: str, scenario: Scenario
) -> list[str]:
    e = html.escape
    if not ranking:
        return ["<p>The scenario lists no improvements to compare.</p>"]
    best = ranking[0]
    what = (
        scenario.improvements[best["improvement"]].description
        if best["improvement"] in scenario.improvements
        else ""
    )
    name = what or best["improvement"].replace("_", " ")
    span = (
        "a year"
        if abs(comparison["horizon_days"] - 365) < 1
        else f"{comparison['horizon_days']:g} days"
    )
    per = (
        f", at {cur} {best['cost_per_retained']:,.0f} per customer kept"
        if best["cost_per_retained"]
        else ""
    )
    lines = []
    if best["significant"] and best["retained"] > 0:
        lines.append(
            f'<p class="headline">{e(name)} keeps ~{best["retained"]:,.0f} more customers over {span} '
            f"(95% interval {best['retained_low']:,.0f}..{best['retained_high']:,.0f}){e(per)}.</p>"
        )
    else:
        lines.append(
            f'<p class="headline">No improvement keeps measurably more customers with '
            f"{comparison['replications']} replications; the best estimate is {e(name)} "
            f"({best['retained']:+,.0f}, 95% interval {best['retained_low']:+,.0f}..{best['retained_high']:+,.0f}).</p>"
        )
    lines.append(
        f"<p>Net value within the horizon: {cur} {best['net_value']:+,.0f} "
        f"(95% interval {best['net_value_low']:+,.0f}..{best['net_value_high']:+,.0f}).</p>"
    )
    margin = comparison.get("leader_margin")
    if margin and len(ranking) > 1 and margin["low"] is not None:
        second = ranking[1]["improvement"]
        clear = margin["low"] > 0 or margin["high"] < 0
        lines.append(
            f"<p>Against the runner-up ({e(second)}) it keeps {margin['mean']:+,.0f} customers "
            f"(95% interval {margin['low']:+,.0f}..{margin['high']:+,.0f}): "
            + (
                "the order of the two is clear."
                if clear
                else "the two cannot yet be told apart; run more replications."
            )
            + "</p>"
        )
    return lines


def ranking_table(ranking: list[dict[str, Any]], cur: str, scenario: Scenario) -> str:
    rows = []
    for r in ranking:
        described = scenario.improvements.get(r["improvement"])
        label = r["improvement"] + (" *" if r["significant"] else "")
        rows.append(
            (
                "clear" if r["significant"] else "",
                [
                    str(r["rank"]),
                    label,
                    described.description if described else "",
                    f"{r['retained']:+,.0f} ({r['retained_low']:+,.0f}..{r['retained_high']:+,.0f})",
                    f"{100 * r['return_rate_change']:+.2f} pts",
                    f"{r['revenue_change']:+,.0f}",
                    f"{r['cost']:,.0f}",
                    f"{r['cost_per_retained']:,.0f}" if r["cost_per_retained"] else "–",
                    f"{r['net_value']:+,.0f}",
                ],
            )
        )
    headers = [
        "#",
        "improvement",
        "what it means",
        "extra customers (95% CI)",
        "return rate",
        f"revenue ({cur})",
        f"cost ({cur})",
        "cost per customer kept",
        f"net value ({cur})",
    ]
    body = "".join(
        f'<tr class="{cls}">'
        + "".join(
            f'<td class="text">{html.escape(c)}</td>'
            if i in (1, 2)
            else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        + "</tr>"
        for cls, cells in rows
    )
    head = "".join(
        f'<th class="text">{h}</th>' if i in (1, 2) else f"<th>{h}</th>"
        for i, h in enumerate(headers)
    )
    return (
        f'<table id="ranking"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        '<p class="note">* the interval of extra customers excludes zero.</p>'
    )


def baseline_paragraph(comparison: dict[str, Any], cur: str) -> str:
    b = comparison["baseline"]
    return (
        f"<p>In the baseline, {b['return_rate']['mean']:.1%} of journeys are followed by another, "
        f"{b['active_at_horizon']['mean']:,.0f} customers are still active at the horizon and revenue is "
        f"{cur} {b['revenue']['mean']:,.0f} (means over replications).</p>"
    )


def intervals_sentence(meta: dict[str, Any]) -> str:
    """What the report's intervals include: simulation noise, and drawn parameters if any."""
    drawn = meta.get("parameter_uncertainty")
    if drawn:
        return (
            "Intervals include simulation noise and the uncertainty of the calibrated parameters "
            f"({drawn})."
        )
    return "Intervals include simulation noise only; the scenario's numbers are taken as exact."


def footer(comparison: dict[str, Any], meta: dict[str, Any]) -> str:
    e = html.escape
    digest = meta.get("scenario_sha256", "")
    return (
        f"<footer>Reproduce: truthsim {e(str(meta.get('truthsim', '?')))}, scenario file "
        f"{e(str(meta.get('scenario_file', '?')))} (SHA-256 {e(digest)}), seed {comparison['seed']}, "
        f"{comparison['replications']} replications, {comparison['horizon_days']:g} days: "
        f"<code>truthsim report {e(str(meta.get('scenario_file', 'SCENARIO')))} -r {comparison['replications']} "
        f"--seed {comparison['seed']} --horizon-days {comparison['horizon_days']:g}</code></footer>"
    )
