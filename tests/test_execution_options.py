"""One Execution for how every experiment runs, the old keywords' deprecation, and compare's
procedures as functions of their own giving exactly what compare gives."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

import truthsim
from tests.conftest import shop
from truthsim.experiments import (
    Criteria,
    Execution,
    ExperimentError,
    best_within_budget,
    compare,
    compare_fixed,
    compare_to_precision,
    replicate,
    select_best,
    sensitivity,
)
from truthsim.forecast import forecast

FAST = {"seed": 5, "horizon_days": 6}
SERIAL = Execution(jobs=1)


def test_execution_is_public_frozen_and_documented() -> None:
    assert truthsim.Execution is Execution
    assert "Execution" in truthsim.__all__ and Execution.__doc__
    with pytest.raises(dataclasses.FrozenInstanceError):
        SERIAL.jobs = 2  # type: ignore[misc]
    assert Execution(checkpoints="runs").checkpoints == Path("runs")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jobs": 0}, "jobs must be at least 1, not 0"),
        ({"jobs": 1.5}, "jobs must be a whole number of workers, not 1.5"),
        ({"backend": "spark"}, "unknown backend 'spark'; choose one of local, dask"),
        ({"scheduler": "tcp://10.0.0.5:8786"}, r"goes with the dask backend \(backend='dask'\)"),
        ({"backend": "dask", "scheduler": "my laptop"}, "is not a Dask scheduler address"),
    ],
)
def test_execution_says_what_is_wrong_when_made(options: dict, message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        Execution(**options)


def test_old_keywords_warn_once_at_the_caller_and_give_the_same_results() -> None:
    seen: list[tuple[int, int | None]] = []
    with pytest.warns(DeprecationWarning) as caught:
        old = replicate(shop(), 2, 1, jobs=1, progress=lambda d, t: seen.append((d, t)))
    (warning,) = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    text = str(warning.message)
    assert "replicate(): the keywords jobs, progress are deprecated" in text
    assert "execution=Execution(jobs=..., progress=...)" in text
    assert warning.filename == __file__, "the warning points at the caller's line"
    new = replicate(shop(), 2, 1, execution=Execution(jobs=1, progress=lambda d, t: None))
    assert old.to_records().tobytes() == new.to_records().tobytes()
    assert seen[-1] == (2, 2), "the old progress keyword still reports"


def test_old_positional_jobs_warns_and_compares_alike() -> None:
    with pytest.warns(DeprecationWarning, match=r"compare\(\): the keyword jobs is deprecated"):
        old = compare(shop(), ["three_more_staff"], 2, 3, 1, horizon_days=6)
    new = compare(shop(), ["three_more_staff"], 2, 3, horizon_days=6, execution=SERIAL)
    assert old.to_dict() == new.to_dict()
    assert old.to_records().tobytes() == new.to_records().tobytes()


def test_old_keywords_beside_execution_are_an_error() -> None:
    with (
        warnings.catch_warnings(),
        pytest.raises(ExperimentError, match=r"execution= and the old keywords jobs, backend"),
    ):
        warnings.simplefilter("error")  # refused before any warning
        compare(shop(), jobs=1, backend="local", execution=SERIAL)


def test_what_a_function_never_took_is_still_refused() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'job'"):
        replicate(shop(), 2, job=1)
    # sensitivity keeps no checkpoints: not as a keyword, and not quietly from an Execution
    with pytest.raises(TypeError, match="unexpected keyword argument 'checkpoints'"):
        sensitivity(shop(), checkpoints=Path("runs"))
    with pytest.raises(ExperimentError, match=r"does not use Execution\.checkpoints"):
        sensitivity(shop(), execution=Execution(checkpoints=Path("runs")))
    with pytest.raises(ExperimentError, match=r"forecast\(\) does not use Execution\.allow_large"):
        forecast("airline", "no data here", 30, execution=Execution(allow_large=True))
    with pytest.raises(ExperimentError, match=r"execution must be a truthsim\.Execution"):
        replicate(shop(), 2, execution={"jobs": 1})  # type: ignore[arg-type]


def test_criteria_are_checked_with_compare_s_messages() -> None:
    with pytest.raises(ExperimentError, match="unknown objective 'profit'"):
        Criteria(objective="profit")  # type: ignore[arg-type]
    with pytest.raises(ExperimentError, match="unknown objective 'profit'"):
        compare(shop(), objective="profit", execution=SERIAL)  # type: ignore[arg-type]
    with pytest.raises(ExperimentError, match=r"confidence must be at least 0\.5 and below 1"):
        Criteria(confidence=0.3)
    with pytest.raises(ExperimentError, match="delta must be positive, not 0"):
        Criteria(delta=0.0)
    with pytest.raises(ExperimentError, match="give a budget"):
        best_within_budget(shop(), execution=SERIAL)


def same(a: truthsim.experiments.Comparison, b: truthsim.experiments.Comparison) -> None:
    assert a.to_dict() == b.to_dict()
    assert a.to_records().tobytes() == b.to_records().tobytes()


def test_fixed_is_compare_with_replications() -> None:
    criteria = Criteria(objective="net_value", horizon_days=6, discount_rate=0.05)
    mine = compare_fixed(
        shop(),
        ["three_more_staff", "friendlier_kiosk"],
        3,
        seed=5,
        combinations=2,
        criteria=criteria,
        execution=SERIAL,
    )
    assert mine.procedure == "fixed" and len(mine.variants) == 3
    same(
        mine,
        compare(
            shop(),
            ["three_more_staff", "friendlier_kiosk"],
            3,
            combinations=2,
            objective="net_value",
            discount_rate=0.05,
            execution=SERIAL,
            **FAST,
        ),
    )


@pytest.mark.slow
def test_select_best_is_compare_with_select() -> None:
    criteria = Criteria(delta=3.0, confidence=0.9, horizon_days=6)
    mine = select_best(shop(), seed=5, max_replications=12, criteria=criteria, execution=SERIAL)
    assert mine.procedure == "select"
    theirs = compare(
        shop(),
        select=True,
        delta=3.0,
        confidence=0.9,
        max_replications=12,
        execution=SERIAL,
        **FAST,
    )
    same(mine, theirs)


@pytest.mark.slow
def test_compare_to_precision_is_compare_with_precision() -> None:
    criteria = Criteria(horizon_days=6)
    mine = compare_to_precision(
        shop(), 40.0, seed=5, max_replications=13, criteria=criteria, execution=SERIAL
    )
    assert mine.procedure == "precision" and mine.precision == 40.0
    same(mine, compare(shop(), precision=40.0, max_replications=13, execution=SERIAL, **FAST))


@pytest.mark.slow
def test_best_within_budget_is_compare_with_a_budget() -> None:
    criteria = Criteria(objective="revenue", horizon_days=6)
    mine = best_within_budget(
        shop(), 70000.0, 100000.0, seed=5, max_replications=12, criteria=criteria,
        execution=SERIAL,
    )  # fmt: skip
    assert mine.procedure == "budget" and mine.budget_per_year == 100000.0
    theirs = compare(
        shop(),
        budget=70000.0,
        budget_per_year=100000.0,
        objective="revenue",
        max_replications=12,
        execution=SERIAL,
        **FAST,
    )
    same(mine, theirs)
    # with a precision, the two-stage procedure among the sets that fit
    sized = best_within_budget(
        shop(), 5000.0, seed=5, precision=40.0, max_replications=12,
        criteria=Criteria(horizon_days=6), execution=SERIAL,
    )  # fmt: skip
    assert sized.procedure == "precision" and sized.budget == 5000.0
    same(
        sized,
        compare(
            shop(), budget=5000.0, precision=40.0, max_replications=12, execution=SERIAL, **FAST
        ),
    )
