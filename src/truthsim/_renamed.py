"""Old module names kept working for one release, each with a deprecation warning."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


def renamed(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old`` that warns once, then serves ``new``'s names."""
    warned = False

    def forward(name: str) -> Any:
        nonlocal warned
        if name.startswith("__"):
            raise AttributeError(name)
        if not warned:
            warned = True
            warnings.warn(
                f"{old} is now {new}; import from there (the old name goes in the next release)",
                DeprecationWarning,
                stacklevel=2,
            )
        return getattr(importlib.import_module(new), name)

    return forward
