"""One page for several experiments: every answer first, then each report in full.

Made from reports already built (what-if, sweep, sensitivity, calibration), so each part says
exactly what its own report says.
"""

from __future__ import annotations

import html
import re

from truthsim.report.page import closing, head

_BODY = re.compile(r'<div id="render-warning">.*?</div>\n(?P<body>.*)<script>', re.DOTALL)
_TITLE = re.compile(r"<h1>(?P<title>.*?)</h1>", re.DOTALL)
_HEADLINE = re.compile(r'<p class="headline">(?P<headline>.*?)</p>', re.DOTALL)


def build_combined_report(title: str, reports: list[str]) -> str:
    """``reports`` (each a whole page) as one page: a list of their answers, then each report."""
    parts = [head(title), f"<header><h1>{html.escape(title)}</h1></header>"]
    answers, bodies = [], []
    for k, page in enumerate(reports, start=1):
        body = _BODY.search(page)
        if body is None:
            raise ValueError("not a truthsim report page")
        found_title = _TITLE.search(page)
        headline = _HEADLINE.search(page)
        name = found_title["title"] if found_title else f"Part {k}"
        answers.append(
            f'<li><a href="#part-{k}">{name}</a>: {headline["headline"] if headline else ""}</li>'
        )
        inner = body["body"].replace("<h1>", "<h2>").replace("</h1>", "</h2>")
        inner = re.sub(r'id="fig-', f'id="part-{k}-fig-', inner)
        bodies.append(f'<article id="part-{k}">{inner}</article>')
    parts += [
        '<section class="answer"><h2>The answers</h2><ol>',
        *answers,
        "</ol></section>",
        *bodies,
        closing(),
    ]
    return "\n".join(parts) + "\n"
