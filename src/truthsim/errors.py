"""The errors experiments raise, importable without loading the experiments themselves.

The command line catches them around every command; keeping them here lets ``truthsim
validate`` start without importing the statistics and the engine.
"""


class ExperimentError(ValueError):
    """An experiment that cannot run as asked; the message says what to ask instead."""


class ReplicationFailed(RuntimeError):
    """A replication raised: says which scenario variant and replication, and why."""


class DataError(ExperimentError):
    """Calibration data that cannot be used: each line names the file, row, column and the fix."""
