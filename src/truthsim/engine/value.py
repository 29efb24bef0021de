"""Deprecated: this module is now :mod:`truthsim.engine.money`; the old name goes in the next release."""

from truthsim._renamed import renamed as _renamed

__getattr__ = _renamed(__name__, "truthsim.engine.money")
