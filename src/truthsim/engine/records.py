"""Compact per-moment, per-journey and per-customer records.

Each row is packed with ``struct`` into one growing byte buffer during the run (one call per
row, a few bytes per field, no Python object kept per row); at the end the buffer becomes a
numpy structured array without a copy, the packed layout being exactly the dtype's.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

MOMENT = np.dtype(
    [
        ("customer", "i4"),
        ("journey", "i4"),
        ("touchpoint", "i2"),
        ("arrival", "f8"),
        ("wait", "f8"),
        ("service", "f8"),
        ("outcome", "i1"),
        ("abandoned", "?"),
        ("failed", "?"),
        ("recovered", "?"),
    ]
)
#: a moment where load moves outcomes: its servers' busy share as its service began (0 where
#: load is not measured or the customer gave up); only runs where some touchpoint measures it
#: carry the column, so the records of every other run stay as they were
MOMENT_LOADED = np.dtype([*MOMENT.descr, ("load", "f8")])


def with_load(moments: np.ndarray, load: Sequence[float]) -> np.ndarray:
    """The moments with each one's load beside it (recorded apart, so the rows of a run
    without load are packed exactly as they always were)."""
    out = np.empty(len(moments), dtype=MOMENT_LOADED)
    for name in MOMENT.names:
        out[name] = moments[name]
    out["load"] = np.asarray(load, dtype=np.float64)
    return out


JOURNEY = np.dtype(
    [
        ("customer", "i4"),
        ("journey", "i4"),
        ("segment", "i2"),
        ("start", "f8"),
        ("end", "f8"),
        ("completed", "?"),
        ("returned", "?"),
        ("remembered", "f8"),
        ("return_probability", "f8"),
        ("misery", "i2"),
        ("magic", "i2"),
        ("revenue", "f8"),
    ]
)
CUSTOMER = np.dtype(
    [
        ("customer", "i4"),
        ("segment", "i2"),
        ("acquired", "f8"),
        ("baseline_return", "f8"),  #: the customer's own baseline return probability
        ("referred", "?"),
        ("journeys", "i4"),
        ("churned", "?"),
        ("churn_time", "f8"),
        ("churn_cause", "i2"),
        ("revenue", "f8"),
    ]
)
CAUSE = np.dtype(
    [
        ("customer", "i4"),
        ("journey", "i4"),  #: the journey of the decisive moment (may be before the last)
        ("touchpoint", "i2"),
        ("share", "f8"),  #: its share of the loss (1 / number of decisive moments)
    ]
)
COHORT = np.dtype(
    [
        ("period", "i4"),  #: periods since acquisition
        ("customers", "i4"),  #: customers acquired at least that many periods before the horizon
        ("active", "i4"),  #: of them, still customers that long after their acquisition
        ("share", "f8"),  #: active / customers
    ]
)
DAILY = np.dtype(
    [
        ("day", "i4"),
        ("active", "i4"),
        ("new", "i4"),
        ("returning", "i4"),
        ("churned", "i4"),
        ("deterred", "i4"),
        ("referred", "i4"),
    ]
)


class Rows:
    """Packed rows of one record type: ``rows.buffer += rows.pack(*fields)`` adds one row."""

    __slots__ = ("buffer", "dtype", "pack")

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype
        self.pack = struct.Struct("<" + "".join(_struct_code(dtype[n]) for n in dtype.names)).pack
        self.buffer = bytearray()

    def add(self, *row: object) -> None:
        """Append one row (fields in the dtype's order); the hot loops inline this."""
        self.buffer += self.pack(*row)

    def __len__(self) -> int:
        return len(self.buffer) // self.dtype.itemsize

    def to_numpy(self) -> np.ndarray:
        """The rows as a structured array over the buffer itself (no copy); the rows are
        handed over, and the table starts empty again."""
        out = (
            np.frombuffer(self.buffer, dtype=self.dtype) if self.buffer else np.empty(0, self.dtype)
        )
        self.buffer = bytearray()
        return out


def _struct_code(field: np.dtype) -> str:
    """The ``struct`` code of a numpy field (little-endian, no padding, as numpy packs it)."""
    if field.kind == "f":
        return "d"
    if field.kind == "b":
        return "?"
    return {1: "b", 2: "h", 4: "i"}[field.itemsize]


def since(records: np.ndarray, field: str, start: float, *names: str) -> list[np.ndarray]:
    """Fields ``names`` of the records whose ``field`` is at or after ``start`` (the fields
    themselves, not copies, when that is all of them, as it is without a warm-up)."""
    keep = records[field] >= start
    if keep.all():
        return [records[name] for name in names]
    return [records[name][keep] for name in names]
