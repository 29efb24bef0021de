"""The command line, through click's CliRunner: run, validate, schema, scenarios, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from truthsim.cli import main

SHORT = ["--horizon-days", "45"]


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.slow
def test_run_prints_a_readable_summary(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "airline", *SHORT, "--seed", "3"])
    assert result.exit_code == 0, result.output
    for text in (
        "return rate",
        "journeys per customer",
        "customers active at horizon",
        "revenue",
        "net moment score",
        "Reservation call",
        "p90 wait",
        "churn caused",
    ):
        assert text in result.output


@pytest.mark.slow
def test_run_json_is_byte_identical_for_the_same_seed(runner: CliRunner) -> None:
    a = runner.invoke(main, ["run", "scenarios/airline.yaml", *SHORT, "--seed", "5", "--json"])
    b = runner.invoke(main, ["run", "scenarios/airline.yaml", *SHORT, "--seed", "5", "--json"])
    c = runner.invoke(main, ["run", "scenarios/airline.yaml", *SHORT, "--seed", "6", "--json"])
    assert a.exit_code == 0, a.output
    assert a.stdout_bytes == b.stdout_bytes
    assert a.stdout_bytes != c.stdout_bytes
    data = json.loads(a.stdout)
    assert data["seed"] == 5 and data["horizon_days"] == 45
    assert {row["touchpoint"] for row in data["touchpoints"]} >= {"reservation", "gate", "onboard"}


@pytest.mark.slow
def test_run_out_writes_files_and_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "res"
    result = runner.invoke(main, ["run", "airline", *SHORT, "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {
        ".truthsim-files",
        "figures.json",
        "summary.json",
        "touchpoints.csv",
        "daily.csv",
        "moments.csv",
        "journeys.csv",
        "customers.csv",
        "causes.csv",
        "cohort.csv",
        "hourly.csv",
    }
    header = (out / "moments.csv").read_text().splitlines()[0]
    assert (
        header
        == "customer,journey,touchpoint,arrival,wait,service,outcome,abandoned,failed,recovered"
    )
    before = (out / "summary.json").read_bytes()

    again = runner.invoke(main, ["run", "airline", *SHORT, "--seed", "9", "--out", str(out)])
    assert again.exit_code == 2
    assert "already there" in again.output and "--force" in again.output
    assert (out / "summary.json").read_bytes() == before, "nothing already written is lost"

    npz = tmp_path / "npz"
    result = runner.invoke(main, ["run", "airline", *SHORT, "--out", str(npz), "--records", "npz"])
    assert result.exit_code == 0
    with np.load(npz / "records.npz") as records:
        assert set(records.files) == {
            "moments",
            "journeys",
            "customers",
            "causes",
            "hourly",
            "daily",
        } | {f"{kind}_names" for kind in ("touchpoint", "segment", "outcome")}, (
            "codes, and the name tables they index"
        )
        assert len(records["moments"]) > 0


def test_validate_good_and_bad(runner: CliRunner, tmp_path: Path) -> None:
    good = runner.invoke(main, ["validate", "scenarios/airline.yaml"])
    assert good.exit_code == 0
    assert "valid" in good.output and "improvements:" in good.output
    bad = tmp_path / "bad.yaml"
    text = Path("scenarios/airline.yaml").read_text()
    bad.write_text(
        text.replace("    share: 0.3", "    share: 0.3\n    shair: 1").replace(
            "  - onboard\n", "  - onbord\n"
        )
    )
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "2 problems" in result.output
    assert "did you mean 'share'" in result.output and "did you mean 'onboard'" in result.output
    assert "Traceback" not in result.output


def test_run_of_a_bad_file_exits_2_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\narrivals: {per_day: -4}\n")
    result = runner.invoke(main, ["run", str(bad)])
    assert result.exit_code == 2
    assert "arrivals.per_day" in result.output and "bad.yaml:2" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "airline", "--seed", "-1"], "--seed"),
        (["run", "airline", "--horizon-days", "0"], "--horizon-days"),
        (["whatif", "airline", "--budget", "1000", "-r", "5"], "leave out -r"),
        (["run", "airline", "--records", "xls"], "--records"),
        (["run", "airline", "--bogus"], "No such option"),
        (["run", "no_such_scenario"], "no such file"),
    ],
)
def test_bad_flags_exit_2(runner: CliRunner, args: list[str], fragment: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output


def test_schema_is_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"touchpoints", "journey", "segments", "improvements"} <= set(schema["properties"])


def test_scenarios_list_and_copy(runner: CliRunner, tmp_path: Path) -> None:
    listed = runner.invoke(main, ["scenarios"])
    assert listed.exit_code == 0 and "airline" in listed.output
    target = tmp_path / "my.yaml"
    copied = runner.invoke(main, ["scenarios", "copy", "airline", str(target)])
    assert copied.exit_code == 0
    assert target.read_text() == Path("scenarios/airline.yaml").read_text()
    again = runner.invoke(main, ["scenarios", "copy", "airline", str(target)])
    assert again.exit_code == 2 and "already exists" in again.output
    unknown = runner.invoke(main, ["scenarios", "copy", "bakery", str(tmp_path / "b.yaml")])
    assert unknown.exit_code == 2 and "no bundled scenario" in unknown.output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["airline", "hotel", "telecom"])
def test_every_bundled_scenario_validates_and_runs(runner: CliRunner, name: str) -> None:
    assert runner.invoke(main, ["validate", name]).exit_code == 0
    result = runner.invoke(main, ["run", name, "--horizon-days", "40", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["headline"]["journeys"] > 100
    assert len(data["touchpoints"]) >= 4
