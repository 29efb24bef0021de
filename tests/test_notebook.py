"""Results a researcher can read in a notebook: short reprs, HTML tables, typed DataFrames."""

from __future__ import annotations

import csv
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import shop
from truthsim import load_scenario, simulate
from truthsim.cli import main
from truthsim.experiments import (
    DEFAULT_REPLICATIONS,
    Execution,
    compare,
    estimate,
    global_sensitivity,
    replicate,
    sensitivity,
    sweep,
)
from truthsim.saving import save


@pytest.fixture(scope="module")
def run():
    return simulate(shop(), seed=2)


@pytest.mark.slow
def test_reprs_are_short_and_html_is_a_table(run) -> None:
    fast = {"replications": 2, "seed": 1, "execution": Execution(jobs=1), "horizon_days": 6}
    objects = [
        load_scenario("airline"),
        run,
        replicate(shop(), **fast),
        compare(shop(), **fast),
        sweep(shop(), {"touchpoints.desk.servers": [1, 2]}, **fast),
        sensitivity(shop(), parameters=["touchpoints.desk.servers"], **fast),
        global_sensitivity(
            shop(), "morris", parameters=["touchpoints.desk.servers"], trajectories=2, **fast
        ),
    ]
    for thing in objects:
        text = repr(thing)
        assert text.startswith(f"<{type(thing).__name__} ") and len(text) < 300, text
        page = thing._repr_html_()
        assert page.startswith("<div>") and "<table>" in page and "<td" in page
    comparison = objects[3]
    assert "best: three_more_staff" in repr(comparison)
    assert repr(comparison.variants[0]).startswith("<VariantResult ")


def test_estimate_is_a_number() -> None:
    e = estimate([1.0, 2.0, 3.0])
    assert float(e) == 2.0 and round(e.mean + float(e)) == 4


def test_one_default_for_execution_and_replications() -> None:
    from truthsim.experiments import compare as c
    from truthsim.experiments import replicate as r

    assert Execution().jobs is None  # all cores
    for function in (r, c, sweep, sensitivity, global_sensitivity):
        parameters = inspect.signature(function).parameters
        assert parameters["execution"].default is None, function.__name__  # Execution()
        assert parameters["execution"].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters["replications"].default == DEFAULT_REPLICATIONS, function.__name__
    import click

    whatif = main.get_command(click.Context(main), "whatif")
    option = next(p for p in whatif.params if p.name == "replications")
    assert option.default == DEFAULT_REPLICATIONS


def test_simulation_result_to_pandas_with_names_as_categoricals(run, monkeypatch) -> None:
    pd = pytest.importorskip("pandas")
    moments = run.to_pandas()
    assert isinstance(moments, pd.DataFrame) and len(moments) == len(run.moments)
    assert list(moments["touchpoint"].cat.categories) == ["kiosk", "desk"]
    assert list(moments["outcome"].cat.categories) == ["misery", "mediocrity", "magic"]
    assert (moments["outcome"] == "magic").sum() == np.count_nonzero(run.moments["outcome"] == 2)
    customers = run.to_pandas("customers")
    assert list(customers["segment"].cat.categories) == ["everyone"]
    blamed = run.customers["churn_cause"] >= 0
    assert customers["churn_cause"].isna().sum() == np.count_nonzero(~blamed)
    assert len(run.to_pandas("touchpoints")) == 2
    with pytest.raises(ValueError, match="choose one of"):
        run.to_pandas("visits")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'truthsim\[pandas\]'"):
        run.to_pandas()


def test_record_csv_files_carry_names_and_npz_keeps_codes(run, tmp_path: Path) -> None:
    save(run, tmp_path / "csv")
    rows = list(csv.DictReader((tmp_path / "csv" / "moments.csv").open()))
    assert {r["touchpoint"] for r in rows} == {"kiosk", "desk"}
    assert {r["outcome"] for r in rows} <= {"misery", "mediocrity", "magic"}
    customers = list(csv.DictReader((tmp_path / "csv" / "customers.csv").open()))
    assert {r["segment"] for r in customers} == {"everyone"}
    assert {r["churn_cause"] for r in customers} <= {"", "kiosk", "desk"}
    save(run, tmp_path / "npz", records="npz")
    with np.load(tmp_path / "npz" / "records.npz") as saved:
        assert saved["moments"]["touchpoint"].dtype.kind == "i"
        assert list(saved["touchpoint_names"]) == ["kiosk", "desk"]
        assert list(saved["outcome_names"]) == ["misery", "mediocrity", "magic"]


def test_saving_into_a_folder_of_results_needs_force(run, tmp_path: Path) -> None:
    """A script's save() refuses a folder that holds results, as the command line does, and
    leaves them as they were; force replaces them."""
    from truthsim.io import OutputExistsError

    save(run, tmp_path)
    before = (tmp_path / "moments.csv").read_bytes()
    with pytest.raises(OutputExistsError, match="already there"):
        save(run, tmp_path, records="npz")
    assert (tmp_path / "moments.csv").read_bytes() == before
    assert not (tmp_path / "records.npz").exists()
    save(run, tmp_path, records="npz", force=True)
    assert (tmp_path / "records.npz").exists() and not (tmp_path / "moments.csv").exists()


def test_cli_run_out_writes_names(shop_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(shop_file), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    first = next(csv.DictReader((tmp_path / "journeys.csv").open()))
    assert first["segment"] == "everyone"
