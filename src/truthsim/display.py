"""Small HTML tables for notebooks: what ``_repr_html_`` shows for results and scenarios."""

from __future__ import annotations

import html
from collections.abc import Sequence


def html_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A titled table with the first column left-aligned and the rest right-aligned."""
    e = html.escape
    head = "".join(
        f'<th style="text-align:{"left" if i == 0 else "right"}">{e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{"left" if i == 0 else "right"}">{e(str(c))}</td>'
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<div><strong>{e(title)}</strong>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
