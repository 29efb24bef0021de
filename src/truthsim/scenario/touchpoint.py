"""A touchpoint: where a moment of truth happens, how it is staffed, and how it tends to end."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.limits import (
    MAX_FACTOR,
    MAX_ITEMS,
    MAX_NAME,
    MAX_SERVERS,
    MAX_TIME,
    MIN_SCALE,
)
from truthsim.scenario.staffing import Schedule

OUTCOMES = ("misery", "mediocrity", "magic")
SUM_TOLERANCE = 1e-9


class Outcomes(Strict):
    """Chances that a moment ends in misery, mediocrity or magic for a customer served at once."""

    #: improvements that set one share rescale the others so the three still sum to 1
    simplex: ClassVar[bool] = True

    misery: float = Field(ge=0, le=1, description="chance of misery (a problem, a complaint)")
    mediocrity: float = Field(ge=0, le=1, description="chance of a merely satisfactory moment")
    magic: float = Field(ge=0, le=1, description="chance of a better-than-average moment")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Outcomes:
        total = self.misery + self.mediocrity + self.magic
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(
                f"misery + mediocrity + magic = {total:.10g}; they must sum to 1 "
                f"(e.g. misery: {self.misery:g}, mediocrity: {1 - self.misery - self.magic:.10g}, "
                f"magic: {self.magic:g})"
            )
        return self

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.misery, self.mediocrity, self.magic)


class Shifts(Strict):
    """How one moment with each outcome moves an average customer's return probability.

    ``misery: -0.15`` means an average customer is 15 points less likely to come back after a
    miserable moment here. Converted to the log-odds scale internally.
    """

    misery: float = Field(default=-0.10, gt=-1, lt=1, description="change in return probability")
    mediocrity: float = Field(default=0.0, gt=-1, lt=1, description="change in return probability")
    magic: float = Field(default=0.03, gt=-1, lt=1, description="change in return probability")


class WaitPenalty(Strict):
    """Waiting beyond ``tolerance`` minutes pushes the moment toward misery."""

    tolerance: float = Field(
        default=5.0,
        ge=0,
        le=MAX_TIME,
        description="minutes a customer waits before it sours the moment",
    )
    doubling: float | None = Field(
        default=10.0,
        ge=MIN_SCALE,
        le=MAX_TIME,
        description="every this many minutes beyond tolerance double the odds of a worse outcome; "
        "null: waiting never matters",
    )


class LoadPenalty(Strict):
    """Servers under load serve worse: beyond ``threshold``, the servers' busy share over the
    last ``window`` minutes pushes the moment toward misery, on the same scale as a wait."""

    window: float = Field(
        default=60.0,
        gt=0,
        le=MAX_TIME,
        description="minutes over which the servers' busy share is measured (e.g. the last hour)",
    )
    threshold: float = Field(
        default=0.8,
        ge=0,
        lt=1,
        description="busy share of the servers on shift that does no harm",
    )
    doubling: float = Field(
        gt=0,
        le=1,
        description="every this much busy share beyond the threshold doubles the odds of a "
        "worse outcome (0.1: ten points busier than the threshold, twice the odds)",
    )


class Failure(Strict):
    """Something going wrong at the moment (a lost bag, an overbooked flight) and its recovery."""

    rate: float = Field(default=0.0, ge=0, le=1, description="chance a visit has a failure")
    recovery: float = Field(
        default=0.0, ge=0, le=1, description="chance staff recover a failure well"
    )
    recovered_outcomes: Outcomes = Field(
        default_factory=lambda: Outcomes(misery=0.1, mediocrity=0.4, magic=0.5),
        description="outcome chances of a well-recovered failure (the service recovery paradox)",
    )
    recovered_shift: float | None = Field(
        default=None,
        gt=-1,
        lt=1,
        description="change in return probability after a recovered failure; null: that of the "
        "outcome it ends in, but never more than a clean moment here brings on average (the "
        "recovery paradox lifts satisfaction, not repurchase: de Matos et al. 2007)",
    )


class Abandonment(Strict):
    """What a customer who gives up waiting here does next. Giving up is a misery in every case.

    ``lost``: the journey ends there with no revenue (a caller who hangs up and books nowhere).
    ``retry``: a ``share`` of them come back to this touchpoint after ``delay`` minutes, once,
    for a new wait and a new moment (a caller who rings again); the rest, and anyone who gives
    up a second time, are lost. ``continue``: the journey goes on to its next step (a traveller
    who leaves the ticket queue still holds a ticket and goes to the gate)."""

    then: Literal["lost", "retry", "continue"] = Field(
        default="lost", description="lost, retry (a share try again later) or continue"
    )
    share: float = Field(
        default=1.0, ge=0, le=1, description="retry: the share who try again (the rest are lost)"
    )
    delay: Distribution | None = Field(
        default=None, description="retry: minutes until they try again"
    )

    @model_validator(mode="after")
    def _retry_says_when(self) -> Abandonment:
        if self.then == "retry" and self.delay is None:
            raise ValueError(
                "then: retry needs a delay, the minutes until they try again, e.g. "
                "{then: retry, share: 0.5, delay: {kind: exponential, mean: 60}}"
            )
        if self.then != "retry" and (self.delay is not None or self.share != 1.0):
            raise ValueError(f"share and delay are for then: retry, not then: {self.then}")
        return self


class Carry(Strict):
    """How the outcome of an internal moment carries into the customer's moment it backs: per
    internal outcome, the factor on the odds of a worse outcome in front (1: none; a misery
    behind the counter raises the chance of one in front of it)."""

    misery: float = Field(
        default=1.0,
        gt=0,
        le=MAX_FACTOR,
        description="odds factor after an "
        "internal misery (e.g. 3: three times the odds of a worse moment)",
    )
    mediocrity: float = Field(
        default=1.0, gt=0, le=MAX_FACTOR, description="odds factor after an internal mediocrity"
    )
    magic: float = Field(default=1.0, gt=0, le=MAX_FACTOR, description="odds factor after "
                         "internal magic (below 1: a better moment in front)")  # fmt: skip

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.misery, self.mediocrity, self.magic)


class Need(Strict):
    """A share of this touchpoint's moments needs an internal touchpoint (a fare problem that
    needs the back office): as the service begins, the agent asks it and waits for the answer,
    and the customer waits with them."""

    touchpoint: str = Field(max_length=MAX_NAME, description="the internal touchpoint needed")
    share: float = Field(gt=0, le=1, description="the share of moments here that need it")
    carry: Carry = Field(
        default_factory=Carry,
        description="how its outcome moves the customer's moment, e.g. {misery: 3, magic: 0.8}",
    )


def _staffing_kind(value: Any) -> str:
    if value is None:
        return "<unlimited>"
    return "<schedule>" if isinstance(value, dict | Schedule) else "<number>"


class Touchpoint(Strict):
    """One point of contact between the customer and the business."""

    label: str | None = Field(
        default=None, max_length=MAX_NAME, description="a readable name for tables and figures"
    )
    servers: Annotated[
        Annotated[int, Tag("<number>"), Field(ge=1, le=MAX_SERVERS)]
        | Annotated[Schedule, Tag("<schedule>")]
        | Annotated[None, Tag("<unlimited>")],
        Discriminator(_staffing_kind),
    ] = Field(
        description="staff or desks serving at once: a whole number >= 1, 'unlimited' "
        "(self-service), or a schedule by hour of day {schedule: [[0, 1], [7, 3], [19, 1]]}",
    )
    service: Distribution = Field(description="service time in minutes")
    patience: Distribution | None = Field(
        default=None,
        description="minutes a customer waits in the queue before abandoning; null: no limit",
    )
    abandonment: Abandonment = Field(
        default_factory=Abandonment,
        description="what a customer who gives up waiting does next: {then: lost} (default), "
        "{then: retry, share: 0.5, delay: {kind: exponential, mean: 60}} or {then: continue}",
    )
    outcomes: Outcomes
    outcomes_by_segment: dict[str, Outcomes] | None = Field(
        default=None,
        max_length=MAX_ITEMS,
        description="a segment's own outcome mix here, for a customer served at once, instead "
        "of outcomes (e.g. {business: {misery: 0.1, mediocrity: 0.7, magic: 0.2}})",
    )
    wait: WaitPenalty = Field(default_factory=WaitPenalty)
    load: LoadPenalty | None = Field(
        default=None,
        description="how the servers' recent load moves outcomes here, e.g. {window: 60, "
        "threshold: 0.8, doubling: 0.1}; null: it does not",
    )
    failure: Failure = Field(default_factory=Failure)
    internal: bool = Field(
        default=False,
        description="true: it serves staff, not customers (a back office, an IT help desk); "
        "front-line touchpoints reach it through needs, journeys never visit it",
    )
    needs: Need | None = Field(
        default=None,
        description="an internal touchpoint a share of the moments here depend on, e.g. "
        "{touchpoint: back_office, share: 0.2, carry: {misery: 3}}; null: none",
    )
    complain: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="chance that a misery here leads to a complaint; null: complaints.share",
    )
    importance: float = Field(
        default=1.0,
        ge=0,
        le=MAX_FACTOR,
        description="weight of this moment in the customer's memory",
    )
    shifts: Shifts = Field(default_factory=Shifts)

    @field_validator("servers", mode="before")
    @classmethod
    def _unlimited(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("unlimited", "inf", "infinite"):
            return None
        return value

    @model_validator(mode="after")
    def _load_needs_servers(self) -> Touchpoint:
        if self.load is not None and self.servers is None:
            raise ValueError(
                "load is the busy share of servers, and self-service has none: remove load, "
                "or give the touchpoint servers"
            )
        return self

    @model_validator(mode="after")
    def _internal_rules(self) -> Touchpoint:
        if self.internal and self.patience is not None:
            raise ValueError(
                "staff waiting for an internal touchpoint do not give up: remove patience"
            )
        if self.internal and self.complain is not None:
            raise ValueError(
                "complain is the chance a customer's misery leads to a complaint, and an "
                "internal touchpoint's moments are staff's: remove complain"
            )
        customers_only = [
            name
            for name, default in (
                ("abandonment", Abandonment()),
                ("importance", 1.0),
                ("shifts", Shifts()),
            )
            if getattr(self, name) != default
        ]
        if self.internal and customers_only:
            raise ValueError(
                f"{', '.join(sorted(customers_only))}: what a moment does to a customer, and "
                "an internal touchpoint's moments reach customers through the moments they "
                "back (needs.carry): remove them"
            )
        if self.internal and self.outcomes_by_segment:
            raise ValueError(
                "an internal touchpoint's moments are staff's, the same for every customer "
                "segment: remove outcomes_by_segment"
            )
        if self.internal and self.needs is not None:
            raise ValueError(
                "an internal touchpoint cannot need another: remove needs (one level behind the "
                "front line)"
            )
        if self.needs is not None and self.servers is None:
            raise ValueError(
                "needs: an agent asks the internal touchpoint while serving, and self-service "
                "has no agent: give the touchpoint servers, or remove needs"
            )
        return self

    @property
    def unlimited(self) -> bool:
        return self.servers is None

    def server_minutes(self, start: float, end: float) -> float | None:
        """Staffed server-minutes between two simulation times (None: unlimited)."""
        if self.servers is None:
            return None
        if isinstance(self.servers, Schedule):
            return self.servers.server_minutes(start, end)
        return self.servers * (end - start)

    def outcomes_for(self, segment: str) -> Outcomes:
        """The outcome mix a customer of ``segment`` meets here."""
        return (self.outcomes_by_segment or {}).get(segment, self.outcomes)

    def title(self, key: str) -> str:
        return self.label or key.replace("_", " ")
