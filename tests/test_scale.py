"""Resumable runs and the Dask backend: interrupted or on a cluster, the same results."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import shop
from truthsim.cli import main
from truthsim.experiments import Execution, ExperimentError, compare


def whatif(shop_file: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "truthsim.cli",
        "whatif",
        str(shop_file),
        "-r",
        "4",
        "--jobs",
        "1",
        "--seed",
        "8",
        "--out",
        str(out),
        "-q",
        *extra,
    ]


#: the command line, stopped for good right after it saved its N-th replication (argv[1])
STOP_AFTER_SAVING = """
import sys, threading
from truthsim.experiments.checkpoints import Checkpoints
save = Checkpoints.save
def save_then_stop(self, task, summary):
    save(self, task, summary)
    if self.computed == int(sys.argv[1]):
        print("saved", self.computed, flush=True)
        threading.Event().wait()
Checkpoints.save = save_then_stop
from truthsim.cli import main
main(sys.argv[2:], prog_name="truthsim")
"""


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_same_result(shop_file: Path, tmp_path: Path) -> None:
    """Killed (SIGKILL) once it has saved exactly 3 of 16 replications: no timing involved."""
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(whatif(shop_file, whole), check=True, capture_output=True, timeout=300)

    command = whatif(shop_file, broken)
    process = subprocess.Popen(
        [sys.executable, "-c", STOP_AFTER_SAVING, "3", *command[3:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # returns once the third replication is on disk
    process.send_signal(signal.SIGKILL)  # no chance to clean up: like a lost machine
    process.wait()
    assert line.strip() == "saved 3"
    runs = broken / "runs"
    assert len(list(runs.glob("*.json"))) == 3
    assert not (broken / "whatif.json").exists()
    assert not list(runs.glob("*.tmp")), "only whole files: written to a temp file, then renamed"

    refused = subprocess.run(whatif(shop_file, broken), capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = subprocess.run(
        whatif(shop_file, broken, "--resume"),
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # the 3 saved are baseline replications 0-2; 'nothing_really' sets the baseline's own value,
    # so it is the same scenario and its replications 0-2 load from the same files
    assert f"resumed: 6 replications loaded from {runs}, 10 computed" in resumed.stderr
    for name in ("whatif.json", "whatif.csv", "replications.csv", "figures.json"):
        assert (broken / name).read_bytes() == (whole / name).read_bytes(), name


def test_force_starts_over(shop_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = [
        "whatif",
        str(shop_file),
        "-r",
        "2",
        "--jobs",
        "1",
        "--only",
        "friendlier_kiosk",
        "--out",
        str(out),
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    stale = out / "runs" / "stale.json"
    stale.write_text("{}")
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
    assert not stale.exists(), "--force discards the kept replications"
    resume_without_out = CliRunner().invoke(main, ["whatif", str(shop_file), "--resume"])
    assert resume_without_out.exit_code == 2 and "--out" in resume_without_out.output


@pytest.mark.slow
def test_dask_backend_needs_a_reachable_scheduler(monkeypatch) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("truthsim.experiments.on_dask.CONNECT_TIMEOUT", 2)
    with pytest.raises(ExperimentError, match="cannot reach the Dask scheduler"):
        compare(
            shop(),
            ["friendlier_kiosk"],
            replications=2,
            execution=Execution(jobs=1, backend="dask", scheduler="tcp://127.0.0.1:9"),
        )
    with pytest.raises(ExperimentError, match="dask backend"):
        compare(
            shop(),
            ["friendlier_kiosk"],
            replications=2,
            execution=Execution(jobs=1, backend="local", scheduler="tcp://x:1"),
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dask_cluster_survives_a_dead_worker_with_identical_results(tmp_path: Path) -> None:
    """A scheduler and two workers on loopback; one worker is killed mid-run."""
    pytest.importorskip("dask.distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    log = (tmp_path / "cluster.log").open("w")
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        stdout=log,
        stderr=log,
        env=env,
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=log,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        from dask.distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        killed: list[int] = []

        def kill_one(done: int, total: int) -> None:
            if done == 2 and not killed:
                workers[0].send_signal(signal.SIGKILL)
                killed.append(workers[0].pid)

        scenario = shop()
        on_cluster = compare(
            scenario,
            replications=6,
            seed=3,
            execution=Execution(jobs=2, backend="dask", scheduler=address, progress=kill_one),
        )
        assert killed, "a worker was killed while replications were still running"
        local = compare(scenario, replications=6, seed=3, execution=Execution(jobs=2))
        assert on_cluster.to_dict() == local.to_dict()
        assert on_cluster.to_records().tobytes() == local.to_records().tobytes()
    finally:
        for process in [*workers, scheduler]:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.slow
def test_dask_local_cluster_matches_the_pool() -> None:
    pytest.importorskip("dask.distributed")
    on_dask = compare(
        shop(),
        ["three_more_staff"],
        replications=2,
        seed=5,
        execution=Execution(jobs=2, backend="dask"),
    )
    local = compare(
        shop(), ["three_more_staff"], replications=2, seed=5, execution=Execution(jobs=1)
    )
    assert on_dask.to_dict() == local.to_dict()


def test_without_dask_the_message_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ExperimentError, match=r"pip install 'truthsim\[dask\]'"):
        compare(
            shop(),
            ["friendlier_kiosk"],
            replications=2,
            execution=Execution(jobs=1, backend="dask"),
        )


def test_a_failing_replication_says_which_and_why(monkeypatch) -> None:
    from truthsim.experiments import replication

    def broken(scenario, seed, **options):
        raise ZeroDivisionError("the dice fell off the table")

    monkeypatch.setattr(replication, "simulate", broken)
    with pytest.raises(
        replication.ReplicationFailed,
        match=r"\(baseline\), replication 0 of seed 7 failed: "
        r"ZeroDivisionError: the dice fell off the table",
    ):
        compare(shop(), ["friendlier_kiosk"], replications=2, seed=7, execution=Execution(jobs=1))
