"""Random numbers keyed by what they are for, so that scenarios share them (common random numbers).

A draw is a pure function of (replication root, customer, journey, slot), where a slot names a
step or touchpoint and a purpose (service time, patience, outcome, ...). Changing one touchpoint
therefore leaves every other draw as it was, whatever order events happen in. The hash is
SplitMix64's finaliser; a whole journey's uniforms come from one vectorised numpy call.
"""

from __future__ import annotations

import hashlib

import numpy as np

MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 2.0**-53
_HALF = 2.0**-54


def mix(x: int) -> int:
    """SplitMix64: a bijective, well-avalanched 64-bit mix of ``x``."""
    x = (x + _GOLDEN) & MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def key(*parts: int) -> int:
    """One 64-bit key from several (order matters)."""
    h = 0
    for part in parts:
        h = mix(h ^ (part & MASK))
    return h


def tag(name: str) -> int:
    """A stable 64-bit key for a name (a touchpoint, a purpose): the same in every process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def unit(x: int) -> float:
    """A 64-bit key as a uniform number strictly inside (0, 1)."""
    return (x >> 11) * _UNIT + _HALF


def _mix_array(x: np.ndarray) -> np.ndarray:
    x = x + _G
    x = (x ^ (x >> _S30)) * _U1
    x = (x ^ (x >> _S27)) * _U2
    return x ^ (x >> _S31)


def units(base: int, slots: np.ndarray) -> np.ndarray:
    """Uniforms for many slots under one base key, in one vectorised step."""
    x = _mix_array(np.uint64(base) ^ slots)
    return (x >> _S11).astype(np.float64) * _UNIT + _HALF


def root_from_seed(seed: int | np.random.SeedSequence) -> int:
    """The 64-bit root of a replication from an integer seed or a spawned SeedSequence."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


class Streams:
    """The keyed random numbers of one replication."""

    __slots__ = ("_bits", "_scratch", "_uniforms", "root", "slots")

    def __init__(self, root: int, slots: np.ndarray) -> None:
        self.root = root
        self.slots = slots
        self._bits = np.empty_like(slots)
        self._scratch = np.empty_like(slots)
        self._uniforms = np.empty(slots.shape, dtype=np.float64)

    def journey(self, customer: int, journey: int) -> list[float]:
        """All uniforms one journey may need, indexed by slot (``units`` with reused buffers)."""
        x, t = self._bits, self._scratch
        np.bitwise_xor(self.slots, np.uint64(key(self.root, customer, journey)), out=x)
        np.add(x, _G, out=x)
        np.right_shift(x, _S30, out=t)
        np.bitwise_xor(x, t, out=x)
        np.multiply(x, _U1, out=x)
        np.right_shift(x, _S27, out=t)
        np.bitwise_xor(x, t, out=x)
        np.multiply(x, _U2, out=x)
        np.right_shift(x, _S31, out=t)
        np.bitwise_xor(x, t, out=x)
        np.right_shift(x, _S11, out=x)
        np.multiply(x, _UNIT, out=self._uniforms)
        np.add(self._uniforms, _HALF, out=self._uniforms)
        return self._uniforms.tolist()

    def draw(self, *parts: int) -> float:
        """One uniform for a purpose outside a journey (segment, arrivals, referrals)."""
        return unit(key(self.root, *parts))

    def block(self, purpose: int, block: int, size: int) -> np.ndarray:
        """``size`` uniforms for the ``block``-th batch of a sequence (e.g. arrival gaps)."""
        return units(key(self.root, purpose, block), np.arange(size, dtype=np.uint64) * _U1)


_G, _U1, _U2 = np.uint64(_GOLDEN), np.uint64(_M1), np.uint64(_M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
