"""KN in batches sized to the workers: the selection, and every figure of the answer, are the
one-at-a-time procedure's whatever the number of workers; only the replications run ahead and
set aside differ."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import shop
from truthsim import Execution
from truthsim.experiments import select_best
from truthsim.experiments.backends import Execution as ExecutionClass


def answer(comparison: Any) -> str:
    data = comparison.to_dict()
    data["value"] = {k: v for k, v in data["value"].items() if k != "replications_set_aside"}
    return json.dumps(data, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def one_at_a_time() -> Any:
    return select_best(shop(), seed=3, execution=Execution(jobs=1), screen=0)


def test_batches_for_many_workers_give_the_same_answer(one_at_a_time, monkeypatch) -> None:
    """Sixteen workers: the first stage of four variants is filled to 48 tasks (12 each), and
    each later step asks for a batch per survivor; KN examines them in order, and what it did
    not examine is set aside."""
    monkeypatch.setattr(ExecutionClass, "workers", lambda self: 16)
    batched = select_best(shop(), seed=3, execution=Execution(jobs=1), screen=0)
    assert answer(batched) == answer(one_at_a_time)
    used_in_all = sum(one_at_a_time.selections["customers"].replications.values())
    assert batched.value["replications_set_aside"] >= 48 - used_in_all > 0
    assert "replications_set_aside" not in one_at_a_time.value
    used = one_at_a_time.selections["customers"].replications
    assert batched.selections["customers"].replications == used
    assert max(used.values()) > 10, "the selection went past its first stage"


@pytest.mark.slow
def test_a_local_dask_cluster_of_two_workers_gives_the_same_answer(one_at_a_time) -> None:
    pytest.importorskip("dask.distributed")
    from truthsim.experiments.on_dask import close_clients

    try:
        on_dask = select_best(shop(), seed=3, execution=Execution(jobs=2, backend="dask"), screen=0)
    finally:
        close_clients()
    assert answer(on_dask) == answer(one_at_a_time)


def test_a_run_ahead_kept_in_checkpoints_gives_the_same_answer_on_resume(
    one_at_a_time, monkeypatch, tmp_path
) -> None:
    """Replications run ahead on 16 workers are kept in the checkpoint folder; a later run on
    one worker loads what it needs of them and answers as the one-at-a-time procedure did."""
    monkeypatch.setattr(ExecutionClass, "workers", lambda self: 16)
    select_best(shop(), seed=3, execution=Execution(jobs=1, checkpoints=tmp_path), screen=0)
    saved = len(list(tmp_path.rglob("*.json")))
    monkeypatch.undo()
    resumed = select_best(
        shop(), seed=3, execution=Execution(jobs=1, checkpoints=tmp_path), screen=0
    )
    assert answer(resumed) == answer(one_at_a_time)
    assert len(list(tmp_path.rglob("*.json"))) == saved, "nothing new was run"


def test_a_screen_on_many_workers_gives_the_one_worker_answer(monkeypatch) -> None:
    """With the screen, sixteen workers fill the screen's wave and the survivors' first stage,
    and the answer is still the one worker's."""
    alone = select_best(shop(), seed=3, execution=Execution(jobs=1))
    monkeypatch.setattr(ExecutionClass, "workers", lambda self: 16)
    batched = select_best(shop(), seed=3, execution=Execution(jobs=1))
    assert answer(batched) == answer(alone)
    assert batched.value["replications_set_aside"] > 0


@pytest.mark.slow
def test_a_screen_on_a_local_dask_cluster_gives_the_one_worker_answer() -> None:
    pytest.importorskip("dask.distributed")
    from truthsim.experiments.on_dask import close_clients

    alone = select_best(shop(), seed=3, execution=Execution(jobs=1))
    try:
        on_dask = select_best(shop(), seed=3, execution=Execution(jobs=2, backend="dask"))
    finally:
        close_clients()
    assert answer(on_dask) == answer(alone)
