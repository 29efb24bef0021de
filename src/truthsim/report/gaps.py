"""The sentence that explains a report's most surprising number: a touchpoint whose moments end
in misery far more often than its base outcome mix says, because of waits, abandonment or failures.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from truthsim.scenario import Scenario

#: gaps smaller than this (in share of moments) are not worth a sentence
NOTABLE = 0.02


def biggest_gap(
    touchpoints: Sequence[Mapping[str, Any]], scenario: Scenario
) -> tuple[Mapping[str, Any], float, float] | None:
    """The touchpoint row whose simulated misery share most exceeds its base share, or None."""
    found = []
    for row in touchpoints:
        name = row.get("touchpoint")
        if name not in scenario.touchpoints or row.get("misery") is None:
            continue
        base = scenario.touchpoints[name].outcomes.misery
        found.append((float(row["misery"]) - base, base, row))
    if not found:
        return None
    gap, base, row = max(found, key=lambda x: x[0])
    return (row, base, float(row["misery"])) if gap >= NOTABLE else None


def outcome_gap_sentence(
    touchpoints: Sequence[Mapping[str, Any]], scenario: Scenario, replications: int
) -> str | None:
    """One sentence: where the simulated mix departs most from the inputs, and what drove it."""
    found = biggest_gap(touchpoints, scenario)
    if found is None:
        return None
    row, base, simulated = found
    tp = scenario.touchpoints[row["touchpoint"]]
    causes = []
    wait = row.get("mean_wait")
    if wait:
        causes.append(
            f"customers waited {wait:.1f} minutes on average (90% within "
            f"{row.get('p90_wait') or 0:.1f}) against a tolerance of {tp.wait.tolerance:g} minutes"
        )
    if row.get("abandonment"):
        causes.append(
            f"{row['abandonment']:.0%} of visits ended by abandoning the queue, each a misery"
        )
    if row.get("failures") and row.get("visits"):
        causes.append(f"{row['failures'] / row['visits']:.0%} of visits had a failure")
    why = "; ".join(causes) if causes else "no waits, abandonment or failures stand out"
    averaged = f" (means over {replications} replications)" if replications > 1 else ""
    return (
        f"{row.get('label') or row['touchpoint']} has {base:.0%} misery in its inputs, the chance for "
        f"a customer served at once, yet {simulated:.0%} of its moments ended in misery{averaged}: "
        f"{why}."
    )


def outcome_gap_section(
    comparison: Mapping[str, Any], figures: Mapping[str, Any], scenario: Scenario
) -> list[str]:
    """The what-if report's section explaining the biggest input-to-outcome gap (or nothing)."""
    sentence = outcome_gap_sentence(
        figures.get("touchpoints", []), scenario, int(comparison.get("replications", 1))
    )
    if sentence is None:
        return []
    return [
        '<section id="gap"><h2>Why the moments differ from the inputs</h2>',
        f"<p>{html.escape(sentence)}</p></section>",
    ]
