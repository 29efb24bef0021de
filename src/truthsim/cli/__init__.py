"""The ``truthsim`` command: a thin click layer over the Python API.

Each command's module is imported only when that command runs (or its help is shown), so
``truthsim --help``, ``--version``, ``validate`` and ``schema`` start without loading the
engine, the statistics or matplotlib.
"""

from __future__ import annotations

import difflib
import importlib

import click

from truthsim import __version__

#: command name -> (module, function, one-line help shown by ``truthsim --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("truthsim.cli.run", "run", "Simulate a scenario once and summarise it."),
    "validate": ("truthsim.cli.scenarios", "validate", "Check a scenario file."),
    "schema": ("truthsim.cli.scenarios", "schema", "Print the scenario JSON Schema."),
    "scenarios": ("truthsim.cli.scenarios", "scenarios", "List or copy the bundled scenarios."),
    "whatif": ("truthsim.cli.whatif", "whatif", "Rank the improvements by customers kept."),
    "sweep": ("truthsim.cli.sweep", "sweep_command", "Run a grid of parameter values."),
    "sensitivity": (
        "truthsim.cli.sensitivity",
        "sensitivity_command",
        "Which parameters move a result most.",
    ),
    "leverage": (
        "truthsim.cli.leverage",
        "leverage_command",
        "Map every moment's levers: where magic keeps most.",
    ),
    "report": ("truthsim.cli.report", "report", "Write a self-contained HTML report."),
    "plot": ("truthsim.cli.figures", "plot", "Redraw the figures of saved results."),
    "calibrate": (
        "truthsim.cli.calibrate",
        "calibrate_command",
        "Fit a scenario to a firm's data, with intervals.",
    ),
    "synthesize": (
        "truthsim.cli.calibrate",
        "synthesize_command",
        "Write example data files from a scenario.",
    ),
    "forecast": (
        "truthsim.cli.forecast",
        "forecast_command",
        "Carry a firm's customers forward, or check a forecast on a holdout.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and name not in COMMANDS and not name.startswith("-"):
            close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            ctx.fail(f"No such command '{name}'{hint} (commands: {', '.join(COMMANDS)})")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  truthsim validate my.yaml
  truthsim whatif airline -r 20 --plots plots/
  truthsim COMMAND --help        # each command's options and examples
""",
)
@click.version_option(__version__, prog_name="truthsim")
def main() -> None:
    """Simulate customer journeys as chains of moments of truth, and ask what-if."""


__all__ = ["main"]
