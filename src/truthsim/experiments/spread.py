"""What a what-if on drawn parameters says beyond the mean: how far each variant's gain ranges
across plausible parameters, and how often each variant comes out best.

With ``--parameter-uncertainty`` every replication runs on its own draw of the calibrated
parameters, the same for every variant. The intervals and the selection are about the mean over
that distribution, and narrow as replications accumulate; the range below does not. Each
replication holds one draw and one run's simulation noise, so the range and the shares include
that noise too: the range is wider than the parameters alone would make it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: the range across plausible parameters: the middle 90% of replications
QUANTILES = (0.05, 0.95)


def parameter_spread(
    names: Sequence[str], values: Sequence[np.ndarray], objective_words: str
) -> dict[str, object]:
    """Per variant (``values[0]`` the baseline's, per replication): the gain's 5th and 95th
    percentiles across replications, and the share of replications in which it was best."""
    n = min(len(v) for v in values)
    if n == 0:
        raise ValueError("the spread across parameters needs at least one replication")
    table = np.column_stack([np.asarray(v[:n], dtype=float) for v in values])
    gains = table[:, 1:] - table[:, :1]
    low, high = np.quantile(gains, QUANTILES, axis=0)
    best = np.argmax(table, axis=1)  # ties: the earlier, the baseline first
    shares = np.bincount(best, minlength=len(names)) / n
    return {
        "objective": objective_words,
        "replications": n,
        "range": {
            name: [float(lo), float(hi)] for name, lo, hi in zip(names[1:], low, high, strict=True)
        },
        "best_share": {name: float(s) for name, s in zip(names, shares, strict=True)},
    }
