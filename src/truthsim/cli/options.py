"""Options shared by the commands that simulate."""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from truthsim.cli.friendly import RunFailed, UserError
from truthsim.cli.params import Choice, Finite, allow_large_option
from truthsim.errors import ExperimentError
from truthsim.experiments.backends import (
    BACKENDS,
    Backend,
    Execution,
    check_scheduler,
    default_jobs,
)
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.limits import MAX_REPLICATIONS
from truthsim.experiments.progress import Progress, progress_display
from truthsim.experiments.replication import DEFAULT_REPLICATIONS
from truthsim.io import check_free, to_json
from truthsim.scenario.limits import MAX_DAYS


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--seed``, ``--horizon-days`` and ``--warmup-days``, the same on every simulating
    command."""
    command = click.option(
        "--warmup-days",
        type=Finite(min=0, max=MAX_DAYS),
        help="Days left out of the statistics at the start (overrides the scenario's "
        "warmup_days; 0 for an established base).",
    )(command)
    command = click.option(
        "--horizon-days",
        type=Finite(min=0, min_open=True, max=MAX_DAYS),
        help="Days to simulate (overrides the scenario's horizon_days).",
    )(command)
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**63 - 1),
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
    warmup_days: float | None
    backend: Backend
    scheduler: str | None
    allow_large: bool

    def execution(
        self, progress: Progress | None, checkpoints: Checkpoints | None = None
    ) -> Execution:
        """How the replications run, from the flags (the bar and the checkpoint folder are the
        command's own)."""
        return Execution(
            jobs=self.jobs,
            backend=self.backend,
            scheduler=self.scheduler,
            checkpoints=checkpoints,
            progress=progress,
            allow_large=self.allow_large,
        )

    def api(
        self, progress: Progress | None, checkpoints: Checkpoints | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for compare / sweep / sensitivity / leverage."""
        return {
            "replications": self.replications,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "execution": self.execution(progress, checkpoints),
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
                type=click.IntRange(min=2, max=MAX_REPLICATIONS),
                default=DEFAULT_REPLICATIONS,
                show_default=True,
                help="Replications per variant (common random numbers across variants).",
            ),
            click.option(
                "--jobs",
                type=click.IntRange(min=1, max=1024),
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
            click.option(
                "--quiet",
                "-q",
                is_flag=True,
                help="No progress (a bar on a terminal, a line every few seconds otherwise).",
            ),
            click.option(
                "--backend",
                type=Choice(BACKENDS),
                default="local",
                show_default=True,
                help="Local worker processes, or a Dask cluster (pip install 'truthsim[dask]').",
            ),
            click.option(
                "--scheduler",
                metavar="tcp://HOST:PORT",
                callback=_scheduler_address,
                help="A running Dask scheduler (with --backend dask); without it, a local cluster.",
            ),
            allow_large_option,
        ]
    ):
        gather = option(gather)
    return run_options(gather)


def _scheduler_address(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return check_scheduler(value)
    except ExperimentError as error:
        raise click.BadParameter(str(error), ctx, param) from None


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[Progress | None]:
    """Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise."""
    with progress_display(label, "none" if quiet else "auto") as report:
        yield report


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so it ends like Ctrl-C: workers stopped, work kept."""


@contextmanager
def interruptible(checkpoints: Path | None) -> Iterator[None]:
    """Ctrl-C or SIGTERM end the run and its workers; finished replications stay in ``checkpoints``."""

    def terminate(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except KeyboardInterrupt as stop:
        how, code = (
            ("terminated (SIGTERM)", 143)
            if isinstance(stop, Terminated)
            else (
                "interrupted",
                130,
            )
        )
        if checkpoints is None:
            raise RunFailed(
                f"{how}; nothing was kept (--out DIR keeps finished replications)", code
            ) from None
        kept = len(list(checkpoints.glob("*.json"))) if checkpoints.exists() else 0
        raise RunFailed(
            f"{how}; {kept} finished replication{'s' * (kept != 1)} kept in {checkpoints}: run the "
            "same command with --resume to finish",
            code,
        ) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


resume_option = click.option(
    "--resume", is_flag=True, help="Finish an interrupted run whose replications are in --out."
)


def check_out(out: Path | None, resume: bool, force: bool) -> Path | None:
    """Check the output folder before running (changing nothing); the checkpoint folder, if any.

    A folder that already holds results is used only to --resume an interrupted run there, or
    replaced with --force.
    """
    if out is None:
        if resume:
            raise UserError("--resume needs --out DIR: the folder of the interrupted run")
        return None
    if resume and force:
        raise UserError("--resume finishes the run in --out; --force starts over: choose one")
    runs = out / "runs"
    if not (resume or force):
        try:
            check_free(out)
        except FileExistsError:
            taken = "results"
        else:
            taken = "replications (runs/)" if runs.exists() else ""
        if taken:
            raise UserError(
                f"{out} already holds {taken}; add --resume to finish an interrupted run there, "
                "or --force to start over"
            )
    return runs


def checkpoint_store(runs: Path | None, force: bool) -> Checkpoints | None:
    """The checkpoint folder as a store that counts what it loads and computes; with --force it
    starts over once the run first uses it."""
    return Checkpoints(runs, fresh=force) if runs is not None else None


def tell_resumed(store: Checkpoints | None, resume: bool) -> None:
    """After --resume, say on stderr how many replications were reused and how many computed."""
    if resume and store is not None:
        click.echo(
            f"resumed: {store.loaded} replications loaded from {store.folder}, "
            f"{store.computed} computed",
            err=True,
        )
