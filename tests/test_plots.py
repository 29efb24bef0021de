"""Figures built from small results: the right number of bars and lines, plain labels, files written."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from click.testing import CliRunner

from tests.conftest import shop
from truthsim.cli import main
from truthsim.engine import simulate
from truthsim.experiments import compare, sensitivity, sweep
from truthsim.plots import draw, figure_data, save_figures
from truthsim.plots.style import OUTCOME_COLOURS


@pytest.fixture(scope="module")
def comparison():
    return compare(shop(), replications=3, seed=1, jobs=1)


def test_run_figures(tmp_path: Path) -> None:
    result = simulate(shop(), seed=1)
    figures = draw(figure_data(result))
    assert set(figures) == {"retention", "moment_map", "churn_causes"}
    mix = figures["moment_map"].axes[0]
    assert len(mix.patches) == 3 * 2, "three outcome segments for each of the two touchpoints"
    colours = {tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in mix.patches}
    expected = {
        tuple(round(int(h[i : i + 2], 16) / 255, 3) for i in (1, 3, 5))
        for h in OUTCOME_COLOURS.values()
    }
    assert colours == expected, "the outcome palette is the shared one"
    assert [t.get_text() for t in mix.get_yticklabels()] == ["kiosk", "desk"], (
        "journey order, top down"
    )
    assert "wait" in figures["moment_map"].axes[1].get_xlabel()
    retention = figures["retention"].axes[0]
    assert len(retention.lines) == 1 and "active customers" in retention.get_ylabel()
    churn = figures["churn_causes"].axes[0]
    assert len(churn.patches) == 2
    heights = [p.get_height() for p in churn.patches]
    assert heights == sorted(heights, reverse=True), "a Pareto chart: largest first"
    written = save_figures(figures, tmp_path)
    assert {p.name for p in written} == {f"{n}.{e}" for n in figures for e in ("png", "svg")}
    assert all(p.stat().st_size > 1000 for p in written)


def test_whatif_figures(comparison) -> None:
    figures = draw(figure_data(comparison))
    forest = figures["ranking"].axes[0]
    assert [t.get_text() for t in forest.get_yticklabels()] == [
        r["improvement"] for r in comparison.summary()
    ]
    assert "95% interval" in forest.get_xlabel()
    assert (
        sum("per customer" in t.get_text() or "no customers" in t.get_text() for t in forest.texts)
        == 3
    )
    retention = figures["retention"].axes[0]
    assert len(retention.lines) == 1 + 3, "baseline plus the three best improvements"
    assert len(retention.collections) == 4, "a band for each"
    plt.close("all")


def test_sweep_and_tornado_figures() -> None:
    swept = sweep(shop(), {"touchpoints.desk.servers": [1, 2, 3]}, replications=2, seed=1, jobs=1)
    (ax,) = draw(figure_data(swept))["response"].axes
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == 3
    assert ax.get_xlabel() == "touchpoints.desk.servers"
    result = sensitivity(
        shop(),
        replications=2,
        seed=1,
        jobs=1,
        parameters=["touchpoints.desk.servers", "touchpoints.desk.service.mean"],
    )
    (ax,) = draw(figure_data(result))["tornado"].axes
    assert len(ax.patches) == 2 * 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["desk.servers", "desk.service.mean"]
    plt.close("all")


def test_cli_plots_and_redraw(shop_file: Path, tmp_path: Path) -> None:
    path = shop_file
    out, plots = tmp_path / "out", tmp_path / "plots"
    args = [
        "whatif",
        str(path),
        "-r",
        "2",
        "--jobs",
        "1",
        "--out",
        str(out),
        "--plots",
        str(plots),
        "-q",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    names = {"ranking", "retention", "moment_map", "churn_causes"}
    assert {p.name for p in plots.iterdir()} - {".truthsim-files"} == {
        f"{n}.{e}" for n in names for e in ("png", "svg")
    }
    redraw = CliRunner().invoke(main, ["plot", str(out)])
    assert redraw.exit_code == 0, redraw.output
    assert {p.stem for p in (out / "plots").iterdir()} - {".truthsim-files"} == names
    assert (out / "plots" / "ranking.svg").read_bytes() == (plots / "ranking.svg").read_bytes()
    (out / "figures.json").write_text("{")
    broken = CliRunner().invoke(main, ["plot", str(out)])
    assert broken.exit_code == 2 and "not valid JSON" in broken.output
    empty = CliRunner().invoke(main, ["plot", str(tmp_path)])
    assert empty.exit_code == 2 and "--out" in empty.output
    data = json.loads((out / "whatif.json").read_text())
    assert data["ranking"][0]["improvement"] == "three_more_staff"
