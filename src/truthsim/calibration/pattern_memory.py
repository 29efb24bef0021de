"""The memory models of :mod:`truthsim.behaviour.memory`, applied to every moment pattern at once.

The likelihood is evaluated thousands of times in a fit and each evaluation remembers every
distinct pattern of moments; calling the engine's function once per pattern dominated its cost.
These array forms compute the same numbers (tests compare them with the engine's functions).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class PatternMemory:
    """Remembered shift of each pattern, for per-code impacts and per-pattern sensitivity."""

    def __init__(self, patterns: Sequence[tuple[int, tuple[int, ...]]], model: str, decay: float):
        self.model = model
        self.length = np.array([len(codes) for _, codes in patterns], dtype=np.int64)
        width = max(int(self.length.max()) if len(patterns) else 0, 1)
        self.segment = np.array([s for s, _ in patterns], dtype=np.int64)
        self.codes = np.zeros((len(patterns), width), dtype=np.int64)
        self.mask = np.zeros((len(patterns), width), dtype=bool)
        for p, (_, codes) in enumerate(patterns):
            self.codes[p, : len(codes)] = codes
            self.mask[p, : len(codes)] = True
        position = np.arange(width)[None, :]
        self.weights = np.where(
            self.mask, float(decay) ** np.maximum(self.length[:, None] - 1 - position, 0), 0.0
        )
        self.last = np.maximum(self.length - 1, 0)

    def __call__(self, flat_impacts: np.ndarray, sensitivity: np.ndarray) -> np.ndarray:
        """Per pattern, the remembered shift (0 for a journey without moments)."""
        m = flat_impacts[self.codes] * sensitivity[self.segment][:, None]
        m = np.where(self.mask, m, 0.0)
        if self.model == "additive":
            return m.sum(axis=1)
        if self.model == "recency":
            return (m * self.weights).sum(axis=1)
        empty = self.length == 0
        if self.model == "weakest_link":
            return np.where(empty, 0.0, np.where(self.mask, m, np.inf).min(axis=1))
        if self.model == "peak_end":
            size = np.where(self.mask, np.abs(m), -1.0)
            top = size.max(axis=1, keepdims=True)
            # the most intense moment; on a tie the worse one
            peak = np.where(self.mask & (size == top), m, np.inf).min(axis=1)
            last = m[np.arange(len(m)), self.last]
            return np.where(empty, 0.0, (peak + last) / 2.0)
        raise ValueError(f"no array form for memory model {self.model!r}")
