"""What a kept customer is worth: revenue and cost over one planning period, discounted alike."""

from __future__ import annotations

from pydantic import Field

from truthsim.scenario.base import Strict

#: Gupta, Lehmann & Stuart (2004), "Valuing Customers", Journal of Marketing Research 41(1),
#: value customers of five firms at a 12% annual discount rate.
DISCOUNT_RATE = 0.12


class Value(Strict):
    """How revenue and cost become net value: counted over the same days, the planning period
    (from the end of the warm-up to the horizon), with new customers arriving throughout, and
    discounted alike to its start. Customers kept are counted at its end. With
    ``terminal_value`` each customer still active then is worth the same as any other of their
    segment: the discounted revenue of an average customer of the segment as the scenario
    writes it (not as an improvement changes it), so no improvement's case rests on what its
    own service would do after the period."""

    discount_rate: float = Field(
        default=DISCOUNT_RATE,
        ge=0,
        lt=1,
        description="annual discount rate for revenue and cost (default 0.12, the rate Gupta, "
        "Lehmann & Stuart 2004 use to value customers)",
    )
    terminal_value: bool = Field(
        default=False,
        description="value each customer active at the end of the planning period alike: the "
        "discounted revenue an average customer of their segment brings after it",
    )
    run_off_days: float | None = Field(
        default=None,
        ge=0,
        description="no longer used: value is counted over the planning period (the horizon); "
        "for what customers are worth after it, set terminal_value",
    )
