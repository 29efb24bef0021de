"""Where replications run: here, in a pool of local processes, or on a Dask cluster.

Every task is a pure function of its inputs (scenario, seed), so results are identical whatever
the backend or number of workers; they are returned in task order. ``on_result`` hears of each
result as it arrives (for checkpoints); ``progress`` of how many are done.
"""

from __future__ import annotations

import numbers
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from truthsim.errors import ExperimentError
from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.on_dask import check_scheduler, run_on_dask, workers_of
from truthsim.experiments.progress import Progress, progress_display

T = TypeVar("T")
R = TypeVar("R")
Backend = Literal["local", "dask"]
BACKENDS: tuple[str, ...] = ("local", "dask")


@dataclass(frozen=True)
class Execution:
    """How an experiment runs its replications: where, on how many workers, kept where.

    One object for what every experiment shares, so a script sets it once and passes it to each
    call (``execution=``). None of it changes a result: the same seed gives the same numbers on
    any backend and any number of workers. Checked when made, so a slip is reported before
    anything is simulated.
    """

    jobs: int | None = None  #: worker processes (1: this process; None: all cores)
    backend: Backend = "local"  #: local processes, or a Dask cluster
    scheduler: str | None = None  #: a running Dask scheduler (tcp://HOST:PORT), with dask
    checkpoints: Path | Checkpoints | None = None  #: a folder, or Checkpoints(folder, fresh=True)
    progress: Progress | bool | None = None  #: a callback, or True for a bar (or lines in a log)
    allow_large: bool = False  #: run replications beyond the size limits (see scenario.limits)

    def __post_init__(self) -> None:
        if self.jobs is not None:
            check_jobs(self.jobs)
        check_backend(self.backend, self.scheduler)
        if isinstance(self.checkpoints, str):  # a folder's name is as good as its Path
            object.__setattr__(self, "checkpoints", Path(self.checkpoints))

    def workers(self) -> int:
        """How many replications run at once: the worker processes, or the threads of the Dask
        cluster's workers (asked of its scheduler each time)."""
        jobs = default_jobs() if self.jobs is None else self.jobs
        return workers_of(jobs, self.scheduler) if self.backend == "dask" else jobs


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run_tasks(
    function: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int | None = None,
    progress: Progress | bool | None = None,
    *,
    backend: Backend = "local",
    scheduler: str | None = None,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``[function(t) for t in tasks]`` on the chosen backend, reporting each result as it comes.

    ``local``: ``jobs`` worker processes (1: this process; None: all cores). ``dask``: the Dask
    cluster at ``scheduler`` (``tcp://host:port``), or a local one of ``jobs`` workers, kept
    for the session (see on_dask). ``progress=True`` shows a bar on a terminal or in a
    notebook, and plain lines every few seconds in a log. An interruption (Ctrl-C, SIGTERM)
    stops every worker.
    """
    if progress is True:
        with progress_display("replications") as display:
            return run_tasks(
                function,
                tasks,
                jobs,
                display,
                backend=backend,
                scheduler=scheduler,
                on_result=on_result,
            )
    jobs = default_jobs() if jobs is None else jobs
    check_jobs(jobs)
    check_backend(backend, scheduler)
    total = len(tasks)
    results: list[Any] = [None] * total

    def collect(done: int, index: int, result: Any) -> None:
        results[index] = result
        if on_result:
            on_result(index, result)
        if callable(progress):
            progress(done, total)

    if backend == "dask":
        run_on_dask(function, tasks, jobs, scheduler, collect)
    elif jobs == 1 or total <= 1:
        for i, task in enumerate(tasks):
            collect(i + 1, i, function(task))
    else:
        _run_in_pool(function, tasks, min(jobs, total), collect)
    return results


def check_jobs(jobs: int) -> None:
    """A whole number of workers, at least one, or an ExperimentError."""
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral):
        raise ExperimentError(f"jobs must be a whole number of workers, not {jobs!r}")
    if jobs < 1:
        raise ExperimentError(f"jobs must be at least 1, not {jobs}")


def check_backend(backend: str, scheduler: str | None) -> None:
    """A known backend, and a scheduler address only with Dask; else an ExperimentError."""
    if backend not in BACKENDS:
        raise ExperimentError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
    if backend == "local" and scheduler is not None:
        raise ExperimentError("a scheduler address goes with the dask backend (backend='dask')")
    if scheduler is not None:
        check_scheduler(scheduler)


def _run_in_pool(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    workers: int,
    collect: Callable[[int, int, Any], None],
) -> None:
    """Local worker processes; on any interruption or error they are stopped, not waited for."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_ignores_interrupts)
    try:
        futures = {pool.submit(function, task): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            collect(done, futures[future], future.result())
    except BaseException:
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # a replication may run for minutes: do not wait for it
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        raise
    pool.shutdown()


def _worker_ignores_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal; the parent alone decides what happens,
    and stops a worker with SIGTERM (whose default action a forked worker must get back)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
