"""Improvements: named, declarative changes to a scenario, each with what it costs."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict
from truthsim.scenario.limits import MAX_ITEMS, MAX_MONEY, MAX_TEXT

Operation = Literal["set", "add", "scale"]
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_ADD = re.compile(rf"^([+-])\s*({_NUMBER})$")
_SCALE = re.compile(rf"^x\s*([+-]?{_NUMBER})$")
_IN_HOURS = re.compile(rf"^([+-])\s*(\d+)\s+from\s+({_NUMBER})\s+to\s+({_NUMBER})$")
#: text that starts like a change but is not one ('++1', '*2', '+inf', 'x 2x')
_LOOKS_LIKE_A_CHANGE = re.compile(r"^(?:[+\-*]|x\s*[+-]?[\d.])")
WRITE_A_CHANGE = (
    "write a change as a value (sets it), '+1' or '-1' (adds), 'x1.2' (scales), '+1 from 7 to 10' "
    "(staff in those hours), or one of {set: V}, {add: N}, {scale: F}"
)


def parse_change(raw: Any) -> dict[str, Any]:
    """The operation and value a change is written as; a ValueError says how to write it."""
    if isinstance(raw, dict):
        if "op" in raw:
            return raw
        ops = [k for k in ("set", "add", "scale") if k in raw]
        if len(ops) != 1 or len(raw) != 1:
            raise ValueError(WRITE_A_CHANGE)
        if ops[0] != "set" and isinstance(raw[ops[0]], bool):
            raise ValueError(f"'{ops[0]}' needs a number, not {raw[ops[0]]!r}")
        return {"op": ops[0], "value": raw[ops[0]]}
    if isinstance(raw, str):
        text = raw.strip()
        if match := _IN_HOURS.match(text):
            sign, number, start, end = match.groups()
            amount = int(number) * (1 if sign == "+" else -1)
            return {"op": "add", "value": amount, "hours": (float(start), float(end))}
        if match := _ADD.match(text):
            sign, number = match.groups()
            return {"op": "add", "value": float(number) * (1 if sign == "+" else -1)}
        if match := _SCALE.match(text):
            return {"op": "scale", "value": float(match.group(1))}
        if text.startswith("*"):
            raise ValueError(f"'{raw}' is not a change; to scale, write 'x{text[1:].strip()}'")
        if _LOOKS_LIKE_A_CHANGE.match(text):
            raise ValueError(f"'{raw}' is not a change; {WRITE_A_CHANGE}")
    return {"op": "set", "value": raw}


class Change(Strict):
    """One change at a dotted path: ``5`` sets, ``+1`` / ``-1`` adds, ``x1.2`` scales."""

    op: Operation
    value: float | int | str | None
    hours: tuple[float, float] | None = Field(
        default=None, description="for staffing: only from the first hour to the second, daily"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, raw: Any) -> Any:
        return parse_change(raw)

    @model_validator(mode="after")
    def _numeric_arithmetic(self) -> Change:
        if self.op != "set" and not isinstance(self.value, int | float):
            raise ValueError(f"'{self.op}' needs a number, not {self.value!r}")
        if self.hours is not None:
            start, end = self.hours
            if self.op != "add" or not float(self.value).is_integer():  # type: ignore[arg-type]
                raise ValueError("'+N from H1 to H2' adds a whole number of servers")
            if not (0 <= start < 24 and 0 <= end <= 24 and start != end):
                raise ValueError("hours run from 0 to 24, e.g. '+1 from 7 to 10'")
        return self

    def describe(self) -> str:
        if self.op == "add" and self.hours is not None:
            return f"{self.value:+g} from {self.hours[0]:g} to {self.hours[1]:g}"
        if self.op == "add":
            return f"{self.value:+g}"
        if self.op == "scale":
            return f"x{self.value:g}"
        return f"= {self.value}"


class Cost(Strict):
    """What an improvement costs: once, every year it runs, and per staff hour it adds."""

    one_off: float = Field(default=0.0, ge=0, le=MAX_MONEY, description="one-off cost")
    per_year: float = Field(default=0.0, ge=0, le=MAX_MONEY, description="running cost per year")
    per_staffed_hour: float = Field(
        default=0.0,
        ge=0,
        le=MAX_MONEY,
        description="cost of each server-hour the improvement adds to the staffing schedules",
    )


class Improvement(Strict):
    """A what-if: a set of changes a strategist could make, and its price."""

    description: str = Field(
        default="", max_length=MAX_TEXT, description="what the change means in the business"
    )
    changes: dict[str, Change] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="dotted path -> change, e.g. 'touchpoints.gate.servers': '+1'",
    )
    cost: Cost = Field(default_factory=Cost)
