"""A resumed run proves it loaded what was saved: it counts, and a changed file shows through.

Comparing a resumed run with a full rerun cannot tell loading from recomputing (both give the
same bytes), so these tests count what the checkpoint store loaded and computed, and alter a
saved replication to see that the altered value, not a recomputed one, reaches the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import shop
from truthsim.cli import main
from truthsim.experiments import Execution, ExperimentError, compare, replicate, sweep
from truthsim.experiments.checkpoints import Checkpoints

ONE = ["friendlier_kiosk"]


def first_run(folder: Path):
    store = Checkpoints(folder)
    result = compare(
        shop(), ONE, replications=3, seed=4, execution=Execution(jobs=1, checkpoints=store)
    )
    assert (store.loaded, store.computed) == (0, 6)
    assert len(list(folder.glob("*.json"))) == 6
    return result


@pytest.mark.slow
def test_a_resumed_run_loads_every_saved_replication(tmp_path: Path) -> None:
    before = first_run(tmp_path)
    again = Checkpoints(tmp_path)
    after = compare(
        shop(), ONE, replications=3, seed=4, execution=Execution(jobs=1, checkpoints=again)
    )
    assert (again.loaded, again.computed) == (6, 0)
    assert after.to_dict() == before.to_dict()
    # more replications: the saved ones are reused, only the new ones computed
    more = Checkpoints(tmp_path)
    compare(shop(), ONE, replications=5, seed=4, execution=Execution(jobs=1, checkpoints=more))
    assert (more.loaded, more.computed) == (6, 4)
    # and those were saved under their own keys: a third run computes nothing
    last = Checkpoints(tmp_path)
    compare(shop(), ONE, replications=5, seed=4, execution=Execution(jobs=1, checkpoints=last))
    assert (last.loaded, last.computed) == (10, 0)


@pytest.mark.slow
def test_a_missing_replication_is_computed_and_only_that_one(tmp_path: Path) -> None:
    before = first_run(tmp_path)
    sorted(tmp_path.glob("*.json"))[2].unlink()
    again = Checkpoints(tmp_path)
    after = compare(
        shop(), ONE, replications=3, seed=4, execution=Execution(jobs=1, checkpoints=again)
    )
    assert (again.loaded, again.computed) == (5, 1)
    assert after.to_dict() == before.to_dict()


def test_an_altered_saved_replication_is_used_not_recomputed(tmp_path: Path) -> None:
    before = first_run(tmp_path)
    target = sorted(tmp_path.glob("*.json"))[0]
    data = json.loads(target.read_text())
    data["headline"]["revenue"] += 1_000_000.0
    target.write_text(json.dumps(data))
    again = Checkpoints(tmp_path)
    after = compare(
        shop(), ONE, replications=3, seed=4, execution=Execution(jobs=1, checkpoints=again)
    )
    assert (again.loaded, again.computed) == (6, 0)
    old = before.to_records()["revenue"]
    new = after.to_records()["revenue"]
    changed = (new != old).nonzero()[0]
    assert len(changed) == 1 and new[changed[0]] - old[changed[0]] == pytest.approx(1_000_000.0)


@pytest.mark.parametrize(
    "damage", ["{ not json", '{"headline": {}}', '{"headline": 3, "touchpoints": [], "active": []}']
)
def test_a_damaged_saved_replication_is_reported(tmp_path: Path, damage: str) -> None:
    first_run(tmp_path)
    target = sorted(tmp_path.glob("*.json"))[1]
    target.write_text(damage)
    with pytest.raises(ExperimentError, match=rf"{target.name} is not a saved replication.*delete"):
        compare(
            shop(), ONE, replications=3, seed=4, execution=Execution(jobs=1, checkpoints=tmp_path)
        )


@pytest.mark.slow
def test_replicate_and_sweep_count_too(tmp_path: Path) -> None:
    store = Checkpoints(tmp_path / "r")
    replicate(shop(), replications=2, seed=1, execution=Execution(checkpoints=store))
    again = Checkpoints(tmp_path / "r")
    replicate(shop(), replications=3, seed=1, execution=Execution(checkpoints=again))
    assert (store.computed, again.loaded, again.computed) == (2, 2, 1)
    grid = {"touchpoints.desk.servers": [2, 3]}
    first, second = Checkpoints(tmp_path / "s"), Checkpoints(tmp_path / "s")
    sweep(shop(), grid, replications=2, seed=1, execution=Execution(jobs=1, checkpoints=first))
    sweep(shop(), grid, replications=2, seed=1, execution=Execution(jobs=1, checkpoints=second))
    assert (first.computed, second.loaded, second.computed) == (4, 4, 0)


def test_the_command_line_says_what_it_reused(shop_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["whatif", str(shop_file), "-r", "2", "--jobs", "1", "--only", ONE[0], "-q"]
    assert CliRunner().invoke(main, [*args, "--out", str(out)]).exit_code == 0
    (out / "whatif.json").unlink()
    next(iter((out / "runs").glob("*.json"))).unlink()
    resumed = CliRunner().invoke(main, [*args, "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert f"resumed: 3 replications loaded from {out / 'runs'}, 1 computed" in resumed.stderr
    next(iter((out / "runs").glob("*.json"))).write_text("{")
    damaged = CliRunner().invoke(main, [*args, "--out", str(out), "--resume"])
    assert damaged.exit_code == 2 and "is not a saved replication" in damaged.stderr
    assert "Traceback" not in damaged.output


@pytest.mark.slow
def test_another_seed_or_scenario_loads_nothing(tmp_path: Path) -> None:
    first_run(tmp_path)
    other_seed = Checkpoints(tmp_path)
    compare(
        shop(), ONE, replications=3, seed=5, execution=Execution(jobs=1, checkpoints=other_seed)
    )
    assert (other_seed.loaded, other_seed.computed) == (0, 6)
    other_scenario = Checkpoints(tmp_path)
    changed = shop().model_copy(update={"horizon_days": 11.0})
    compare(
        changed,
        ONE,
        replications=3,
        seed=4,
        execution=Execution(jobs=1, checkpoints=other_scenario),
    )
    assert (other_scenario.loaded, other_scenario.computed) == (0, 6)
