"""One rule for how an experiment function learns how to run: ``execution=Execution(...)``.

The keywords ``jobs``, ``backend``, ``scheduler``, ``checkpoints``, ``progress`` and
``allow_large`` were once repeated on every experiment function. They still work for one
release, with a DeprecationWarning that names the :class:`Execution` field to use instead, so
scripts written for the old form keep running while they are moved.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping
from dataclasses import fields, replace
from typing import Any

from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution

#: the old keywords, each the name of the Execution field it became
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Execution))
#: the fields an experiment that keeps no checkpoints uses (sensitivity, leverage)
WITHOUT_CHECKPOINTS: tuple[str, ...] = tuple(f for f in FIELDS if f != "checkpoints")


def execution_of(
    function: str,
    execution: Execution | None,
    old: Mapping[str, Any],
    *,
    jobs: int | None = None,
    uses: Collection[str] = FIELDS,
    default: Execution | None = None,
) -> Execution:
    """The Execution ``function`` runs with: ``execution``, or one built from the old keywords.

    ``old`` holds the old keywords the caller passed, ``jobs`` the old positional argument
    (one DeprecationWarning for all of them, pointing at the caller's line); passing them
    beside ``execution`` is an error. ``uses`` names the fields ``function`` honours: a field
    it would ignore is refused, not dropped, so a run meant to keep checkpoints does not
    quietly keep none. ``default`` is what the function runs with when told nothing.
    """
    if jobs is not None:
        old = {"jobs": jobs, **old}
    unknown = [name for name in old if name not in uses]
    if unknown:  # what Python itself says of a keyword the function never had
        raise TypeError(f"{function}() got an unexpected keyword argument '{unknown[0]}'")
    base = default if default is not None else Execution()
    if old:
        names = ", ".join(old)
        if execution is not None:
            raise ExperimentError(
                f"{function}() got execution= and the old keywords {names}: give them as "
                f"fields of the one Execution (execution=Execution({_fields(old)}))"
            )
        these = f"the keywords {names} are" if len(old) > 1 else f"the keyword {names} is"
        warnings.warn(
            f"{function}(): {these} deprecated and will be removed; pass "
            f"execution=Execution({_fields(old)}) instead (truthsim.Execution)",
            DeprecationWarning,
            stacklevel=3,  # this function, the experiment function, then its caller
        )
        execution = replace(base, **old)
    if execution is None:
        return base
    if not isinstance(execution, Execution):
        raise ExperimentError(
            f"execution must be a truthsim.Execution, not {type(execution).__name__}"
        )
    unused = [
        name
        for name in FIELDS
        if name not in uses and getattr(execution, name) != getattr(base, name)
    ]
    if unused:
        raise ExperimentError(
            f"{function}() does not use Execution.{unused[0]}; leave it unset for this call"
        )
    return execution


def _fields(old: Mapping[str, Any]) -> str:
    """``jobs=..., progress=...``: the fields to write, without repeating the values."""
    return ", ".join(f"{name}=..." for name in old)
