"""Mistakes in what an experiment asks for (an unknown improvement, metric or parameter)."""


class ExperimentError(ValueError):
    """An experiment that cannot run as asked; the message says what to ask instead."""
