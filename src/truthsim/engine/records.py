"""Compact per-moment, per-journey and per-customer records.

Rows are appended to typed ``array.array`` columns during the run (a few bytes per field, no
Python object per row) and become numpy structured arrays at the end.
"""

from __future__ import annotations

from array import array

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


class Columns:
    """Growable typed columns for one record type; ``append`` takes a row's fields in order."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype
        self.columns = [array(_typecode(dtype[name])) for name in dtype.names]
        self.appenders = [column.append for column in self.columns]

    def __len__(self) -> int:
        return len(self.columns[0])

    def to_numpy(self) -> np.ndarray:
        """The rows as a structured array; each column is emptied once copied, to keep the peak low."""
        out = np.empty(len(self), dtype=self.dtype)
        for i, name in enumerate(self.dtype.names):
            column = self.columns[i]
            if len(column):
                out[name] = np.frombuffer(column, dtype=_numpy_code(column.typecode))
            self.columns[i] = array(column.typecode)
        self.appenders = [column.append for column in self.columns]
        return out


def _typecode(field: np.dtype) -> str:
    """The ``array`` typecode holding a numpy field (booleans as signed bytes)."""
    if field.kind == "f":
        return "d"
    return {1: "b", 2: "h", 4: "i"}[field.itemsize]


def _numpy_code(typecode: str) -> str:
    return {"b": "i1", "h": "i2", "i": "i4", "d": "f8"}[typecode]
