"""Deprecated: this module is now :mod:`truthsim.engine.simulation`; the old name goes in the next release."""

from truthsim._renamed import renamed

__getattr__ = renamed(__name__, "truthsim.engine.simulation")
