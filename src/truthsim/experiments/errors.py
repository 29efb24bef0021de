"""Deprecated: the experiments' errors live in :mod:`truthsim.errors`; this name goes in the next
release."""

from truthsim._renamed import renamed

__getattr__ = renamed(__name__, "truthsim.errors")
