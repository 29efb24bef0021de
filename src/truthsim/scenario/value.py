"""What a kept customer is worth: the discount rate and the run-off after the horizon."""

from __future__ import annotations

from pydantic import Field

from truthsim.scenario.base import Strict

#: Gupta, Lehmann & Stuart (2004), "Valuing Customers", Journal of Marketing Research 41(1),
#: value customers of five firms at a 12% annual discount rate.
DISCOUNT_RATE = 0.12
#: Three years after the horizon: at the bundled scenarios' return rates almost every customer
#: active at the horizon has left by then, and at 12% a year a euro three years out counts 0.71.
RUN_OFF_DAYS = 1095.0


class Value(Strict):
    """How revenue and cost become net value: discounted alike, over the same days.

    The counted days run from the end of the warm-up to the end of the run-off. Customers active
    at the horizon keep their journeys through the run-off (no new customers, no referrals), so
    a customer kept is worth the discounted revenue they go on to bring; running costs continue
    as long.
    """

    discount_rate: float = Field(
        default=DISCOUNT_RATE,
        ge=0,
        lt=1,
        description="annual discount rate for revenue and cost (default 0.12, the rate Gupta, "
        "Lehmann & Stuart 2004 use to value customers)",
    )
    run_off_days: float = Field(
        default=RUN_OFF_DAYS,
        ge=0,
        description="days after the horizon in which customers active at the horizon keep "
        "coming back (no new customers) and running costs continue (default 1095: three years)",
    )
