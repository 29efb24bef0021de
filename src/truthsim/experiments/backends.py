"""Where replications run: in this process, or in a pool of local worker processes.

Every task is a pure function of its inputs (scenario, seed), so results are identical whatever
the backend or number of workers; they are returned in task order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


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
) -> list[R]:
    """``[function(t) for t in tasks]``, on ``jobs`` processes (1: here), reporting progress."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    total = len(tasks)
    results: list[Any] = [None] * total
    if jobs == 1 or total <= 1:
        for i, task in enumerate(tasks):
            results[i] = function(task)
            if progress:
                progress(i + 1, total)
        return results
    with ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
        futures = {pool.submit(function, task): i for i, task in enumerate(tasks)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results
