"""The customers a business already has on day 0.

A simulation that starts with no customers describes a start-up. An established business starts
from the base its own dynamics hold after long operation (``steady_state``), or from a firm's
own customers with their histories (``{data: FOLDER}``: the files ``truthsim calibrate`` reads).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from truthsim.scenario.base import Strict


class CustomerBase(Strict):
    """Who is a customer on day 0: nobody (``none``), the scenario's own steady state, or a
    firm's customers from data. Written as ``steady_state``, ``none`` or ``{data: FOLDER}``."""

    kind: Literal["none", "steady_state", "data", "file"] = Field(
        default="none",
        description="none: no customers on day 0 (a new business); steady_state: the base the "
        "scenario's own dynamics hold after long operation; data: a firm's customers; file: a "
        "firm's customers as calibration left them (customers.npz)",
    )
    data: str | None = Field(
        default=None,
        max_length=4096,
        description="with kind data: the folder of the firm's files (journeys.csv or "
        "transactions.csv, optionally moments.csv), relative to the scenario file",
    )
    file: str | None = Field(
        default=None,
        max_length=4096,
        description="with kind file: a firm's customers as truthsim wrote them (.npz)",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"kind": value}
        if isinstance(value, dict) and "kind" not in value:
            for kind in ("data", "file"):
                if kind in value:
                    return {"kind": kind, **value}
        return value

    @model_validator(mode="after")
    def _folder_with_data(self) -> CustomerBase:
        if (self.kind == "data") != (self.data is not None):
            raise ValueError("write the firm's customers as {data: FOLDER}; data goes with it only")
        if (self.kind == "file") != (self.file is not None):
            raise ValueError("write a saved base as {file: customers.npz}; file goes with it only")
        return self

    def describe(self) -> str:
        if self.kind == "steady_state":
            return "starts from the customer base its own dynamics hold after long operation"
        if self.kind == "data":
            return f"starts from the firm's customers in {self.data}"
        if self.kind == "file":
            return f"starts from the firm's customers saved in {self.file}"
        return "starts with no customers"
