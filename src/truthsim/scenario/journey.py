"""The journey: the ordered steps a customer takes, each a touchpoint, optional, or a choice."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.distributions import Distribution
from truthsim.scenario.limits import MAX_ITEMS, MAX_NAME
from truthsim.scenario.touchpoint import SUM_TOLERANCE


class Step(Strict):
    """One step: ``gate``; ``{touchpoint: curbside, probability: 0.3}``; ``{choice: {a: .6, b: .4}}``."""

    touchpoint: str | None = Field(
        default=None, max_length=MAX_NAME, description="the touchpoint visited"
    )
    probability: float = Field(
        default=1.0, gt=0, le=1, description="chance the step happens at all (optional steps < 1)"
    )
    choice: dict[str, float] | None = Field(
        default=None,
        max_length=MAX_ITEMS,
        description="touchpoints to choose among, with their chances (sum to 1)",
    )
    delay: Distribution | None = Field(
        default=None,
        description="minutes between the previous step and this one; the way takes this long "
        "even when an optional step is skipped",
    )
    segments: list[str] | None = Field(
        default=None,
        max_length=MAX_ITEMS,
        description="only customers of these segments take the step (a lounge for business "
        "travellers); the others pass it by, its delay still passing; null: everyone",
    )

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, value: Any) -> Any:
        return {"touchpoint": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_target(self) -> Step:
        if (self.touchpoint is None) == (self.choice is None):
            raise ValueError("a step names either 'touchpoint' or 'choice', exactly one of them")
        if self.choice is not None:
            if not self.choice:
                raise ValueError("a choice lists at least one touchpoint")
            if any(not 0 <= p <= 1 for p in self.choice.values()):
                raise ValueError("choice chances must each lie between 0 and 1")
            total = sum(self.choice.values())
            if abs(total - 1.0) > SUM_TOLERANCE:
                raise ValueError(f"choice chances sum to {total:.10g}; they must sum to 1")
        return self

    def targets(self) -> list[str]:
        """The touchpoints this step may visit."""
        return [self.touchpoint] if self.touchpoint is not None else list(self.choice or {})
