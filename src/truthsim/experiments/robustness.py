"""Whether the best for net value holds across planning periods and discount rates.

The same replications are valued again over each whole year the run covers (1 to 5) and at a
few discount rates; costs follow the period (running costs for as long as it lasts). Each cell
names the variant with the highest mean net gain over those replications: a point estimate for
reading the assumptions' weight, not a second selection with its own guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from truthsim.experiments.replication import RunSummary
from truthsim.experiments.valuation import (
    DAYS_PER_YEAR,
    Valuation,
    objective_values,
    planning_days,
    valuation,
)
from truthsim.scenario.schema import Scenario

#: planning periods asked about, in years
YEARS = (1, 2, 3, 4, 5)
#: discount rates tried beside the scenario's own
RATES = (0.0, 0.05, 0.2)


@dataclass(frozen=True)
class Cell:
    """The variant with the highest mean net value over one planning period at one rate."""

    days: int
    rate: float
    best: str  #: "baseline" when no improvement gains on average
    gain: float  #: its mean net gain over the baseline (0 for the baseline)

    def to_dict(self) -> dict[str, object]:
        return {"days": self.days, "rate": self.rate, "best": self.best, "net_gain": self.gain}


def periods(scenario: Scenario) -> tuple[list[int], list[int]]:
    """(planning periods in days the run covers, asked-about years it does not cover)."""
    simulated = planning_days(scenario)
    covered = [round(y * DAYS_PER_YEAR) for y in YEARS if round(y * DAYS_PER_YEAR) <= simulated]
    missing = [y for y in YEARS if round(y * DAYS_PER_YEAR) > simulated]
    if simulated not in covered and simulated >= 1:
        covered.append(simulated)
    return sorted(covered), missing


def robustness(
    scenario: Scenario,
    names: Sequence[str],
    runs: Sequence[Sequence[RunSummary]],
    yearly: Sequence[tuple[float, float]],
    first: int,
    baseline: str = "baseline",
) -> list[Cell]:
    """Best by mean net value in every (period, rate) cell, on the replications all variants share.

    ``runs[0]`` is the baseline's; ``yearly`` each other variant's (one-off, a year's running
    cost); ``first``: baseline replications the terminal value is estimated from, as in the
    answer itself.
    """
    shared = min(len(r) for r in runs)
    rates = sorted({*RATES, scenario.value.discount_rate})
    cells = []
    for days in periods(scenario)[0]:
        for rate in rates:
            value = valuation(scenario, runs[0][:first], days, rate)
            cells.append(_cell(value, names, runs, yearly, shared, baseline))
    return cells


def _cell(
    value: Valuation,
    names: Sequence[str],
    runs: Sequence[Sequence[RunSummary]],
    yearly: Sequence[tuple[float, float]],
    shared: int,
    baseline: str,
) -> Cell:
    base = objective_values(runs[0][:shared], "revenue", 0.0, value)
    gains = [0.0]
    for group, (one_off, per_year) in zip(runs[1:], yearly, strict=True):
        cost = value.cost(one_off, per_year)
        net = objective_values(group[:shared], "net_value", cost, value)
        gains.append(float(np.mean(net - base)))
    best = int(np.argmax(gains))  # ties: the earlier, the baseline first
    return Cell(value.days, value.rate, baseline if best == 0 else names[best], gains[best])
