"""Improvements: named, declarative changes to a scenario, each with what it costs."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict

Operation = Literal["set", "add", "scale"]
_SHORTHAND = re.compile(r"^\s*([+\-x*])\s*([0-9.eE+\-]+)\s*$")


class Change(Strict):
    """One change at a dotted path: ``5`` sets, ``+1`` / ``-1`` adds, ``x1.2`` scales."""

    op: Operation
    value: float | int | str | None

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "op" not in raw:
            ops = [k for k in ("set", "add", "scale") if k in raw]
            if len(ops) != 1 or len(raw) != 1:
                raise ValueError(
                    "write a change as a value (sets it), '+1'/'-1' (adds), 'x1.2' (scales), "
                    "or one of {set: V}, {add: N}, {scale: F}"
                )
            return {"op": ops[0], "value": raw[ops[0]]}
        if isinstance(raw, str):
            match = _SHORTHAND.match(raw)
            if match:
                sign, number = match.groups()
                try:
                    amount = float(number)
                except ValueError:
                    return {"op": "set", "value": raw}
                if sign in "x*":
                    return {"op": "scale", "value": amount}
                return {"op": "add", "value": amount if sign == "+" else -amount}
        if isinstance(raw, dict):
            return raw
        return {"op": "set", "value": raw}

    @model_validator(mode="after")
    def _numeric_arithmetic(self) -> Change:
        if self.op != "set" and not isinstance(self.value, int | float):
            raise ValueError(f"'{self.op}' needs a number, not {self.value!r}")
        return self

    def describe(self) -> str:
        if self.op == "add":
            return f"{self.value:+g}"
        if self.op == "scale":
            return f"x{self.value:g}"
        return f"= {self.value}"


class Cost(Strict):
    """What an improvement costs: once, and every year it runs."""

    one_off: float = Field(default=0.0, ge=0, description="one-off cost")
    per_year: float = Field(default=0.0, ge=0, description="running cost per year")

    def over(self, days: float) -> float:
        """Total cost over a horizon of ``days`` days."""
        return self.one_off + self.per_year * days / 365.0


class Improvement(Strict):
    """A what-if: a set of changes a strategist could make, and its price."""

    description: str = Field(default="", description="what the change means in the business")
    changes: dict[str, Change] = Field(
        min_length=1, description="dotted path -> change, e.g. 'touchpoints.gate.servers': '+1'"
    )
    cost: Cost = Field(default_factory=Cost)
