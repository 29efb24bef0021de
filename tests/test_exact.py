"""Elementwise exp, log, log1p and power through the C library: its values, shapes, overflow.

On a processor without AVX-512 numpy's functions give these values too, so these tests check
that each function is the right one; that the engine avoids numpy's own is checked in
tests/test_reproducibility.py."""

from __future__ import annotations

import math

import numpy as np

from truthsim import exact


def test_each_element_is_maths_own() -> None:
    u = np.random.default_rng(3).random((40, 7))
    assert np.array_equal(exact.log(u), np.vectorize(math.log)(u))
    assert np.array_equal(exact.log1p(-u), np.vectorize(math.log1p)(-u))
    assert np.array_equal(exact.exp(u * 5), np.vectorize(math.exp)(u * 5))
    assert np.array_equal(exact.power(1.12, -u), np.vectorize(lambda e: math.pow(1.12, e))(-u))
    assert exact.exp(u).shape == u.shape and exact.power(2.0, np.float64(3.0)).shape == ()


def test_exp_overflows_to_infinity_as_numpys_does() -> None:
    x = np.array([0.0, 709.0, 710.0, 1e308, -1e308, np.nan])

    def expected(v: float) -> float:
        try:
            return math.exp(v)
        except OverflowError:
            return math.inf

    got = exact.exp(x)
    assert np.array_equal(got, [expected(v) for v in x], equal_nan=True)
    assert got[2] == math.inf and got[4] == 0.0
