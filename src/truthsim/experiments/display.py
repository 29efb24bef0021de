"""Concise notebook displays (``__repr__`` and ``_repr_html_``) for what-if results.

Kept apart from the comparison logic: the classes inherit these and supply the numbers.
"""

from __future__ import annotations

from typing import Any

from truthsim.display import html_table


def _interval(e: Any, fmt: str = "{:+,.0f}") -> str:
    if e.n < 2 or e.low != e.low:
        return fmt.format(e.mean)
    return f"{fmt.format(e.mean)} ({fmt.format(e.low)}..{fmt.format(e.high)})"


class VariantDisplay:
    """One improvement against the baseline, in a line."""

    def __repr__(self) -> str:
        v: Any = self
        return (
            f"<VariantResult {v.name!r}: {_interval(v.retained)} customers kept "
            f"(95% CI), cost {v.cost:,.0f}, {len(v.runs)} replications>"
        )


class ComparisonDisplay:
    """A what-if in a line, or as its ranked table in a notebook."""

    def __repr__(self) -> str:
        c: Any = self
        ranked = c.ranking()
        best = f"; best: {ranked[0].name} {_interval(ranked[0].retained)}" if ranked else ""
        return (
            f"<Comparison {c.scenario_name!r}: {len(c.variants)} improvements, "
            f"{c.replications} replications, seed {c.seed}, {c.horizon_days:g} days{best}>"
        )

    def _repr_html_(self) -> str:
        c: Any = self
        rows = [
            [
                v.name,
                _interval(v.retained),
                f"{v.cost:,.0f}",
                f"{v.cost_per_retained:,.0f}" if v.cost_per_retained else "-",
            ]
            for v in c.ranking()
        ]
        return html_table(
            f"{c.scenario_name}: what if? {c.replications} replications, {c.horizon_days:g} days",
            ["improvement", "extra customers (95% CI)", f"cost {c.currency}", "cost per customer"],
            rows,
        )
