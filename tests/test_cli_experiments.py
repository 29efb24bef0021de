"""whatif, sweep and sensitivity from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from truthsim import load_scenario
from truthsim.cli import main
from truthsim.experiments import Execution, compare, sweep
from truthsim.saving import whatif_data


@pytest.mark.slow
def test_whatif_prints_a_ranked_table(shop_file: Path) -> None:
    result = CliRunner().invoke(main, ["whatif", str(shop_file), "-r", "6", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("baseline" in line for line in lines)
    first = next(line for line in lines if line.strip().startswith("1 "))
    assert "three_more_staff *" in first
    for header in ("extra customers (95% CI)", "cost/customer", "net value"):
        assert header in result.output


@pytest.mark.slow
def test_whatif_json_is_identical_for_any_number_of_workers(shop_file: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(
        main, ["whatif", str(shop_file), "-r", "2", "--jobs", "1", "--json", "--seed", "3"]
    )
    two = runner.invoke(
        main, ["whatif", str(shop_file), "-r", "2", "--jobs", "2", "--json", "--seed", "3"]
    )
    assert one.exit_code == 0, one.output
    assert one.stdout_bytes == two.stdout_bytes
    data = json.loads(one.stdout)
    assert data["replications"] == 2 and data["ranking"][0]["improvement"] == "three_more_staff"


def test_whatif_out_and_only(shop_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "w"
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
        "-q",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        ".truthsim-files",
        "whatif.csv",
        "whatif.json",
        "replications.csv",
        "figures.json",
        "scenario.json",
        "meta.json",
        "runs",
    }
    assert len(list((out / "runs").iterdir())) == 4, "each finished replication is kept"
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert {r["variant"] for r in rows} == {"baseline", "friendlier_kiosk"} and len(rows) == 4
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "--force" in again.output and "--resume" in again.output
    api = compare(
        load_scenario(str(shop_file)),
        ["friendlier_kiosk"],
        replications=2,
        execution=Execution(jobs=1),
    )
    saved = json.loads((out / "whatif.json").read_text())
    assert saved == json.loads(json.dumps(whatif_data(api)))
    revenue = [float(r["revenue"]) for r in rows]
    assert revenue == pytest.approx(api.to_records()["revenue"].tolist(), rel=1e-12)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--only", "nope"], "no improvement nope"),
        (["-r", "1"], "--replications"),
        (["--jobs", "0"], "--jobs"),
        (["--combinations", "5"], "--combinations"),
        (["--precision", "-1"], "--precision"),
    ],
)
def test_whatif_bad_flags(shop_file: Path, args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(main, ["whatif", str(shop_file), *args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_sweep_table_and_files(shop_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(shop_file),
            "--vary",
            "touchpoints.desk.servers=1..3",
            "-r",
            "2",
            "--jobs",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "touchpoints.desk.servers" in result.output
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [r["touchpoints.desk.servers"] for r in rows] == ["1", "2", "3"]
    # the file holds the numbers the Python API computes for the same inputs
    grid = {"touchpoints.desk.servers": [1, 2, 3]}
    api = sweep(
        load_scenario(str(shop_file)), grid, replications=2, execution=Execution(jobs=1)
    ).summary()
    for row, expected in zip(rows, api, strict=True):
        for metric in ("active_at_horizon", "active_at_horizon_low", "revenue", "return_rate"):
            assert float(row[metric]) == pytest.approx(expected[metric], rel=1e-12), metric
    assert float(rows[0]["active_at_horizon"]) < float(rows[2]["active_at_horizon"])


@pytest.mark.parametrize(
    ("vary", "fragment"),
    [
        ("touchpoints.desks.servers=1..3", "did you mean 'desk'"),
        ("touchpoints.desk.servers", "PATH=VALUES"),
        ("touchpoints.desk.servers=0..2", "makes the scenario invalid"),
    ],
)
def test_sweep_bad_vary(shop_file: Path, vary: str, fragment: str) -> None:
    result = CliRunner().invoke(main, ["sweep", str(shop_file), "--vary", vary, "-r", "2"])
    assert result.exit_code == 2
    assert fragment in result.output


@pytest.mark.slow
def test_sensitivity_table(shop_file: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(shop_file),
            "--method",
            "oat",
            "--parameter",
            "touchpoints.desk.servers",
            "--parameter",
            "touchpoints.desk.service.mean",
            "-r",
            "2",
            "--jobs",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert next(p["parameter"] for p in data["parameters"]) == "touchpoints.desk.servers"


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere(monkeypatch, capsys) -> None:
    from truthsim.cli.options import progress_bar

    with progress_bar("what if", quiet=True) as report:
        assert report is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    with progress_bar("what if", quiet=False) as report:
        assert report is not None, "a log or a pipe still hears how the run goes"
        for done in range(1, 5):
            report(done, 4)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("what if: 4/4 replications done")
    assert "\r" not in "".join(lines), "no bar redrawn in place in a log"
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with progress_bar("what if", quiet=False) as report:
        assert report is not None
        for done in range(1, 5):
            report(done, 4)
    err = capsys.readouterr().err
    assert "what if" in err and "100%" in err


def test_progress_lines_come_every_few_seconds_with_what_is_left() -> None:
    import io

    from truthsim.experiments.progress import ProgressLines

    now = [0.0]
    stream = io.StringIO()
    lines = ProgressLines("sweep", stream, interval=5.0, clock=lambda: now[0])
    for done, at in [(1, 1.0), (2, 6.0), (3, 7.0), (4, 20.0), (8, 40.0)]:
        now[0] = at
        lines(done, 8)
    shown = stream.getvalue().splitlines()
    assert shown == [
        "sweep: 2/8 replications done, 6 s elapsed, about 18 s left",
        "sweep: 4/8 replications done, 20 s elapsed, about 20 s left",
        "sweep: 8/8 replications done, 40 s elapsed",
    ]
