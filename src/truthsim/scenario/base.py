"""The base every scenario model shares: unknown keys are errors, fields are validated on edit."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Reject unknown keys (typos must not be silently ignored) and validate assignments."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
