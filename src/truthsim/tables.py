"""Handing results to pandas when it is installed (pandas stays optional)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

PANDAS_HINT = "to_pandas() needs pandas: pip install 'truthsim[pandas]' (or pip install pandas)"


def records_to_pandas(
    records: np.ndarray | Sequence[Mapping[str, Any]],
    categories: Sequence[str] = (),
    names: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """A DataFrame of ``records`` (a structured array or a list of rows).

    Columns in ``categories`` become categoricals; a column in ``names`` holds integer codes
    that index that list of names (-1: none) and becomes a categorical of those names.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(PANDAS_HINT) from None
    if isinstance(records, np.ndarray):
        frame = pd.DataFrame(records)
    else:
        frame = pd.DataFrame.from_records(list(records))
    for column, labels in (names or {}).items():
        if column in frame:
            frame[column] = pd.Categorical.from_codes(
                frame[column].to_numpy().astype(np.int64), categories=list(labels)
            )
    for column in categories:
        if column in frame and not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = pd.Categorical(frame[column], categories=_in_order(frame[column]))
    return frame


def _in_order(values: Any) -> list[Any]:
    """Distinct values in order of first appearance (the order results list them)."""
    return list(dict.fromkeys(values))
