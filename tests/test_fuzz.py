"""Property-based hostile input: mutated bundled scenarios and bad command lines.

Whatever the mutation, the outcome is one of two: exit 2 with a message that names the file and
the place, or a successful run whose outputs are finite. Never a traceback, never a hang.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truthsim import ScenarioError, simulate
from truthsim.cli import main
from truthsim.scenario import apply_changes, bundled_names, load_scenario

#: seconds one example may take before it counts as a hang
HANG = 60
#: examples per test; raise it for a deeper search (TRUTHSIM_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py)
EXAMPLES = int(os.environ.get("TRUTHSIM_FUZZ_EXAMPLES", "40"))


@contextlib.contextmanager
def no_hang(seconds: int = HANG) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise AssertionError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


BUNDLED = {name: yaml.safe_load(load_scenario(name).model_dump_json()) for name in bundled_names()}
PATHS = {name: [p for p in _paths(data) if p] for name, data in BUNDLED.items()}

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-320, 1e-9, 1e9, 1e308, -1e308, 2**63, 100, 20]),
    st.integers(-(10**6), 10**6),
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.text(max_size=6),
    st.sampled_from(["20%", "+1", "x2", "unlimited", "inf", "nan", "peak_end", ".inf"]),
    st.lists(NUMBERS, max_size=4),
    st.dictionaries(st.text(max_size=3), NUMBERS, max_size=2),
)
ACTIONS = ["replace", "negate", "magnify", "delete", "unknown key", "rename"]


def mutate(data: dict, mutations: list[tuple[tuple, str, Any, int]]) -> dict:
    data = copy.deepcopy(data)
    for path, action, junk, power in mutations:
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            value = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this place
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if action == "replace":
            parent[key] = junk
        elif action == "negate" and number:
            parent[key] = -value
        elif action == "magnify" and number:
            parent[key] = value * 10.0**power
        elif action == "delete":
            del parent[key]
        elif action == "unknown key" and isinstance(value, dict):
            value["colour"] = junk
        elif action == "rename" and isinstance(parent, dict):
            parent[f"{key}_x"] = parent.pop(key)
    return data


def finite_or_undefined(value: float) -> bool:
    return not (isinstance(value, float) and math.isinf(value))


def check_outputs(result: Any) -> None:
    assert all(finite_or_undefined(v) for v in result.headline.values()), result.headline
    for row in result.touchpoints:
        assert all(finite_or_undefined(v) for v in row.values() if isinstance(v, float)), row
    for table in (result.moments, result.journeys, result.customers):
        for name in table.dtype.names or ():
            if table[name].dtype.kind == "f" and name != "churn_time":
                assert np.isfinite(table[name]).all(), name


@pytest.mark.parametrize("name", sorted(BUNDLED))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow
@given(data=st.data())
def test_a_mutated_scenario_is_refused_clearly_or_runs_finite(
    name: str, data: st.DataObject, tmp_path: Path
) -> None:
    mutations = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(PATHS[name]),
                st.sampled_from(ACTIONS),
                JUNK,
                st.integers(-12, 12),
            ),
            min_size=1,
            max_size=3,
        )
    )
    path = tmp_path / "mutant.yaml"
    path.write_text(yaml.safe_dump(mutate(BUNDLED[name], mutations), allow_unicode=True))
    with no_hang():
        result = CliRunner().invoke(main, ["validate", str(path)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"validate raised on {mutations}") from result.exception
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert "mutant.yaml" in result.output and "problem" in result.output
            return
        # validate accepted it: a short run of it must work (what validate accepts, run runs)
        scenario = load_scenario(path)
        days = min(scenario.horizon_days, 4.0)
        if scenario.arrivals.expected(days) > 4_000:
            return  # valid but too large for a quick check; its size limit is tested elsewhere
        # from no customers: a steady-state base of each mutant would be a long run of years
        # apiece (the base's own tests run it on the bundled scenarios and beside long runs)
        short = apply_changes(
            scenario,
            {
                "horizon_days": days,
                "warmup_days": min(scenario.warmup_days, days / 2),
                "customer_base": "none",
            },
        )
        try:
            check_outputs(simulate(short, seed=1))
        except ScenarioError as error:  # a run that grows beyond its limits says so, cleanly
            assert "grew past" in str(error)


#: flags of the simulating commands, each with values a user could mistype
FLAG_VALUES: dict[str, list[str]] = {
    "--horizon-days": ["nan", "inf", "-1", "0", "x", "1e9", "2"],
    "--seed": ["-1", str(2**64), "x", "3"],
    "-r": ["-1", "0", "1", "x", "nan", "1e9", "2"],
    "--jobs": ["0", "-1", "x", "1"],
    "--precision": ["nan", "-1", "0", "inf", "x"],
    "--combinations": ["0", "4", "x", "2"],
    "--only": ["nosuch", "", "friendlier_kiosk"],
    "--backend": ["cloud", "local"],
    "--scheduler": ["not a url", "tcp://", ":1", "localhost"],
    "--vary": [
        "x",
        "touchpoints.desk.servers=",
        "touchpoints.desk.servers=nan",
        "touchpoints.desk.servers=1..1e12",
        "touchpoints.desk.servers=1,2",
        "touchpoints.nosuch.servers=1..2",
        "touchpoints.desk.servers=0..2",
    ],
    "--fraction": ["nan", "0", "1", "-0.1", "x", "0.2"],
    "--metric": ["nosuch", "active_at_horzon", "return_rate"],
    "--method": ["sobolx", "oat"],
    "--records": ["xml", "csv"],
    "--allow-large": ["--allow-large"],
}
COMMANDS = {
    "validate": ["--allow-large"],
    "run": ["--horizon-days", "--seed", "--records"],
    "whatif": [
        "--horizon-days",
        "--seed",
        "-r",
        "--jobs",
        "--precision",
        "--combinations",
        "--only",
        "--backend",
        "--scheduler",
    ],
    "sweep": ["--horizon-days", "--seed", "-r", "--jobs", "--vary", "--backend", "--scheduler"],
    "sensitivity": ["--horizon-days", "-r", "--jobs", "--fraction", "--metric", "--method"],
}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow
@given(data=st.data())
def test_a_bad_command_line_is_refused_clearly(
    data: st.DataObject, shop_file: Path, tmp_path: Path
) -> None:
    command = data.draw(st.sampled_from(sorted(COMMANDS)))
    flags = data.draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=3, unique=True))
    args = [command, str(shop_file)]
    for flag in flags:
        args += [flag, data.draw(st.sampled_from(FLAG_VALUES[flag]))]
    if command == "sweep" and "--vary" not in flags:
        args += ["--vary", "touchpoints.desk.servers=1,2"]
    if command == "sensitivity" and "--method" not in flags:
        args += ["--method", "oat", "--parameter", "touchpoints.desk.servers"]
    if command in ("whatif", "sweep", "sensitivity"):
        args += ["--horizon-days", "3", "-q"] if "--horizon-days" not in flags else ["-q"]
    with no_hang():
        result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args} raised") from result.exception
    assert result.exit_code in (0, 2), (args, result.output)
    if result.exit_code == 2:
        assert "Traceback" not in result.output
        assert "rror" in result.output, (args, result.output)
