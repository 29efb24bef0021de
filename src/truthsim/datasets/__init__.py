"""Small public data sets vendored for reference fits and tests (see SOURCES.md).

- ``cdnow_sample.csv``: the CDNOW 1/10th sample of Fader & Hardie, a transaction log of
  2,357 customers with header ``customer,date,amount`` (ISO dates, dollar value).
- ``donations.csv``: the donations data of Fader, Hardie & Shang (2010) in the layout of
  the lifetimes package: ``frequency,recency,periods,weights`` (one row per pattern).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["path"]

_HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Path of the vendored data file ``name`` (e.g. ``"cdnow_sample.csv"``).

    Raises FileNotFoundError if no such file ships with truthsim.
    """
    p = _HERE / name
    if p.suffix == ".py" or not p.is_file() or p.parent != _HERE:
        known = sorted(f.name for f in _HERE.iterdir() if f.suffix == ".csv")
        raise FileNotFoundError(f"no data set {name!r}; known: {', '.join(known)}")
    return p
