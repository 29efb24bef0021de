"""Objectives a what-if can rank and select by, and what improvements cost over the counted days.

Revenue and cost are counted over the same days, from the end of the warm-up to the end of the
run-off, and discounted alike to the end of the warm-up (see :mod:`truthsim.engine.value`):
one-off costs fall on the first counted day, running costs accrue evenly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from truthsim.experiments.replication import RunSummary
from truthsim.scenario.improvement import Cost
from truthsim.scenario.model import MINUTES_PER_DAY, Scenario
from truthsim.scenario.patch import apply_changes
from truthsim.scenario.staffing import added_server_hours

Objective = Literal["customers", "net_value", "revenue"]
OBJECTIVES: tuple[Objective, ...] = ("customers", "net_value", "revenue")

#: the per-replication metric behind each objective (net value subtracts the cost)
METRIC = {
    "customers": "active_at_horizon",
    "net_value": "discounted_revenue",
    "revenue": "discounted_revenue",
}
WORDS = {
    "customers": "customers kept",
    "net_value": "net value",
    "revenue": "revenue",
}
#: the default indifference zone, as a share of what the scenario's new customers bring
DELTA_SHARE = 0.001


def counted_days(scenario: Scenario) -> float:
    """Days over which revenue and cost are counted: after the warm-up, through the run-off."""
    return scenario.horizon_days - scenario.warmup_days + scenario.value.run_off_days


def discounted_cost(cost: Cost, scenario: Scenario, staffed_hours: float = 0.0) -> float:
    """One-off cost now, plus running costs accrued evenly over the counted days, discounted.

    ``staffed_hours``: server-hours the improvement adds over the counted days, paid at
    ``cost.per_staffed_hour`` as they accrue (evenly, at the scale of days).
    """
    years = counted_days(scenario) / 365.0
    rate = scenario.value.discount_rate
    annuity = years if rate == 0 else (1.0 - (1.0 + rate) ** -years) / math.log1p(rate)
    staffing = cost.per_staffed_hour * staffed_hours / years if years > 0 else 0.0
    return cost.one_off + (cost.per_year + staffing) * annuity


def improvement_cost(scenario: Scenario, name: str) -> float:
    """What improvement ``name`` costs over the counted days, discounted, staff hours included."""
    improvement = scenario.improvements[name]
    hours = 0.0
    if improvement.cost.per_staffed_hour:
        changed = apply_changes(scenario, improvement.changes)
        start = scenario.warmup
        end = start + counted_days(scenario) * MINUTES_PER_DAY
        hours = added_server_hours(scenario.touchpoints, changed.touchpoints, start, end)
    return discounted_cost(improvement.cost, scenario, hours)


def default_delta(scenario: Scenario, objective: Objective) -> float:
    """The smallest difference worth telling apart, from the scenario alone (never from results).

    0.1% of the new customers expected over the horizon (at least one customer); in money, what
    that many customers bring at the segments' value per journey and baseline return (journeys
    per customer = 1 / (1 - return probability)).
    """
    customers = max(1.0, DELTA_SHARE * scenario.arrivals.expected(scenario.horizon_days))
    if objective == "customers":
        return float(customers)
    worth = sum(
        s.share * s.value_per_journey / (1.0 - min(s.baseline_return, 0.99))
        for s in scenario.segments.values()
    )
    return float(customers * worth)


def objective_values(runs: Sequence[RunSummary], objective: Objective, cost: float) -> np.ndarray:
    """The objective in each replication of one variant (net value: revenue minus its cost)."""
    values = np.array([r.headline[METRIC[objective]] for r in runs], dtype=float)
    return values - cost if objective == "net_value" else values
