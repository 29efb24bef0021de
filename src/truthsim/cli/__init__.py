"""The ``truthsim`` command: a thin click layer over the Python API."""

from __future__ import annotations

import click

from truthsim import __version__
from truthsim.cli.figures import plot
from truthsim.cli.report import report
from truthsim.cli.run import run
from truthsim.cli.scenarios import scenarios, schema, validate
from truthsim.cli.sensitivity import sensitivity_command
from truthsim.cli.sweep import sweep_command
from truthsim.cli.whatif import whatif


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="truthsim")
def main() -> None:
    """Simulate customer journeys as chains of moments of truth, and ask what-if."""


main.add_command(run)
main.add_command(validate)
main.add_command(schema)
main.add_command(scenarios)
main.add_command(whatif)
main.add_command(plot)
main.add_command(report)
main.add_command(sweep_command)
main.add_command(sensitivity_command)

__all__ = ["main"]
