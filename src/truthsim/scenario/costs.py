"""What an improvement costs as a budget holder reads it: once, and a year's running cost with
the staffed hours it adds, priced at their hourly cost. From the scenario alone."""

from __future__ import annotations

import math

from truthsim.scenario.patch import apply_changes
from truthsim.scenario.schema import MINUTES_PER_DAY, MINUTES_PER_YEAR, Scenario
from truthsim.scenario.staffing import added_server_hours


def planning_days(scenario: Scenario) -> int:
    """Whole days from the end of the warm-up to the horizon (the last may be part of one)."""
    return max(1, math.ceil(scenario.horizon_days - scenario.warmup_days - 1e-9))


def yearly_cost(scenario: Scenario, name: str) -> tuple[float, float]:
    """(one-off, a year's running cost) of improvement ``name``, staffed hours included (the
    hours it adds over the planning period, per year)."""
    improvement = scenario.improvements[name]
    cost = improvement.cost
    per_year = cost.per_year
    if cost.per_staffed_hour:
        changed = apply_changes(scenario, improvement.changes)
        start = scenario.warmup
        end = start + planning_days(scenario) * MINUTES_PER_DAY
        hours = added_server_hours(scenario.touchpoints, changed.touchpoints, start, end)
        per_year += cost.per_staffed_hour * hours / ((end - start) / MINUTES_PER_YEAR)
    return cost.one_off, per_year
