"""Mistakes in what an experiment asks for (an unknown improvement, metric or parameter), and
replications that fail. Defined in :mod:`truthsim.errors` so the CLI can catch them cheaply."""

from truthsim.errors import ExperimentError, ReplicationFailed

__all__ = ["ExperimentError", "ReplicationFailed"]
