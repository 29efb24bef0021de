"""How large an experiment may be before it needs an explicit opt-in (``--allow-large``).

A grid typed as ``1..1000000000`` or ``--combinations 3`` over forty improvements is almost
always a slip; it gets an error that says how large it is, before anything is simulated.
"""

from __future__ import annotations

import math

from truthsim.errors import ExperimentError

#: replications per variant
MAX_REPLICATIONS = 10_000
#: scenario variants in one experiment (what-if variants, sweep points, sensitivity runs)
MAX_VARIANTS = 1_000
#: values one range of a sweep may list, even with --allow-large
MAX_RANGE = 100_000
#: simulations in one experiment (variants x replications)
MAX_SIMULATIONS = 100_000


def check_size(variants: int, replications: int, allow_large: bool, what: str = "variants") -> None:
    """Refuse an experiment beyond the limits unless ``allow_large``."""
    if replications > MAX_REPLICATIONS:
        raise ExperimentError(
            f"{replications:,} replications per variant is more than {MAX_REPLICATIONS:,}"
        )
    if allow_large:
        return
    if variants > MAX_VARIANTS:
        raise ExperimentError(
            f"{variants:,} {what} is more than {MAX_VARIANTS:,}; narrow it, or run with "
            "--allow-large (execution=Execution(allow_large=True) in Python) if you mean it"
        )
    if variants * replications > MAX_SIMULATIONS:
        raise ExperimentError(
            f"{variants:,} {what} x {replications:,} replications = {variants * replications:,} "
            f"simulations, more than {MAX_SIMULATIONS:,}; use fewer, or run with --allow-large "
            "(execution=Execution(allow_large=True) in Python) if you mean it"
        )


def check_number(
    name: str, value: float, low: float | None = None, high: float | None = None
) -> None:
    """A finite number within [low, high], or an ExperimentError naming the option."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ExperimentError(f"{name} must be a finite number, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low:g} and {high:g}"
            if low is not None and high is not None
            else (f"at least {low:g}" if low is not None else f"at most {high:g}")
        )
        raise ExperimentError(f"{name} must be {bounds}, not {value:g}")
