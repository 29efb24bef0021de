"""Replications on a Dask cluster: a running scheduler, or a local cluster of worker processes.

A selection procedure asks for replications stage after stage; starting a local cluster (or
connecting to a scheduler) for each stage would pay that start-up at every stage (about 0.6 s
for a local cluster of 2 workers here: benchmarks/results/cluster.json, the cold run against
the warm one). So the client is kept
for the rest of the session, one per scheduler (or per size of local cluster), and closed when
Python exits (:func:`close_clients` closes them earlier).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import re
from collections.abc import Callable, Sequence
from typing import Any

from truthsim.errors import ExperimentError

#: seconds to wait for a Dask scheduler to answer
CONNECT_TIMEOUT = 20
GUARD = (
    'in a script, put the code that runs experiments under `if __name__ == "__main__":`: '
    "the dask backend starts worker processes that import the script again"
)
_ADDRESS = re.compile(r"^(?:[a-z]+://)?[^\s:/]+:\d{1,5}$")
#: the clients kept for the session, by scheduler address or ("local", workers)
_CLIENTS: dict[Any, tuple[Any, Any]] = {}


def check_scheduler(address: str) -> str:
    """A Dask scheduler address as ``tcp://HOST:PORT`` (or ``HOST:PORT``), or an ExperimentError."""
    if not _ADDRESS.match(address.strip()):
        raise ExperimentError(
            f"'{address}' is not a Dask scheduler address; write tcp://HOST:PORT "
            "(e.g. tcp://10.0.0.5:8786), as the scheduler prints when it starts"
        )
    return address.strip()


def client_for(jobs: int, scheduler: str | None) -> Any:
    """The session's client of the scheduler, or of a local cluster of ``jobs`` workers."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise ExperimentError(GUARD)  # a worker process is importing the user's script
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ExperimentError(
            "the dask backend needs Dask distributed: pip install 'truthsim[dask]'"
        ) from None
    if scheduler is not None:
        scheduler = check_scheduler(scheduler)
        if "://" not in scheduler:
            scheduler = "tcp://" + scheduler  # one client for HOST:PORT and tcp://HOST:PORT
    key = scheduler if scheduler is not None else ("local", jobs)
    kept = _CLIENTS.pop(key, None)
    if kept is not None:
        if kept[0].status == "running":
            _CLIENTS[key] = kept
            return kept[0]
        _close(*kept)  # closed or lost: its local cluster goes with it
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as error:
        raise ExperimentError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
    except (ValueError, TypeError) as error:
        raise ExperimentError(f"cannot use the Dask scheduler {scheduler}: {error}") from None
    except Exception as error:
        if cluster is not None:
            cluster.close()
        raise ExperimentError(
            f"could not start a local Dask cluster ({type(error).__name__}: {error}); {GUARD}"
        ) from None
    _CLIENTS[key] = (client, cluster)
    return client


def workers_of(jobs: int, scheduler: str | None) -> int:
    """How many replications the cluster runs at once now: its workers' threads (a local
    cluster: ``jobs`` workers of one thread)."""
    if scheduler is None:
        return jobs
    return max(1, sum(client_for(jobs, scheduler).nthreads().values()))


def close_clients() -> None:
    """Close the clients (and local clusters) kept for the session."""
    while _CLIENTS:
        _close(*_CLIENTS.popitem()[1])


def _close(client: Any, cluster: Any) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


atexit.register(close_clients)


def run_on_dask(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    jobs: int,
    scheduler: str | None,
    collect: Callable[[int, int, Any], None],
) -> None:
    """Each task on the cluster; ``collect(done, index, result)`` as each comes back."""
    client = client_for(jobs, scheduler)  # first: it says how to install Dask where it is missing
    from dask.distributed import as_completed as dask_completed

    futures: list[Any] = []
    try:
        futures = [client.submit(function, task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        for done, future in enumerate(dask_completed(futures), start=1):
            try:
                result = future.result()
            except Exception as error:
                if type(error).__name__ == "KilledWorker":
                    raise ExperimentError(
                        "Dask workers kept dying while running a replication (out of memory, or "
                        f"killed); finished replications are kept with --out ({error})"
                    ) from None
                raise
            collect(done, index[future.key], result)
    finally:
        if futures:
            client.cancel(futures)
