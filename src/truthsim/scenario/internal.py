"""Internal touchpoints: the people behind the front line, checked across the scenario.

An internal touchpoint serves staff, not customers (a back office, an IT help desk): journeys
never visit it and complaints never go to it; a front-line touchpoint reaches it through
``needs``, and only an internal one can be needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.scenario.errors import Problem

if TYPE_CHECKING:
    from truthsim.scenario.schema import Scenario


def internal_problems(scenario: Scenario) -> list[Problem]:
    """Needs name internal touchpoints; journeys and complaints keep away from them."""
    from truthsim.scenario.schema import unknown_touchpoints

    touchpoints = scenario.touchpoints
    problems: list[Problem] = []
    for name, tp in touchpoints.items():
        if tp.needs is None:
            continue
        place = ("touchpoints", name, "needs", "touchpoint")
        needed = tp.needs.touchpoint
        if needed not in touchpoints:
            problems += unknown_touchpoints([(place, needed)], list(touchpoints))
        elif not touchpoints[needed].internal:
            problems.append(
                Problem(
                    place,
                    f"'{needed}' serves customers; a touchpoint needed behind the front line "
                    f"must be internal: write internal: true under touchpoints.{needed}",
                )
            )
    for i, step in enumerate(scenario.journey):
        for target in step.targets():
            if target in touchpoints and touchpoints[target].internal:
                problems.append(
                    Problem(
                        ("journey", i),
                        f"'{target}' is internal (it serves staff): customers never visit it; "
                        "reach it through needs of a front-line touchpoint",
                    )
                )
    complaints = scenario.complaints
    if complaints is not None and getattr(
        touchpoints.get(complaints.touchpoint), "internal", False
    ):
        problems.append(
            Problem(
                ("complaints", "touchpoint"),
                f"'{complaints.touchpoint}' is internal; complaints need a customer-facing desk",
            )
        )
    return problems

