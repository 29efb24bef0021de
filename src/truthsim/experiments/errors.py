"""Deprecated: the experiments' errors live in :mod:`truthsim.errors`; this name goes in the next
release."""

from truthsim._renamed import renamed as _renamed

__getattr__ = _renamed(__name__, "truthsim.errors")
