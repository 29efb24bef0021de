"""Where replications run: here, in a pool of local processes, or on a Dask cluster.

Every task is a pure function of its inputs (scenario, seed), so results are identical whatever
the backend or number of workers; they are returned in task order. ``on_result`` hears of each
result as it arrives (for checkpoints); ``progress`` of how many are done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from truthsim.experiments.checkpoints import Checkpoints
from truthsim.experiments.errors import ExperimentError

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]
Backend = Literal["local", "dask"]
BACKENDS: tuple[str, ...] = ("local", "dask")
#: seconds to wait for a Dask scheduler to answer
CONNECT_TIMEOUT = 20


@dataclass(frozen=True)
class Execution:
    """How an experiment runs its replications: where, on how many workers, kept where."""

    jobs: int | None = None
    backend: Backend = "local"
    scheduler: str | None = None
    checkpoints: Path | Checkpoints | None = None
    progress: Progress | None = None


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
    progress: Progress | None = None,
    *,
    backend: Backend = "local",
    scheduler: str | None = None,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``[function(t) for t in tasks]`` on the chosen backend, reporting each result as it comes.

    ``local``: ``jobs`` worker processes (1: this process; None: all cores). ``dask``: the Dask
    cluster at ``scheduler`` (``tcp://host:port``), or a local one of ``jobs`` workers started
    and closed here.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ExperimentError(f"jobs must be at least 1, not {jobs}")
    if backend not in BACKENDS:
        raise ExperimentError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
    if backend == "local" and scheduler is not None:
        raise ExperimentError("a scheduler address goes with the dask backend (backend='dask')")
    total = len(tasks)
    results: list[Any] = [None] * total

    def collect(done: int, index: int, result: Any) -> None:
        results[index] = result
        if on_result:
            on_result(index, result)
        if progress:
            progress(done, total)

    if backend == "dask":
        _run_on_dask(function, tasks, jobs, scheduler, collect)
    elif jobs == 1 or total <= 1:
        for i, task in enumerate(tasks):
            collect(i + 1, i, function(task))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
            futures = {pool.submit(function, task): i for i, task in enumerate(tasks)}
            try:
                for done, future in enumerate(as_completed(futures), start=1):
                    collect(done, futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return results


def _run_on_dask(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    jobs: int,
    scheduler: str | None,
    collect: Callable[[int, int, Any], None],
) -> None:
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise ExperimentError(
            "the dask backend needs Dask distributed: pip install 'truthsim[dask]'"
        ) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as error:
        raise ExperimentError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
    try:
        futures = [client.submit(function, task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        for done, future in enumerate(dask_completed(futures), start=1):
            collect(done, index[future.key], future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
