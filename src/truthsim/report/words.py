"""A scenario told in plain words, for readers who will never open the YAML."""

from __future__ import annotations

from truthsim.scenario import Scenario, Step
from truthsim.scenario.staffing import Schedule

MEMORY = {
    "additive": "every moment counts in full, and they add up",
    "peak_end": "customers remember a journey by its most intense moment and its last one",
    "weakest_link": "customers remember a journey by its worst moment",
    "recency": "later moments weigh more than earlier ones",
}


def step_words(step: Step, scenario: Scenario) -> str:
    def title(name: str) -> str:
        return scenario.touchpoints[name].title(name)

    if step.choice is not None:
        return " or ".join(f"{title(n)} ({p:.0%})" for n, p in step.choice.items())
    text = title(step.touchpoint or "")
    return f"{text} ({step.probability:.0%} of journeys)" if step.probability < 1 else text


def assumptions(scenario: Scenario) -> list[str]:
    """Sentences that state what the model assumes."""
    s = scenario
    segments = "; ".join(
        f"{name.replace('_', ' ')}: {seg.share:.0%} of new customers, {s.currency} {seg.value_per_journey:,.0f} "
        f"a journey, {seg.mean_return:.0%} come back when nothing memorable happens, about "
        f"{seg.days_between_journeys.expected():.0f} days between journeys"
        for name, seg in s.segments.items()
    )
    forgetting = (
        f"half of a customer's good or bad history fades in {s.memory.forgetting_half_life_days:g} days"
        if s.memory.forgetting_half_life_days
        else "customers never forget"
    )
    lines = [
        f"{s.arrivals.describe().capitalize()}; the simulation covers {s.horizon_days:g} days "
        f"and leaves the first {s.warmup_days:g} out of the statistics.",
        f"Segments: {segments}.",
        "A journey: " + " → ".join(step_words(step, s) for step in s.journey) + ".",
        f"Memory: {MEMORY[s.memory.model]}; {forgetting}.",
    ]
    if s.word_of_mouth:
        w = s.word_of_mouth
        lines.append(
            f"Word of mouth: after a miserable journey a customer tells about {w.misery_tells:g} people and "
            f"{w.deterred_share:.0%} of them stay away; after a magical one, {w.magic_tells:g} people and "
            f"{w.referred_share:.0%} of them come."
        )
    else:
        lines.append("Word of mouth is not modelled.")
    return lines


def touchpoint_rows(scenario: Scenario) -> list[list[str]]:
    rows = []
    for name in scenario.touchpoint_order():
        tp = scenario.touchpoints[name]
        if tp.servers is None:
            staff = "self-service"
        elif isinstance(tp.servers, Schedule):
            staff = f"by hour of day: {tp.servers.describe()}"
        else:
            staff = f"{tp.servers} serving at once"
        patience = (
            f", leave after ~{tp.patience.expected():.0f} min in the queue" if tp.patience else ""
        )
        rows.append(
            [
                tp.title(name),
                staff,
                f"~{tp.service.expected():.1f} min{patience}",
                f"{tp.outcomes.misery:.0%} / {tp.outcomes.mediocrity:.0%} / {tp.outcomes.magic:.0%}",
                "internal: through the moments it backs"
                if tp.internal
                else f"{tp.shifts.misery:+.0%} / {tp.shifts.magic:+.0%}",
            ]
        )
    return rows
