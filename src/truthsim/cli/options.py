"""Options shared by the commands that simulate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--seed`` and ``--horizon-days``, the same on every simulating command."""
    command = click.option(
        "--horizon-days",
        type=click.FloatRange(min=0, min_open=True),
        help="Days to simulate (overrides the scenario's horizon_days).",
    )(command)
    return click.option(
        "--seed",
        type=click.IntRange(min=0),
        help="Root seed (default: the scenario's seed). Same seed, same results.",
    )(command)
