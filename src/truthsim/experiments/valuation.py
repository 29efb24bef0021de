"""Objectives a what-if can rank and select by, and money over one planning period.

One definition everywhere: revenue, cost and customers kept are counted over the same days, the
planning period, which starts at the end of the warm-up, with new customers arriving throughout.
Revenue is discounted to the period's start from the middle of the day it is earned; a one-off
cost falls on the first day, running costs (a year's amount, staffed hours) accrue evenly and
are discounted alike. Customers kept are those active at the period's end. With a terminal value,
each of them is worth the same as any other customer of their segment (see :class:`Valuation`),
so no improvement's case rests on what its own service would do after the period.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from truthsim.engine.money import discount
from truthsim.experiments.replication import RunSummary
from truthsim.scenario.costs import planning_days, yearly_cost
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

Objective = Literal["customers", "net_value", "revenue"]
OBJECTIVES: tuple[Objective, ...] = ("customers", "net_value", "revenue")

WORDS = {
    "customers": "customers kept",
    "net_value": "net value",
    "revenue": "revenue",
}
#: the default indifference zone, as a share of what the scenario's new customers bring
DELTA_SHARE = 0.001
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Valuation:
    """How one replication's planning days become money: the period, the rate, the terminal value.

    ``terminal``: per segment, what a customer still active at the period's end is worth then
    (None: nothing). The same for every variant, so it counts customers kept, not how an
    improvement would go on serving them.
    """

    days: int  #: whole days (the last may be part of one)
    rate: float
    terminal: tuple[float, ...] | None = None
    length: float | None = None  #: the period's exact length in days, if not whole days

    @property
    def years(self) -> float:
        return (self.length or self.days) / DAYS_PER_YEAR

    @functools.cached_property
    def _daily(self) -> np.ndarray:
        """Each day's discount factor, from its middle (computed once: a selection revalues
        every run at each of its steps)."""
        return discount((np.arange(self.days) + 0.5) * MINUTES_PER_DAY, self.rate)

    @functools.cached_property
    def end_discount(self) -> float:
        """The discount factor at the period's end (where a terminal value is counted)."""
        return float(discount(self.years * DAYS_PER_YEAR * MINUTES_PER_DAY, self.rate))

    def within(self, run: RunSummary) -> float:
        """Revenue earned within the period, discounted."""
        revenue = run.period.revenue[: self.days]
        return float(np.dot(revenue, self._daily[: len(revenue)]))

    def after(self, run: RunSummary) -> float:
        """The terminal value of the customers active at the period's end, discounted."""
        if self.terminal is None:
            return 0.0
        active = run.period.active[self.days - 1]
        return float(np.dot(active, self.terminal)) * self.end_discount

    def cost(self, one_off: float, per_year: float) -> float:
        """A one-off cost on the first day and a year's running cost paid evenly over the
        period, discounted."""
        return one_off + per_year * annuity(self.years, self.rate)

    def revenue(self, run: RunSummary) -> float:
        """Discounted revenue of the period, the terminal value included."""
        return self.within(run) + self.after(run)

    def kept(self, run: RunSummary) -> float:
        """Customers active at the period's end."""
        return float(run.period.active[self.days - 1].sum())

    def to_dict(self) -> dict[str, object]:
        return {
            "planning_days": self.days,
            "discount_rate": self.rate,
            "terminal_value_per_customer": None if self.terminal is None else list(self.terminal),
        }


def valuation(
    scenario: Scenario,
    baseline_runs: Sequence[RunSummary],
    days: int | None = None,
    rate: float | None = None,
) -> Valuation:
    """The scenario's valuation over ``days`` at ``rate`` (default: its whole period and rate).

    With ``value.terminal_value``, a customer of segment s active at the period's end is worth
    ``v d / (1 - p d)``: the value of a journey ``v``, the discount ``d`` over the segment's mean
    days between journeys, and the share ``p`` of the baseline's journeys followed by another
    (from ``baseline_runs``; the scenario's own outcome mix, whatever an improvement does).
    """
    length = scenario.horizon_days - scenario.warmup_days if days is None else float(days)
    days = planning_days(scenario) if days is None else days
    rate = scenario.value.discount_rate if rate is None else rate
    if not scenario.value.terminal_value:
        return Valuation(days, rate, None, length)
    journeys = np.zeros(len(scenario.segments))  # without runs: the segments' baselines
    returns = np.zeros(len(scenario.segments))
    for run in baseline_runs:
        journeys = journeys + run.period.journeys
        returns = returns + run.period.returns
    worth = []
    for s, segment in enumerate(scenario.segments.values()):
        share = returns[s] / journeys[s] if journeys[s] else segment.mean_return
        step = float(discount(segment.days_between_journeys.expected() * MINUTES_PER_DAY, rate))
        worth.append(segment.value_per_journey * step / (1.0 - min(share, 0.999) * step))
    return Valuation(days, rate, tuple(worth), length)


def annuity(years: float, rate: float) -> float:
    """Discounted years of a running cost paid evenly over ``years``: (1 - (1+r)^-T) / ln(1+r)."""
    return years if rate == 0 else (1.0 - (1.0 + rate) ** -years) / math.log1p(rate)


def set_cost(scenario: Scenario, names: Sequence[str]) -> tuple[float, float]:
    """(one-off, a year's running cost) of a set of improvements, added up."""
    costs = [yearly_cost(scenario, n) for n in names]
    return sum(c[0] for c in costs), sum(c[1] for c in costs)


def improvement_cost(scenario: Scenario, name: str, value: Valuation | None = None) -> float:
    """What improvement ``name`` costs over the planning period, discounted."""
    return (value or valuation(scenario, [])).cost(*yearly_cost(scenario, name))


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
        s.share * s.value_per_journey / (1.0 - min(s.mean_return, 0.99))
        for s in scenario.segments.values()
    )
    return float(customers * worth)


def objective_values(
    runs: Sequence[RunSummary], objective: Objective, cost: float, value: Valuation
) -> np.ndarray:
    """The objective in each replication of one variant (net value: revenue minus its cost)."""
    if objective == "customers":
        return np.array([value.kept(r) for r in runs], dtype=float)
    revenue = np.array([value.revenue(r) for r in runs], dtype=float)
    return revenue - cost if objective == "net_value" else revenue
