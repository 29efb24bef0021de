"""Options shared by the commands that simulate."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from truthsim.cli.errors import UserError
from truthsim.experiments.backends import BACKENDS, Progress, default_jobs
from truthsim.experiments.replication import DEFAULT_REPLICATIONS
from truthsim.io import to_json


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--seed`` and ``--horizon-days``, the same on every simulating command."""
    command = click.option(
        "--horizon-days",
        type=click.FloatRange(min=0, min_open=True),
        help="Days to simulate (overrides the scenario's horizon_days).",
    )(command)
    return click.option(
        "--seed",
        type=click.IntRange(min=0),
        help="Root seed (default: the scenario's seed). Same seed, same results.",
    )(command)


@dataclass(frozen=True)
class ExperimentSettings:
    """The options every experiment command shares, gathered by :func:`experiment_options`."""

    replications: int
    jobs: int | None
    out: Path | None
    as_json: bool
    force: bool
    quiet: bool
    seed: int | None
    horizon_days: float | None
    backend: str
    scheduler: str | None

    def api(self, progress: Progress | None) -> dict[str, Any]:
        """Keyword arguments for replicate / compare / sweep / sensitivity."""
        return {
            "replications": self.replications,
            "seed": self.seed,
            "jobs": self.jobs,
            "horizon_days": self.horizon_days,
            "progress": progress,
            "backend": self.backend,
            "scheduler": self.scheduler,
        }

    def show(self, data: dict[str, Any], text: Callable[[], str]) -> None:
        """Print the results: JSON with --json, else the readable text."""
        click.echo(to_json(data), nl=False) if self.as_json else click.echo(text())


def experiment_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Replications, workers, files, backend and run options, passed on as ``settings``."""

    @functools.wraps(command)
    def gather(*args: Any, **kwargs: Any) -> Any:
        names = ExperimentSettings.__dataclass_fields__
        settings = ExperimentSettings(**{name: kwargs.pop(name) for name in names})
        return command(*args, settings=settings, **kwargs)

    for option in reversed(
        [
            click.option(
                "-r",
                "--replications",
                type=click.IntRange(min=2),
                default=DEFAULT_REPLICATIONS,
                show_default=True,
                help="Replications per variant (common random numbers across variants).",
            ),
            click.option(
                "--jobs",
                type=click.IntRange(min=1),
                default=None,
                help=f"Worker processes [default: all cores, here {default_jobs()}].",
            ),
            click.option(
                "--out",
                type=click.Path(file_okay=False, path_type=Path),
                help="Write the tables (CSV, JSON) and per-replication results here.",
            ),
            click.option(
                "--json", "as_json", is_flag=True, help="Print results as JSON (results only)."
            ),
            click.option("--force", is_flag=True, help="Overwrite files already in --out."),
            click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
            click.option(
                "--backend",
                type=click.Choice(BACKENDS),
                default="local",
                show_default=True,
                help="Local worker processes, or a Dask cluster (pip install 'truthsim[dask]').",
            ),
            click.option(
                "--scheduler",
                metavar="tcp://HOST:PORT",
                help="A running Dask scheduler (with --backend dask); without it, a local cluster.",
            ),
        ]
    ):
        gather = option(gather)
    return run_options(gather)


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr for an interactive terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield report
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


resume_option = click.option(
    "--resume", is_flag=True, help="Finish an interrupted run whose replications are in --out."
)


def prepare_out(out: Path | None, files: list[str], resume: bool, force: bool) -> Path | None:
    """Check the output folder before running; return the checkpoint folder to use, if any.

    A folder that already holds results is used only to --resume an interrupted run, or
    overwritten with --force (which also discards the replications kept there).
    """
    if out is None:
        if resume:
            raise UserError("--resume needs --out DIR: the folder of the interrupted run")
        return None
    runs = out / "runs"
    taken = [n for n in files if (out / n).exists()] + (["runs/"] if runs.exists() else [])
    if taken and not (resume or force):
        raise UserError(
            f"{out} already holds results ({', '.join(taken)}); add --resume to finish an "
            "interrupted run there, or --force to start over"
        )
    if force and not resume and runs.exists():
        shutil.rmtree(runs)
    return runs
