"""Turning user mistakes into one clear message and exit status 2, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from truthsim.errors import ExperimentError, ReplicationFailed
from truthsim.io import OutputExistsError
from truthsim.scenario import ScenarioError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USAGE = 2


class UserError(click.ClickException):
    """A mistake in what the user asked for: printed as is, exit status 2."""

    exit_code = EXIT_USAGE

    def format_message(self) -> str:
        return self.message

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class RunFailed(click.ClickException):
    """A simulation that failed (not the user's wording): said plainly, exit status 1."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def friendly(command: F) -> F:
    """Report scenario and output problems as :class:`UserError`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as error:
            count = len(error.problems)
            head = f"the scenario has {count} problem{'s' * (count != 1)}:\n"
            raise UserError(head + str(error)) from None
        except ExperimentError as error:
            raise UserError(str(error)) from None
        except ReplicationFailed as error:
            raise RunFailed(str(error)) from None
        except KeyboardInterrupt:
            raise RunFailed(
                "interrupted; with --out, run the same command with --resume to finish", 130
            ) from None
        except (OutputExistsError, OSError) as error:
            raise UserError(str(error)) from None

    return wrapper  # type: ignore[return-value]
