"""Hostile input and process hygiene: nothing crashes, hangs, lies or is lost.

Each reproduction below once ended in a traceback, a hang, a nonsensical success or lost work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from truthsim.cli import main
from truthsim.scenario import bundled_path

AIRLINE = bundled_path("airline").read_text()  # type: ignore[union-attr]
FAST = ["--horizon-days", "40", "-q"]


def edit(old: str, new: str) -> str:
    assert old in AIRLINE, old
    return AIRLINE.replace(old, new, 1)


def invoke(*args: str) -> tuple[int, str]:
    """Run the command in-process; a traceback (any exception but an exit) fails the test."""
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: traceback") from result.exception
    return result.exit_code, result.output


def scenario_file(tmp_path: Path, text: str, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


ACCEPTED_BEFORE = [
    ("inf in the hourly profile", edit("hourly_profile: [0, 0,", "hourly_profile: [.inf, 0,")),
    ("nan in the hourly profile", edit("hourly_profile: [0, 0,", "hourly_profile: [.nan, 0,")),
    ("a vanishing arrival rate", edit("per_day: 80 ", "per_day: 1.0e-320 ")),
    ("an infinite arrival rate", edit("per_day: 80 ", "per_day: .inf ")),
    ("a huge arrival rate", edit("per_day: 80 ", "per_day: 1e308 ")),
    ("an infinite horizon", edit("horizon_days: 365", "horizon_days: .inf")),
    (
        "nan among empirical values",
        edit(
            "service: {kind: exponential, mean: 1.5}",
            "service: {kind: empirical, values: [.nan, 1]}",
        ),
    ),
    (
        "an improvement adding infinity",
        edit(
            "touchpoints.curbside.service.mean: x0.7", "touchpoints.curbside.service.mean: '+inf'"
        ),
    ),
    (
        "an improvement scaling to infinity",
        edit(
            "touchpoints.curbside.service.mean: x0.7", "touchpoints.curbside.service.mean: x1e308"
        ),
    ),
    (
        "'++1' is not +1",
        edit("touchpoints.ticket_counter.servers: +1", "touchpoints.ticket_counter.servers: '++1'"),
    ),
    (
        "'*2' is not x2",
        edit("touchpoints.ticket_counter.servers: +1", "touchpoints.ticket_counter.servers: '*2'"),
    ),
    ("nesting 800 levels deep", AIRLINE + "extra: " + "[" * 800 + "]" * 800 + "\n"),
]


@pytest.mark.parametrize(
    ("text",), [c[1:] for c in ACCEPTED_BEFORE], ids=[c[0] for c in ACCEPTED_BEFORE]
)
def test_validate_refuses_and_run_agrees(tmp_path: Path, text: str) -> None:
    """What validate accepts, run runs; what it refuses, run refuses the same way."""
    path = scenario_file(tmp_path, text)
    code, output = invoke("validate", path)
    assert code == 2, output
    assert "bad.yaml" in output
    code, output = invoke("run", path, "--horizon-days", "40")
    assert code == 2 and "bad.yaml" in output, output


@pytest.mark.slow
def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    bomb = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n'
    for level in range(1, 10):
        bomb += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]\n"
    path = scenario_file(tmp_path, AIRLINE + bomb)
    process = subprocess.run(
        [sys.executable, "-m", "truthsim", "validate", path],
        capture_output=True,
        text=True,
        timeout=60,  # a hang detector: the refusal itself takes well under a second
    )
    assert process.returncode == 2
    assert "aliases" in process.stderr and "Traceback" not in process.stderr


def test_a_device_or_a_huge_file_is_refused(tmp_path: Path) -> None:
    code, output = invoke("validate", "/dev/zero")
    assert code == 2 and "not a regular file" in output
    big = tmp_path / "big.yaml"
    big.write_text(AIRLINE + "#" * (2 << 20))
    code, output = invoke("validate", str(big))
    assert code == 2 and "larger than" in output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "airline", "--horizon-days", "inf"], "inf"),
        (["run", "airline", "--horizon-days", "nan"], "not a finite number"),
        (["whatif", "airline", "--precision", "nan"], "not a finite number"),
        (["sensitivity", "airline", "--fraction", "nan"], "not a finite number"),
        (["run", "airline", "--seed", str(2**64)], "seed"),
        (["whatif", "airline", "--backend", "dask", "--scheduler", "not a url"], "tcp://HOST:PORT"),
        (["sweep", "airline", "--vary", "arrivals.per_day=1..1000000000"], "1,000,000,000 values"),
        (["sweep", "airline", "--vary", "arrivals.per_day=1e308..1e309"], "finite"),
        (["sweep", "airline", "--vary", "arrivals.per_day=1,nan"], "finite"),
        (
            [
                "sweep",
                "airline",
                "--vary",
                "arrivals.per_day=60,80",
                "--vary",
                "arrivals.per_day=90",
            ],
            "given twice",
        ),
        (["sweep", "airline", "--vary", "arrivals.per_day=1..5000"], "5,000 points"),
        (["whatif", "airline", "--combinations", "3", "-r", "5000"], "simulations"),
        (["run", "airlien"], "did you mean 'airline'"),
    ],
)
def test_bad_command_lines_exit_2_with_a_message(args: list[str], fragment: str) -> None:
    code, output = invoke(*args)
    assert code == 2, output
    assert fragment in output, output


def test_a_large_run_needs_an_explicit_opt_in(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, edit("per_day: 80 ", "per_day: 5000 "), "large.yaml")
    code, output = invoke("validate", path)
    assert code == 2 and "--allow-large" in output and "1,825,000" in output
    code, output = invoke("run", path)
    assert code == 2 and "--allow-large" in output
    code, output = invoke("validate", path, "--allow-large")
    assert code == 0, output
    improved = scenario_file(
        tmp_path,
        edit(
            "    changes: {touchpoints.ticket_counter.servers: +1 from 5 to 23}",
            "    changes: {touchpoints.ticket_counter.servers: +1, arrivals.per_day: x1000}",
        ),
        "improved.yaml",
    )
    code, output = invoke("validate", improved)
    assert code == 2 and "improvements.extra_ticket_agent" in output


def test_runaway_word_of_mouth_stops_with_a_message() -> None:
    """Estimated at the baseline, referrals stay below 1 per customer; good memories make
    customers return far more often, so in the run they feed on themselves: the engine stops
    at its cap on active customers (here a small one, so the test is quick)."""
    from tests.conftest import make_scenario, station
    from truthsim import ScenarioError
    from truthsim.engine.plan import Plan
    from truthsim.engine.simulation import Simulation
    from truthsim.engine.streams import root_from_seed
    from truthsim.scenario.checks import referrals_per_customer
    from truthsim.scenario.limits import customer_cap

    desk = station(
        servers=None,
        outcomes={"misery": 0.0, "mediocrity": 0.0, "magic": 1.0},
        shifts={"misery": 0.0, "mediocrity": 0.0, "magic": 0.45},
    )
    scenario = make_scenario(
        {"desk": desk},
        per_day=2.0,
        horizon_days=400.0,
        baseline_return=0.3,
        word_of_mouth={"magic_tells": 3, "referred_share": 0.2, "magic_moments": 1},
    )
    assert referrals_per_customer(scenario) < 1, "allowed without a market size"
    assert customer_cap(scenario, allow_large=False) == 20 * 1_000
    assert customer_cap(scenario, allow_large=True) is None
    with pytest.raises(ScenarioError, match="grew past 800 active customers"):
        Simulation(Plan(scenario), root_from_seed(1), cap=800).run()


def test_a_bad_only_loses_no_saved_replications(shop_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "w"
    args = ["whatif", str(shop_file), "-r", "2", "--jobs", "1", "--out", str(out), "-q"]
    assert invoke(*args)[0] == 0
    kept = sorted(p.name for p in (out / "runs").iterdir())
    assert kept
    code, output = invoke(*args, "--force", "--only", "nosuch")
    assert code == 2 and "no improvement nosuch" in output
    assert sorted(p.name for p in (out / "runs").iterdir()) == kept, "nothing deleted"


@pytest.mark.slow
def test_force_replaces_a_results_folder_as_a_set(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert invoke("run", "airline", "--horizon-days", "40", "--out", str(out))[0] == 0
    (out / "notes.txt").write_text("mine")
    code, output = invoke(
        "run", "airline", "--horizon-days", "40", "--seed", "2", "--out", str(out), "--force",
        "--records", "npz",
    )  # fmt: skip
    assert code == 0, output
    names = {p.name for p in out.iterdir()}
    assert "records.npz" in names
    assert not names & {"moments.csv", "journeys.csv", "customers.csv"}, "stale files of seed 1"
    assert (out / "notes.txt").read_text() == "mine", "a user's own file is never touched"


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"  # a zombie has stopped; only its exit status is left to collect


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_stops_the_workers_and_keeps_finished_replications(
    shop_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "t"
    command = [sys.executable, "-m", "truthsim", "whatif", str(shop_file), "-r", "60", "--jobs",
               "2", "--horizon-days", "40", "--only", "friendlier_kiosk", "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    runs = out / "runs"
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and not (runs.exists() and any(runs.glob("*.json"))):
        workers = _children(process.pid) or workers
        time.sleep(0.02)
    workers = _children(process.pid) or workers
    assert process.poll() is None, "the run ended before it could be stopped"
    assert workers, "the run has worker processes"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "--resume" in err and "Traceback" not in err
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(_gone(pid) for pid in workers):
        time.sleep(0.05)
    assert all(_gone(pid) for pid in workers), "no worker outlives the run"
    assert any(runs.glob("*.json")), "finished replications are kept"


@pytest.mark.slow
def test_a_script_without_the_main_guard_is_told_about_it(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    script = tmp_path / "noguard.py"
    script.write_text(
        "from tests.conftest import shop\n"
        "from truthsim.experiments import Execution, replicate\n"
        "replicate(shop(), replications=2, execution=Execution(backend='dask', jobs=1))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
    process = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180, env=env
    )
    assert process.returncode != 0
    last = process.stderr.splitlines()[-1]
    assert last.startswith("truthsim.errors.ExperimentError"), last
    assert 'if __name__ == "__main__":' in last
