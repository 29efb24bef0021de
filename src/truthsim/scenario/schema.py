"""The whole scenario: clock, customers, touchpoints, journey, memory, word of mouth, improvements."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.checks import market_problems, memory_problems
from truthsim.scenario.customer_base import CustomerBase
from truthsim.scenario.customers import Arrivals, Segment
from truthsim.scenario.errors import Place, Problem, ScenarioError, suggest
from truthsim.scenario.improvement import Improvement
from truthsim.scenario.internal import internal_problems
from truthsim.scenario.journey import Step
from truthsim.scenario.limits import MAX_DAYS, MAX_ITEMS, MAX_NAME, MAX_TEXT
from truthsim.scenario.memory import Complaints, Memory, WordOfMouth
from truthsim.scenario.touchpoint import OUTCOMES, SUM_TOLERANCE, Touchpoint
from truthsim.scenario.value import Value

MINUTES_PER_DAY = 1440.0
MINUTES_PER_YEAR = 365.0 * MINUTES_PER_DAY


class Scenario(Strict):
    """Everything a simulation needs. Build one with :func:`truthsim.load_scenario`."""

    name: str = Field(max_length=MAX_NAME, description="a short title")
    description: str = Field(
        default="", max_length=MAX_TEXT, description="what the scenario is about"
    )
    currency: str = Field(default="EUR", max_length=12, description="currency of values and costs")
    horizon_days: float = Field(
        default=365.0, gt=0, le=MAX_DAYS, description="days simulated (at most a century)"
    )
    warmup_days: float = Field(
        default=0.0, ge=0, le=MAX_DAYS, description="days at the start left out of the statistics"
    )
    seed: int = Field(default=0, ge=0, lt=2**63, description="root seed when none is given")
    arrivals: Arrivals
    segments: dict[str, Segment] = Field(min_length=1, max_length=MAX_ITEMS)
    touchpoints: dict[str, Touchpoint] = Field(min_length=1, max_length=MAX_ITEMS)
    journey: list[Step] = Field(
        min_length=1, max_length=MAX_ITEMS, description="the steps of one journey, in order"
    )
    memory: Memory = Field(default_factory=Memory)
    complaints: Complaints | None = Field(
        default=None, description="customers who complain after a misery; leave out to switch off"
    )
    word_of_mouth: WordOfMouth | None = Field(
        default=None, description="customers telling others; leave out to switch off"
    )
    improvements: dict[str, Improvement] = Field(default_factory=dict, max_length=MAX_ITEMS)
    value: Value = Field(
        default_factory=Value, description="what a kept customer is worth (discounting, run-off)"
    )
    customer_base: CustomerBase = Field(
        default_factory=CustomerBase,
        description="the customers on day 0: none (a new business), steady_state (an "
        "established one), or {data: FOLDER} (a firm's own customers)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = consistency_problems(self)
        if problems:
            raise ScenarioError(problems)
        return self

    @property
    def reference_return(self) -> float:
        """The 'average customer' return probability that shifts are quoted against."""
        if self.memory.reference_return is not None:
            return self.memory.reference_return
        return sum(s.share * s.mean_return for s in self.segments.values())

    @property
    def horizon(self) -> float:
        """Horizon in minutes (the simulation clock)."""
        return self.horizon_days * MINUTES_PER_DAY

    @property
    def warmup(self) -> float:
        """Warm-up in minutes."""
        return self.warmup_days * MINUTES_PER_DAY

    def __repr__(self) -> str:
        from truthsim.scenario.display import scenario_repr

        return scenario_repr(self)

    def __str__(self) -> str:  # print(scenario): the same one line, not every field
        return self.__repr__()

    def _repr_html_(self) -> str:
        from truthsim.scenario.display import scenario_html

        return scenario_html(self)

    def touchpoint_order(self) -> list[str]:
        """Touchpoints in journey order (each once), then any the journey never visits."""
        seen: dict[str, None] = {}
        for step in self.journey:
            for name in step.targets():
                seen.setdefault(name, None)
        for name in self.touchpoints:
            seen.setdefault(name, None)
        return list(seen)


def segment_name_problems(scenario: Scenario) -> list[Problem]:
    """Steps limited to segments, and outcome mixes by segment, name segments that exist."""
    known = list(scenario.segments)
    problems = []
    named = [
        (("journey", i, "segments"), step.segments or []) for i, step in enumerate(scenario.journey)
    ]
    named += [
        (("touchpoints", key, "outcomes_by_segment"), list(tp.outcomes_by_segment or {}))
        for key, tp in scenario.touchpoints.items()
    ]
    for place, names in named:
        for name in names:
            if name not in known:
                problems.append(
                    Problem(
                        place,
                        f"there is no segment '{name}'{suggest(name, known)} (segments: "
                        f"{', '.join(known)})",
                    )
                )
    return problems


def consistency_problems(scenario: Scenario) -> list[Problem]:
    """Checks that span sections: references, shares, horizons, shifts that stay probabilities."""
    problems = unknown_touchpoints(
        journey_targets([step.model_dump() for step in scenario.journey]),
        list(scenario.touchpoints),
    )
    problems += complaint_problems(scenario)
    problems += segment_name_problems(scenario)
    problems += internal_problems(scenario)

    shares = sum(s.share for s in scenario.segments.values())
    if abs(shares - 1.0) > SUM_TOLERANCE:
        listed = ", ".join(f"{k}: {s.share:g}" for k, s in scenario.segments.items())
        problems.append(
            Problem(
                ("segments",), f"segment shares sum to {shares:.10g} ({listed}); make them sum to 1"
            )
        )

    if scenario.warmup_days >= scenario.horizon_days:
        problems.append(
            Problem(
                ("warmup_days",),
                f"warm-up ({scenario.warmup_days:g} days) must be shorter than the horizon "
                f"({scenario.horizon_days:g} days)",
            )
        )

    ref = scenario.reference_return
    if not 0.0 < ref < 1.0:
        problems.append(
            Problem(
                ("memory", "reference_return"),
                f"the average customer's return probability is {ref:g}, so shifts cannot be "
                "quoted against it; set memory.reference_return between 0 and 1 (e.g. 0.5)",
            )
        )
        return problems
    for key, tp in scenario.touchpoints.items():
        shifts = [(("shifts", o), getattr(tp.shifts, o)) for o in OUTCOMES]
        if tp.failure.recovered_shift is not None:
            shifts.append((("failure", "recovered_shift"), tp.failure.recovered_shift))
        for place, change in shifts:
            if not 0.0 < ref + change < 1.0:
                problems.append(
                    Problem(
                        ("touchpoints", key, *place),
                        f"{change:+g} would move an average customer's return probability "
                        f"({ref:.3g}) to {ref + change:.3g}; it must stay strictly between 0 and 1",
                    )
                )
    if problems:
        return problems
    return memory_problems(scenario) + market_problems(scenario)


def complaint_problems(scenario: Scenario) -> list[Problem]:
    """Complaints go to a known touchpoint outside the journey; ``complain`` needs complaints."""
    complaints = scenario.complaints
    if complaints is None:
        return [
            Problem(
                ("touchpoints", name, "complain"),
                "set complaints: {touchpoint: NAME} to say where complaints are handled",
            )
            for name, tp in scenario.touchpoints.items()
            if tp.complain is not None
        ]
    desk = complaints.touchpoint
    known = list(scenario.touchpoints)
    if desk not in known:
        return unknown_touchpoints([(("complaints", "touchpoint"), desk)], known)
    if any(desk in step.targets() for step in scenario.journey):
        return [
            Problem(
                ("complaints", "touchpoint"),
                f"'{desk}' is a step of the journey; complaints need a touchpoint of their own",
            )
        ]
    return []


def journey_targets(steps: Any) -> list[tuple[Place, str]]:
    """Each touchpoint a journey names, with its place; tolerant of malformed plain data."""
    targets: list[tuple[Place, str]] = []
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, str):
            step = {"touchpoint": step}
        if not isinstance(step, dict):
            continue
        if isinstance(step.get("touchpoint"), str):
            targets.append((("journey", i, "touchpoint"), step["touchpoint"]))
        if isinstance(step.get("choice"), dict):
            targets += [(("journey", i, "choice", str(n)), str(n)) for n in step["choice"]]
    return targets


def unknown_touchpoints(targets: list[tuple[Place, str]], known: list[str]) -> list[Problem]:
    """A problem, with a suggestion, for every target that is not a known touchpoint."""
    listed = ", ".join(known)
    return [
        Problem(place, f"unknown touchpoint '{name}'{suggest(name, known)} (touchpoints: {listed})")
        for place, name in targets
        if name not in known
    ]
