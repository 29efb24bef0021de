"""Handing results to pandas when it is installed."""

from __future__ import annotations

from typing import Any

import numpy as np


def records_to_pandas(records: np.ndarray | list[dict[str, Any]]) -> Any:
    """A DataFrame of ``records``, or a clear message on how to get pandas."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_pandas() needs pandas: pip install 'truthsim[pandas]' (or pip install pandas)"
        ) from None
    return (
        pd.DataFrame.from_records(records) if isinstance(records, list) else pd.DataFrame(records)
    )
