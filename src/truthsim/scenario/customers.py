"""Who the customers are: how many new ones arrive, and the segments they belong to."""

from __future__ import annotations

from pydantic import Field, field_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.limits import MAX_FACTOR, MAX_MONEY, MAX_PER_DAY, MIN_SCALE

MAX_WEIGHT = 1e12


class Arrivals(Strict):
    """New customers arrive as a Poisson process, optionally shaped by the hour of day."""

    per_day: float = Field(
        ge=MIN_SCALE,
        le=MAX_PER_DAY,
        description="new customers per day (a positive number, at most a million)",
    )
    market_size: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000_000,
        description="people the business can reach: new and referred customers come from them, "
        "so active customers never outnumber them (arrivals thin as the market fills); "
        "null: unlimited, allowed while word of mouth cannot feed on itself",
    )
    hourly_profile: list[float] | None = Field(
        default=None,
        description="24 non-negative weights, hour 0 to 23, for when in the day people arrive; "
        "null: evenly round the clock",
    )

    @field_validator("hourly_profile")
    @classmethod
    def _a_day_of_weights(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return None
        if len(value) != 24:
            raise ValueError(f"hourly_profile has {len(value)} weights; it needs 24 (hours 0-23)")
        if min(value) < 0 or max(value) <= 0:
            raise ValueError("hourly_profile weights must be >= 0 and not all 0")
        if max(value) > MAX_WEIGHT:
            raise ValueError(
                f"hourly_profile weights are relative; keep them at most {MAX_WEIGHT:g} "
                "(e.g. percentages, or arrivals per hour)"
            )
        return value


class Segment(Strict):
    """A group of customers alike in value, loyalty, rhythm and temper."""

    share: float = Field(gt=0, le=1, description="share of new customers in this segment")
    value_per_journey: float = Field(
        ge=0, le=MAX_MONEY, description="revenue from one completed journey"
    )
    baseline_return: float = Field(
        ge=0, le=1, description="chance a customer with no memorable moments comes back"
    )
    days_between_journeys: Distribution = Field(description="days from one journey to the next")
    patience: float = Field(
        default=1.0,
        ge=MIN_SCALE,
        le=MAX_FACTOR,
        description="multiplies touchpoint patience and wait tolerance (below 1: less patient)",
    )
    sensitivity: float = Field(
        default=1.0,
        ge=0,
        le=MAX_FACTOR,
        description="multiplies how strongly each moment moves the customer",
    )
