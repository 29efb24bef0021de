"""Who the customers are: how many new ones arrive, and the segments they belong to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.limits import MAX_DAYS, MAX_FACTOR, MAX_MONEY, MAX_PER_DAY, MIN_SCALE

if TYPE_CHECKING:
    import numpy as np

MAX_WEIGHT = 1e12


class Arrivals(Strict):
    """New customers arrive as a Poisson process, optionally shaped by the hour of day, at a
    constant rate (between ``from_day`` and ``until_day`` if given) or at each day's own rate
    (``by_day``: a cohort won in a campaign, arrivals as recorded day by day)."""

    per_day: float | None = Field(
        default=None,
        ge=MIN_SCALE,
        le=MAX_PER_DAY,
        description="new customers per day (a positive number, at most a million)",
    )
    from_day: int | None = Field(
        default=None, ge=0, le=int(MAX_DAYS), description="the day new customers start to arrive"
    )
    until_day: int | None = Field(
        default=None,
        ge=0,
        le=int(MAX_DAYS),
        description="the day new customers stop arriving (none arrive on it or after)",
    )
    by_day: list[Annotated[float, Field(ge=0, le=MAX_PER_DAY)]] | None = Field(
        default=None,
        max_length=int(MAX_DAYS),
        description="expected new customers on each day, from day 0 (none after the last); "
        "instead of per_day",
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

    @model_validator(mode="after")
    def _one_rate(self) -> Arrivals:
        if (self.per_day is None) == (self.by_day is None):
            raise ValueError(
                "give new customers as per_day (a rate) or as by_day (each day's), one of them"
            )
        if self.by_day is not None and (self.from_day is not None or self.until_day is not None):
            raise ValueError("from_day and until_day go with per_day; by_day says every day")
        if None not in (self.from_day, self.until_day) and self.until_day <= self.from_day:  # type: ignore[operator]
            raise ValueError(
                f"until_day ({self.until_day}) must come after from_day ({self.from_day})"
            )
        return self

    def calendar(self) -> tuple[list[float], float] | None:
        """(expected new customers on each day from day 0, the rate per day after the last of
        them) when the rate changes; None for one rate from day 0 on."""
        if self.by_day is not None:
            return list(self.by_day), 0.0
        if self.from_day is None and self.until_day is None:
            return None
        start = self.from_day or 0
        rate = float(self.per_day)  # type: ignore[arg-type]
        if self.until_day is None:
            return [0.0] * start, rate
        return [0.0] * start + [rate] * (self.until_day - start), 0.0

    def expected(self, days: float) -> float:
        """Expected new customers (before word of mouth) in the first ``days`` days."""
        calendar = self.calendar()
        if calendar is None:
            return float(self.per_day) * days  # type: ignore[arg-type]
        table, after = calendar
        total = sum(rate * min(1.0, max(days - day, 0.0)) for day, rate in enumerate(table))
        return total + after * max(days - len(table), 0.0)

    def describe(self) -> str:
        """In words: '80 new customers a day', 'new customers as recorded by day (...)'."""
        if self.by_day is not None:
            return (
                f"new customers by day ({sum(self.by_day):,.0f} over {len(self.by_day)} days, "
                "none after)"
            )
        text = f"{self.per_day:g} new customers a day"
        if self.from_day is not None:
            text += f" from day {self.from_day}"
        if self.until_day is not None:
            text += f" until day {self.until_day}"
        return text

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


class ReturnSpread(Strict):
    """A baseline return probability that varies between customers: a Beta distribution.

    Write ``{mean: 0.63, polarisation: 0.3}`` (polarisation phi = 1 / (a + b + 1): near 0 everyone
    is alike, near 1 customers are either loyal or gone), or Fader and Hardie's (2007)
    shifted-beta-geometric parameters ``{churn_alpha: 0.704, churn_beta: 1.182}``: the churn
    probability ~ Beta(alpha, beta), so the return probability ~ Beta(beta, alpha). Each customer
    draws theirs once; with no moments that matter, a cohort's survival is then the sBG law.
    """

    mean: float | None = Field(default=None, gt=0, lt=1, description="mean return probability")
    polarisation: float | None = Field(
        default=None, gt=0, lt=1, description="how much customers differ: 1 / (a + b + 1)"
    )
    churn_alpha: float | None = Field(
        default=None,
        ge=1e-3,
        le=1e4,
        description="sBG alpha: churn probability ~ Beta(alpha, beta)",
    )
    churn_beta: float | None = Field(
        default=None, ge=1e-3, le=1e4, description="sBG beta: churn probability ~ Beta(alpha, beta)"
    )

    @model_validator(mode="after")
    def _one_pair(self) -> ReturnSpread:
        moments = self.mean is not None, self.polarisation is not None
        sbg = self.churn_alpha is not None, self.churn_beta is not None
        if not ((all(moments) and not any(sbg)) or (all(sbg) and not any(moments))):
            raise ValueError(
                "write the spread as {mean, polarisation} or as {churn_alpha, churn_beta}"
            )
        a, b = self.beta_parameters()
        if not (1e-3 <= a <= 1e4 and 1e-3 <= b <= 1e4):
            raise ValueError(
                "this mean and polarisation give Beta parameters beyond 0.001..10000; choose a "
                "polarisation further from 0 and 1"
            )
        return self

    def beta_parameters(self) -> tuple[float, float]:
        """(a, b) of the Beta distribution of the return probability."""
        if self.churn_alpha is not None and self.churn_beta is not None:
            return self.churn_beta, self.churn_alpha
        total = 1.0 / self.polarisation - 1.0  # type: ignore[operator]
        return self.mean * total, (1.0 - self.mean) * total  # type: ignore[operator]

    @property
    def expected(self) -> float:
        a, b = self.beta_parameters()
        return a / (a + b)

    def quantiles(self, points: int) -> np.ndarray:
        """The return probability at the middles of ``points`` equal slices of its Beta
        distribution: a quadrature for averages over customers."""
        import numpy as np  # loaded only for a spread (validate starts fast)
        from scipy import special

        a, b = self.beta_parameters()
        return special.betaincinv(a, b, (np.arange(points) + 0.5) / points)


class Rhythm(Distribution):
    """Days between journeys, and how customers differ in them: ``{kind: exponential, mean: 31,
    rate_shape: 0.5}``. The distribution is that of a customer of average rhythm; with
    ``rate_shape`` each customer's rate of coming back is the segment's times their own factor,
    Gamma-distributed with mean 1 and this shape (BG/NBD's r), drawn once."""

    rate_shape: float | None = Field(
        default=None,
        ge=1e-3,
        le=1e4,
        description="how customers differ in how often they come: the shape of the Gamma "
        "distribution (mean 1) of each customer's rate relative to the segment's; smaller is more "
        "different (coefficient of variation 1/sqrt(shape)); leave out: every customer alike",
    )

    def describe(self) -> str:
        text = super().describe()
        if self.rate_shape is None:
            return text
        return f"{text} with rates varying between customers (shape {self.rate_shape:g})"


class Segment(Strict):
    """A group of customers alike in value, loyalty, rhythm and temper."""

    share: float = Field(gt=0, le=1, description="share of new customers in this segment")
    value_per_journey: float = Field(
        ge=0, le=MAX_MONEY, description="revenue from one completed journey"
    )
    baseline_return: Annotated[
        Annotated[float, Tag("<number>")] | Annotated[ReturnSpread, Tag("<spread>")],
        Discriminator(lambda v: "<spread>" if isinstance(v, dict | ReturnSpread) else "<number>"),
    ] = Field(
        description="chance a customer with no memorable moments comes back (0..1), or how it "
        "varies between customers: {mean, polarisation} or {churn_alpha, churn_beta}"
    )
    days_between_journeys: Rhythm = Field(
        description="days from one journey to the next (of a customer of average rhythm), "
        "optionally with rate_shape: how much customers differ in how often they come"
    )
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

    @field_validator("baseline_return")
    @classmethod
    def _a_probability(cls, value: float | ReturnSpread) -> float | ReturnSpread:
        if isinstance(value, float | int) and not 0 <= value <= 1:
            hint = f"; did you mean {value / 100:g}?" if 1 < value <= 100 else ""
            raise ValueError(f"a return probability lies between 0 and 1, not {value:g}{hint}")
        return value

    @property
    def mean_return(self) -> float:
        """The segment's average baseline return probability."""
        value = self.baseline_return
        return value.expected if isinstance(value, ReturnSpread) else float(value)
