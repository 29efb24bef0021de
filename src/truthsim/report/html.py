"""One self-contained HTML report: the answer first, the ranked table, the scenario, every figure.

Figures are embedded as SVG data (no network needed, crisp on screen and paper). The report reads
saved or fresh what-if results; it never simulates.
"""

from __future__ import annotations

import html
from typing import Any

from truthsim.report.answer import (
    WORDS,
    columns,
    counted,
    joint,
    meeting_answer,
)
from truthsim.report.gaps import outcome_gap_section
from truthsim.report.page import closing, figure_blocks, head, table
from truthsim.report.procedure import procedure_words, reproduce
from truthsim.report.words import assumptions, touchpoint_rows
from truthsim.scenario import Scenario

QUESTIONS = {
    "customers": "which improvement keeps the most customers?",
    "net_value": "which improvement is worth the most?",
    "revenue": "which improvement brings the most revenue?",
}


def build_report(
    comparison: dict[str, Any], figures: dict[str, Any], scenario: Scenario, meta: dict[str, Any]
) -> str:
    """The report as one HTML string, from a what-if's ``to_dict()``, its figure data and scenario."""
    e = html.escape
    cur = comparison["currency"]
    days = comparison["horizon_days"]
    title = f"{scenario.name}: {QUESTIONS[comparison['objective']]}"
    parts = [
        head(title),
        f"<header><h1>{e(title)}</h1>",
        f'<p class="lede">{e(scenario.description.strip() or "A what-if comparison of improvements.")} '
        f"Each improvement was simulated against the same customers (common random numbers) over "
        f"{days:g} days: {e(procedure_words(comparison))}. {e(intervals_sentence(meta))}</p>"
        "</header>",
        '<section class="answer"><h2>The answer</h2>',
        *answer(comparison),
        "</section>",
        "<section><h2>Ranked improvements</h2>",
        ranking_table(comparison, cur, scenario),
        f'<p class="note">{e(table_note(comparison))}</p>',
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


def answer(comparison: dict[str, Any]) -> list[str]:
    """The answer box: the brief a manager reads (its first sentence the headline), then the
    details it rests on, in the same words as the command line."""
    said = meeting_answer(comparison)
    first, *rest = [html.escape(line) for line in said["brief"]]
    details = " ".join(html.escape(line) for line in said["details"])
    return [
        f'<p class="headline">{first}</p>',
        *(f"<p>{line}</p>" for line in rest),
        f'<p class="details">Details: {details}</p>',
    ]


def table_note(comparison: dict[str, Any]) -> str:
    """What the ranked table's columns count, in words."""
    return " ".join([columns(comparison), counted(comparison), joint(comparison) or ""])


def ranking_table(comparison: dict[str, Any], cur: str, scenario: Scenario) -> str:
    ranking = comparison["ranking"]
    confidence = f"{comparison['confidence']:.0%}"
    rows = []
    for r in ranking:
        described = scenario.improvements.get(r["improvement"])
        label = r["improvement"] + (" *" if r["significant"] else "")
        per = (
            _two_lines(
                f"{r['cost_per_retained']:,.0f}",
                f"({r['cost_per_retained_low']:,.0f}..{r['cost_per_retained_high']:,.0f})",
            )
            if r["cost_per_retained_low"] is not None
            else "not measurable"
        )
        rows.append(
            (
                "clear" if r["significant"] else "",
                [
                    str(r["rank"]),
                    label,
                    described.description if described else "",
                    str(r["replications"]),
                    _span(r, "retained"),
                    f"{100 * r['return_rate_change']:+.2f} pts",
                    f"{r['value_change']:+,.0f}",
                    f"{r['cost']:,.0f}",
                    per,
                    _span(r, "net_value"),
                ],
            )
        )
    headers = [
        "#",
        "improvement",
        "what it means",
        "replications",
        f"extra customers ({confidence} CI)",
        "return rate",
        f"revenue ({cur})",
        f"cost ({cur})",
        "cost per customer kept",
        f"net value ({cur}, {confidence} CI)",
    ]
    body = "".join(
        f'<tr class="{cls}">'
        + "".join(
            f'<td class="text">{html.escape(c)}</td>'
            if i in (1, 2)
            else f"<td>{c if isinstance(c, Markup) else html.escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        + "</tr>"
        for cls, cells in rows
    )
    cells = "".join(
        f'<th class="text">{html.escape(h)}</th>' if i in (1, 2) else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    words = WORDS[comparison["objective"]]
    return (
        f'<table id="ranking"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'
        f'<p class="note">* the interval of {html.escape(words)} excludes zero.</p>'
    )


class Markup(str):
    """Cell text that is already HTML (escaped parts joined by tags)."""


def _two_lines(mean: str, interval: str) -> Markup:
    """A figure over its interval: the interval on a line of its own, so a column of them
    stays narrow enough for the page."""
    return Markup(f'{html.escape(mean)}<br><span class="range">{html.escape(interval)}</span>')


def _span(row: dict[str, Any], key: str) -> str:
    low, high = row[f"{key}_low"], row[f"{key}_high"]
    if low is None or high is None:
        return f"{row[key]:+,.0f}"
    return _two_lines(f"{row[key]:+,.0f}", f"({low:+,.0f}..{high:+,.0f})")


def baseline_paragraph(comparison: dict[str, Any], cur: str) -> str:
    b = comparison["baseline"]
    return (
        f"<p>In the baseline, {b['return_rate']['mean']:.1%} of journeys are followed by another, "
        f"{b['active_at_horizon']['mean']:,.0f} customers are still active at the horizon and revenue is "
        f"{cur} {b['revenue']['mean']:,.0f}{_discounted(comparison, cur)} (means over "
        "replications).</p>"
    )


def _discounted(comparison: dict[str, Any], cur: str) -> str:
    revenue = (comparison.get("value") or {}).get("baseline_revenue")
    if revenue is None:
        return ""
    return f", {cur} {revenue:,.0f} discounted as the table counts it"


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
        f"{e(procedure_words(comparison))}, {comparison['horizon_days']:g} days: "
        f"<code>truthsim report {e(str(meta.get('scenario_file', 'SCENARIO')))} "
        f"{e(reproduce(comparison))}</code></footer>"
    )
