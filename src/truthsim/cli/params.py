"""Option types and flags that need nothing heavy: ``validate`` uses them and starts fast."""

from __future__ import annotations

import difflib
import math
from typing import Any

import click


class Finite(click.FloatRange):
    """A float range that also refuses NaN and infinities (click's own range lets NaN through)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


allow_large_option = click.option(
    "--allow-large",
    is_flag=True,
    help="Run even when a run exceeds the size limits (a million new customers per replication, "
    "a thousand variants); without it such a run is refused as a likely mistake.",
)


class Choice(click.Choice):
    """click's Choice with a did-you-mean for a near miss (``active_at_horzon``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.fail(
                f"{value!r} is not one of {', '.join(map(str, self.choices))}{hint}", param, ctx
            )
