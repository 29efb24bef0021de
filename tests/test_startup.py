"""Start-up: light commands import only what they need, and every command's help is complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from truthsim.cli import COMMANDS, main

SRC = Path(__file__).resolve().parent.parent / "src"
HEAVY = (
    "matplotlib",
    "scipy.stats",
    "simpy",
    "SALib",
    "pandas",
    "truthsim.engine",
    "truthsim.experiments",
)


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["validate", "airline"], ["schema"]])
def test_light_commands_do_not_load_the_engine_statistics_or_plots(args: list[str]) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "truthsim", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert not [m for m in HEAVY if m in loaded], "imported only when a command needs it"


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    found = []
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {n}", c) for n, c in command.commands.items()]
    return found


@pytest.mark.parametrize(("name", "command"), _commands())
def test_every_command_has_examples_and_every_option_help(
    name: str, command: click.Command
) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    tail = result.output.rstrip().split("Examples:")
    assert len(tail) == 2, f"{name} --help ends with examples"
    examples = [line for line in tail[1].splitlines() if line.strip().startswith("truthsim ")]
    assert 2 <= len(examples) <= 3, examples
    missing = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
    assert not missing, f"{name}: options without help text: {missing}"


def test_the_command_list_matches_each_command() -> None:
    ctx = click.Context(main)
    for name, (_, _, short) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert short and short.endswith(".")
