"""Handing results to pandas (see :mod:`truthsim.tables`)."""

from truthsim.tables import PANDAS_HINT, records_to_pandas

__all__ = ["PANDAS_HINT", "records_to_pandas"]
