"""The limits every input obeys, so that no file, option or change can crash, hang or explode a run.

One rule for every number that enters the model: finite (the schema rejects NaN and infinities),
inside a stated range (each field's bounds below), and within sizes that keep one run sane.
A run larger than :data:`MAX_NEW_CUSTOMERS` is refused unless the user opts in (``--allow-large``,
``allow_large=True``): a mistyped arrival rate should get an error, not an hour of silence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.scenario.errors import Problem

if TYPE_CHECKING:
    from truthsim.scenario.schema import Scenario

#: bytes a scenario file may have (bundled scenarios are about 10 KB)
MAX_FILE_BYTES = 1 << 20
#: how deeply YAML mappings and lists may nest (a scenario needs about 6 levels)
MAX_DEPTH = 40
#: values a file may hold once YAML aliases (``*name``) are expanded
MAX_VALUES = 200_000

#: the largest time a distribution parameter may give, minutes or days (about 19 years in minutes)
MAX_TIME = 1e7
#: the smallest positive scale parameter (below it, arithmetic on times loses all precision)
MIN_SCALE = 1e-6
#: new customers a day, at most
MAX_PER_DAY = 1e6
#: days a run may cover (a century)
MAX_DAYS = 36_500.0
#: money amounts (values per journey, costs), at most
MAX_MONEY = 1e12
#: servers at one touchpoint
MAX_SERVERS = 100_000
#: multipliers (importance, sensitivity, patience)
MAX_FACTOR = 100.0
#: people one customer tells, on average
MAX_TELLS = 1_000.0
#: entries in one list or table of a scenario (steps, touchpoints, empirical values, ...)
MAX_ITEMS = 1_000
MAX_VALUES_LISTED = 100_000
#: characters in a name or a description
MAX_NAME = 200
MAX_TEXT = 20_000

#: expected new customers in one replication before a run counts as large
MAX_NEW_CUSTOMERS = 1_000_000
#: customers one replication may hold, as a multiple of the expected new customers (word of mouth)
GROWTH_ALLOWANCE = 20


def expected_new_customers(scenario: Scenario) -> float:
    """New customers one replication brings without word of mouth: rate times horizon."""
    return scenario.arrivals.expected(scenario.horizon_days)


def customer_cap(scenario: Scenario, allow_large: bool) -> int | None:
    """The most active customers a replication may hold before it stops with an error (None: no cap).

    Word of mouth can add customers beyond the arrival stream; the cap turns a runaway into a
    clear message rather than a run that never ends.
    """
    if allow_large:
        return None
    return int(GROWTH_ALLOWANCE * max(expected_new_customers(scenario), 1_000.0))


def run_size_problems(scenario: Scenario, allow_large: bool = False) -> list[Problem]:
    """A problem when one replication would be too large to run without an explicit opt-in."""
    if allow_large:
        return []
    expected = expected_new_customers(scenario)
    if expected <= MAX_NEW_CUSTOMERS:
        return []
    return [
        Problem(
            ("arrivals", "per_day" if scenario.arrivals.by_day is None else "by_day"),
            f"{scenario.arrivals.describe()} for {scenario.horizon_days:g} days "
            f"is about {expected:,.0f} customers per replication, more than {MAX_NEW_CUSTOMERS:,}; "
            "if that is intended, run with --allow-large (allow_large=True in Python), "
            "otherwise lower per_day or horizon_days",
        )
    ]
