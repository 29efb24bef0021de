"""The scenarios that ship inside the package, ready to run or to copy and edit."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_dir() -> Path:
    return Path(str(resources.files("truthsim") / "scenarios"))


def bundled_names() -> list[str]:
    """Names of the bundled scenarios (file names without ``.yaml``)."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def bundled_path(name: str) -> Path | None:
    """The file of a bundled scenario, by name, or ``None``."""
    candidate = bundled_dir() / f"{Path(name).stem}.yaml"
    return candidate if name and "/" not in name and candidate.exists() else None
