"""How customers remember moments, forget between journeys, and talk to others."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from truthsim.scenario.base import Strict
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.limits import MAX_DAYS, MAX_ITEMS, MAX_TELLS, MIN_SCALE

MemoryModel = Literal["additive", "peak_end", "weakest_link", "recency"]


class Memory(Strict):
    """How a journey's moments combine into one remembered shift of the return propensity."""

    model: MemoryModel = Field(
        default="additive",
        description="additive (sum), peak_end (mean of the most intense and the last moment), "
        "weakest_link (the worst moment), recency (later moments weigh more)",
    )
    recency_decay: float = Field(
        default=0.7, gt=0, le=1, description="recency: weight of each moment relative to the next"
    )
    forgetting_half_life_days: float | None = Field(
        default=365.0,
        ge=MIN_SCALE,
        le=MAX_DAYS,
        description="days for half of the accumulated experience to fade between journeys "
        "(default a year); null: never fades",
    )
    ceiling: float | None = Field(
        default=0.9,
        gt=0,
        lt=1,
        description="the highest return probability accumulated good experience can lift an "
        "average customer to: memory saturates there, so no customer becomes certain to return; "
        "null: no bound (customers can become all but immortal)",
    )
    reference_return: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="return probability of the 'average customer' that shifts are quoted for; "
        "null: the share-weighted segment baseline",
    )


class WordOfMouth(Strict):
    """Customers talk: miserable journeys deter prospects, magical ones bring referrals.

    Defaults follow the TARP figures (an unhappy customer tells about 10 people).
    """

    misery_tells: float = Field(
        default=10.0,
        ge=0,
        le=MAX_TELLS,
        description="people told, on average, after a miserable journey (TARP: about 9-10)",
    )
    resolved_tells: float = Field(
        default=5.0,
        ge=0,
        le=MAX_TELLS,
        description="people told after a miserable journey whose complaint was handled without "
        "misery (TARP: about 5)",
    )
    deterred_share: float = Field(
        default=0.05, ge=0, le=1, description="share of those told who would have come, and won't"
    )
    magic_tells: float = Field(
        default=5.0,
        ge=0,
        le=MAX_TELLS,
        description="people told, on average, after a magical journey",
    )
    referred_share: float = Field(
        default=0.05, ge=0, le=1, description="share of those told who become customers"
    )
    magic_moments: int = Field(
        default=2,
        ge=1,
        le=MAX_ITEMS,
        description="magic moments (and no misery) that make a journey magical",
    )
    referral_delay_days: Distribution = Field(
        default_factory=lambda: Distribution(kind="exponential", mean=14.0),
        description="days from the telling to the referred customer's first journey",
    )


class Complaints(Strict):
    """After a misery some customers complain, at a touchpoint of its own: the judgment day.

    Most unhappy customers never complain (TARP, reported by Goodman: about 1 in 25, so the
    default share is 0.04). The complaint is a moment of its own at ``touchpoint`` (its staff,
    queue, patience, outcomes and shifts): handled well it can offset the misery in memory,
    handled badly it deepens it.
    """

    touchpoint: str = Field(
        max_length=200, description="the touchpoint that handles complaints (not in the journey)"
    )
    share: float = Field(
        default=0.04,
        ge=0,
        le=1,
        description="chance that a misery leads to a complaint (a touchpoint's own `complain` "
        "overrides it); TARP: about 1 in 25 unhappy customers complain",
    )
    delay: Distribution | None = Field(
        default=None, description="minutes from the end of the journey to the complaint"
    )
