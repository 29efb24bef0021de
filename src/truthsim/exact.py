"""Elementwise exp, log, log1p and power that do not go through numpy's per-processor code.

numpy sends float64 ``exp``, ``log``, ``log1p`` and ``power`` to its own AVX-512 code (Intel's
SVML) on processors that have it and to the C library elsewhere, and the two may differ in the
last bit. A random draw turned into a time through them would then differ from one machine to
another, and a Dask cluster of mixed machines would not reproduce the local pool. These go
through compiled scalar code that numpy does not dispatch: scipy's Box-Cox functions with
lambda 0 (which are log1p and exp) and ``xlogy(1, x)`` (which is log) call the C library's
functions, as fast as numpy's; ``power`` applies Python's ``math.pow`` to each element (it is
used once per replication, on the journeys' end times). The C library itself has variants of
exp, log and pow for processors with FMA (every x86-64 processor of the last decade), so only
a processor without it might still differ in a last bit.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

#: elements converted to Python floats at a time in :func:`power` (bounds the temporary lists)
_CHUNK = 4096


def log(x: np.ndarray) -> np.ndarray:
    """``np.log(x)`` for x > 0."""
    return special.xlogy(1.0, x)


def log1p(x: np.ndarray) -> np.ndarray:
    """``np.log1p(x)`` for x > -1."""
    return special.boxcox1p(x, 0.0)


def exp(x: np.ndarray) -> np.ndarray:
    """``np.exp(x)``, infinite where it overflows."""
    return special.inv_boxcox(x, 0.0)


def power(base: float, x: np.ndarray) -> np.ndarray:
    """``np.power(base, x)`` as a float64 array (0-d for a scalar) for a positive ``base`` and
    exponents where it stays finite; raises ``OverflowError`` where numpy would give inf."""
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    out = np.empty(flat.size)
    for i in range(0, flat.size, _CHUNK):
        part = flat[i : i + _CHUNK].tolist()
        out[i : i + len(part)] = [math.pow(base, e) for e in part]
    return out.reshape(x.shape)
