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
        if name.startswith("__") and name != "__all__":  # a star import asks for __all__
            raise AttributeError(name)
        if not warned:
            warned = True
            warnings.warn(
                f"{old} is now {new}; import from there (the old name goes in the next release)",
                DeprecationWarning,
                stacklevel=2,
            )
        module = importlib.import_module(new)
        if name == "__all__":
            return getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        return getattr(module, name)

    return forward
