"""The page every report shares: style, head, figure embedding, footer frame and the render check.

Figures are embedded as SVG data (no network needed, crisp on screen and paper).
"""

from __future__ import annotations

import base64
import html
from typing import Any

CAPTIONS = {
    "ranking": "Extra customers at the horizon for each improvement, with intervals that hold "
    "jointly at 95% (black: the interval excludes zero). The cost of each customer kept is "
    "written beside it.",
    "retention_difference": "Extra active customers against the baseline, day by day, for the "
    "best improvements, with paired 95% bands (the same customers in both runs).",
    "retention": "Active customers day by day: the baseline (black) and the best improvements, "
    "with 95% bands across replications.",
    "moment_map": "How each moment ends in the baseline (misery, mediocrity, magic), in journey order, "
    "with the mean wait in the queue.",
    "churn_causes": "Customers lost because of a touchpoint's moments (they would have come back "
    "without them; shared where several each decided it), and in grey those lost without a "
    "moment to blame; "
    "the line is the cumulative share.",
}

STYLE = """
:root { --ink: #1a1a1a; --muted: #5b5b5b; --rule: #dddddd; --misery: #D55E00; --magic: #0072B2; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .6rem;
     border-bottom: 1px solid var(--rule); padding-bottom: .2rem; }
.lede { color: var(--muted); margin-top: 0; }
.answer { background: #f3f7fb; border-left: 4px solid var(--magic); padding: .8rem 1rem; margin: 1rem 0; }
.answer p { margin: .3rem 0; } .headline { font-size: 1.2rem; font-weight: 600; }
.answer .details { color: var(--muted); font-size: .85rem; margin-top: .7rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
th { font-weight: 600; background: #fafafa; }
tr.clear td:nth-child(2) { font-weight: 600; }
.note { color: var(--muted); font-size: .85rem; }
#ranking { font-size: .8rem; } #ranking td, #ranking th { padding: .3rem .35rem; }
#ranking td:nth-child(3) { min-width: 8rem; } #ranking td.text { overflow-wrap: anywhere; }
#ranking th { white-space: normal; } .range { color: var(--muted); font-size: .85em; white-space: normal; }
figure { margin: 1.2rem 0; break-inside: avoid; page-break-inside: avoid; overflow-x: auto; }
figure img { width: 100%; min-width: 44rem; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--rule); padding-top: .6rem; }
#render-warning { display: none; background: #fde8dd; border: 1px solid var(--misery); padding: .5rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print { body { max-width: none; padding: 0; font-size: 10pt; } h2 { break-after: avoid; }
               figure img { min-width: 0; max-height: 16cm; object-fit: contain; }
               .answer { background: none; } section { break-before: auto; }
               h2 { break-before: page; } header + section h2, .answer h2 { break-before: avoid; } }
"""

CHECK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-figures", ok + "/" + images.length);
  if (ok < images.length) { document.getElementById("render-warning").style.display = "block"; }
});
"""


def head(title: str) -> str:
    """Doctype, head with the style, and the opening of the body."""
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            '<div id="render-warning">Some figures did not render in this browser.</div>',
        ]
    )


def closing() -> str:
    """The script that checks every figure rendered, and the end of the page."""
    return f"<script>{CHECK}</script>\n</body></html>"


def table(headers: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f'<th class="text">{e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{e(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_blocks(
    figures: dict[str, Any],
    order: tuple[str, ...] = (
        "ranking",
        "retention_difference",
        "retention",
        "moment_map",
        "churn_causes",
    ),
    captions: dict[str, str] | None = None,
) -> list[str]:
    """Each figure of ``order`` that the data supports, embedded as SVG with its caption."""
    from truthsim.plots import draw, figure_bytes  # matplotlib loads only for a report

    captions = {**CAPTIONS, **(captions or {})}
    blocks = []
    drawn = draw(figures)
    for name in order:
        if name not in drawn:
            continue
        svg = base64.b64encode(figure_bytes(drawn[name], "svg")).decode("ascii")
        caption = html.escape(captions.get(name, ""))
        blocks.append(
            f'<figure id="fig-{name}"><img alt="{caption}" src="data:image/svg+xml;base64,{svg}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    import matplotlib.pyplot as plt

    for figure in drawn.values():
        plt.close(figure)
    return blocks
