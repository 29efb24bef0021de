"""Handing results to pandas (see :mod:`truthsim.tables`), and rows as numpy records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from truthsim.tables import PANDAS_HINT, records_to_pandas


def rows_to_records(rows: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    """Summary rows as records: the text column ``key`` and every number any row has (NaN in
    rows without it, or where it is None: rows need not all have the same columns)."""
    numbers = list(
        dict.fromkeys(
            k for r in rows for k, v in r.items() if k != key and isinstance(v, int | float)
        )
    )
    width = max([len(r[key]) for r in rows] + [1])
    dtype = [(key, f"U{width}")] + [(k, "f8") for k in numbers]
    return np.array([(r[key], *(_number(r.get(k)) for k in numbers)) for r in rows], dtype=dtype)


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


__all__ = ["PANDAS_HINT", "records_to_pandas", "rows_to_records"]
