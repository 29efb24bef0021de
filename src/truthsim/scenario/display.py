"""A scenario at a glance: a one-line ``repr`` and a small notebook table, not a field dump."""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.display import html_table

if TYPE_CHECKING:
    from truthsim.scenario.schema import Scenario


def scenario_repr(s: Scenario) -> str:
    return (
        f"<Scenario {s.name!r}: {len(s.touchpoints)} touchpoints, {len(s.segments)} segments, "
        f"{len(s.improvements)} improvements, {s.horizon_days:g} days, "
        f"{s.arrivals.describe()}, memory {s.memory.model}>"
    )


def scenario_html(s: Scenario) -> str:
    rows = [
        [
            tp.title(name),
            "unlimited"
            if tp.servers is None
            else (str(tp.servers) if isinstance(tp.servers, int) else tp.servers.range_words()),
            f"{tp.service.expected():.1f} min",
            f"{tp.outcomes.misery:.0%} / {tp.outcomes.mediocrity:.0%} / {tp.outcomes.magic:.0%}",
        ]
        for name, tp in ((n, s.touchpoints[n]) for n in s.touchpoint_order())
    ]
    return html_table(
        f"{s.name}: {s.horizon_days:g} days, {s.arrivals.describe()}, "
        f"{len(s.improvements)} improvements",
        ["touchpoint", "servers", "mean service", "misery / mediocrity / magic"],
        rows,
    )
