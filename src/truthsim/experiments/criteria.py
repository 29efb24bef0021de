"""What a what-if is judged on, whichever procedure runs it.

Every procedure (fixed replications, sequential selection, two-stage precision, a budget) ranks
the same objective, tells apart the same smallest difference, states everything at the same
joint confidence and counts money over the same planning period; only how many replications
each variant gets differs. So these options travel together, checked once.
"""

from __future__ import annotations

from dataclasses import dataclass

from truthsim.errors import ExperimentError
from truthsim.experiments.selection import MIN_FIRST_STAGE
from truthsim.experiments.valuation import OBJECTIVES, Objective
from truthsim.scenario.errors import ScenarioError, suggest
from truthsim.scenario.patch import apply_changes, with_horizon
from truthsim.scenario.schema import Scenario


@dataclass(frozen=True)
class Criteria:
    """The objective a what-if ranks and selects, how sure its answer must be, and the money
    terms it is counted on (over the scenario's own ``horizon_days`` and ``value`` section).

    The best for customers and for net value are always chosen too. ``delta`` is the smallest
    difference in the objective worth telling apart (default from the scenario, see
    :func:`~truthsim.experiments.valuation.default_delta`). ``confidence`` is the joint
    confidence of everything the answer states: the table's intervals of customers kept and of
    net value, and each selection. ``power`` is the power at which replications are advised.
    """

    objective: Objective = "customers"
    delta: float | None = None
    confidence: float = 0.95
    power: float = 0.8
    horizon_days: float | None = None
    discount_rate: float | None = None
    terminal_value: bool | None = None

    def __post_init__(self) -> None:
        objective = self.objective
        if objective not in OBJECTIVES:
            raise ExperimentError(
                f"unknown objective '{objective}'{suggest(objective, list(OBJECTIVES))}; "
                f"choose one of {', '.join(OBJECTIVES)}"
            )
        if not 0.5 <= self.confidence < 1:
            raise ExperimentError(
                f"confidence must be at least 0.5 and below 1, not {self.confidence:g}"
            )
        if not 0 < self.power < 1:
            raise ExperimentError(f"power must be between 0 and 1, not {self.power:g}")
        if self.delta is not None and not self.delta > 0:
            raise ExperimentError(f"delta must be positive, not {self.delta:g}")

    def applied(self, scenario: Scenario) -> Scenario:
        """The scenario with any horizon and value options applied (validated like a file)."""
        if self.horizon_days is not None:
            scenario = with_horizon(scenario, self.horizon_days)
        changes: dict[str, float | bool] = {}
        if self.discount_rate is not None:
            changes["value.discount_rate"] = float(self.discount_rate)
        if self.terminal_value is not None:
            changes["value.terminal_value"] = bool(self.terminal_value)
        if not changes:
            return scenario
        try:
            return apply_changes(scenario, {p: {"set": v} for p, v in changes.items()})
        except ScenarioError as error:
            raise ExperimentError("; ".join(p.message for p in error.problems)) from None


def check_stages(first_stage: int, max_replications: int, screen: int = 0) -> None:
    """A first stage large enough for its variances, room for it under the maximum, and a
    screen (if any) of at least 2 replications and no more than the first stage."""
    if screen and not 2 <= screen <= first_stage:
        raise ExperimentError(
            f"the screen needs 0 (none) or 2 to {first_stage} (the first stage) replications, "
            f"not {screen}"
        )
    if first_stage < MIN_FIRST_STAGE:
        raise ExperimentError(
            f"the first stage needs at least {MIN_FIRST_STAGE} replications, not {first_stage}"
        )
    if max_replications < first_stage:
        raise ExperimentError(
            f"max_replications ({max_replications}) must be at least the first stage ({first_stage})"
        )
