"""Handing results to pandas (see :mod:`truthsim.tables`), and rows as numpy records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from truthsim.tables import PANDAS_HINT, records_to_pandas


def rows_to_records(rows: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    """Summary rows as records: the text column ``key`` and every number of the rows."""
    numbers = [k for k, v in rows[0].items() if isinstance(v, int | float)] if rows else []
    width = max([len(r[key]) for r in rows] + [1])
    dtype = [(key, f"U{width}")] + [(k, "f8") for k in numbers]
    return np.array([(r[key], *(float(r[k]) for k in numbers)) for r in rows], dtype=dtype)


__all__ = ["PANDAS_HINT", "records_to_pandas", "rows_to_records"]
