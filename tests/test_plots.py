"""Figures built from small results: the right number of bars and lines, plain labels, files written."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import shop
from truthsim.cli import main
from truthsim.engine import simulate
from truthsim.experiments import Execution, compare, global_sensitivity, sensitivity, sweep
from truthsim.plots import draw, figure_data, save_figures
from truthsim.plots.style import OUTCOME_COLOURS


@pytest.fixture(scope="module")
def comparison():
    scenario = shop()
    scenario.improvements["three_more_staff"].description = "Three more staff at the desk"
    return compare(scenario, replications=3, seed=1, execution=Execution(jobs=1))


@pytest.mark.slow
def test_run_figures(tmp_path: Path) -> None:
    result = simulate(shop(warmup_days=3), seed=1)
    figures = draw(figure_data(result))
    assert set(figures) == {"retention", "moment_map", "churn_causes", "cohort_retention"}
    cohort = figures["cohort_retention"].axes[0]
    shares = cohort.lines[0].get_ydata()
    assert shares[0] == 1.0 and all(np.diff(shares) <= 0), "a pooled survival curve never rises"
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
    assert "12 days" in retention.get_title(), "the title names the horizon"
    (shade,) = [p for p in retention.patches if "warm-up" in p.get_label()]
    assert shade.get_x() == 0 and shade.get_width() == 3, "the three warm-up days are shaded"
    churn = figures["churn_causes"].axes[0]
    assert len(churn.patches) == 2, "a bar per touchpoint; no bar dwarfs them"
    heights = [p.get_height() for p in churn.patches]
    assert heights == sorted(heights, reverse=True), "a Pareto chart: largest first"
    unblamed = result.headline["churned_unblamed"]
    assert sum(heights) + unblamed == pytest.approx(result.headline["churned"])
    (note,) = [t.get_text() for t in churn.texts if "no moment to blame" in t.get_text()]
    assert f"{unblamed:,.0f} lost" in note, "the rest are said, in whole customers"
    line = figures["churn_causes"].axes[1].lines[0].get_ydata()
    assert line[-1] == pytest.approx(sum(heights) / result.headline["churned"])
    written = save_figures(figures, tmp_path)
    assert {p.name for p in written} == {f"{n}.{e}" for n in figures for e in ("png", "svg")}
    assert all(p.stat().st_size > 1000 for p in written)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


@pytest.mark.slow
def test_png_size_sharp_enough_for_a_slide(tmp_path: Path) -> None:
    data = figure_data(simulate(shop(), seed=1))
    save_figures(draw(data), tmp_path / "default", ("png",))
    assert _png_size(tmp_path / "default" / "retention.png") == (1600, 900), "8 x 4.5 in at 200 dpi"
    save_figures(draw(data), tmp_path / "small", ("png",), dpi=100, size=(10, 5))
    assert _png_size(tmp_path / "small" / "retention.png") == (1000, 500)


def _legend_outside(ax) -> bool:
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    return legend.x0 >= ax.get_window_extent().x1, "the legend sits right of the data"


@pytest.mark.slow
def test_whatif_figures(comparison) -> None:
    figures = draw(figure_data(comparison))
    forest = figures["ranking"].axes[0]
    labels = [t.get_text() for t in forest.get_yticklabels()]
    assert labels[0] == "Three more staff at the desk", "descriptions, not code names"
    assert "friendlier kiosk" in labels and "friendlier_kiosk" not in labels
    assert "95% interval" in forest.get_xlabel()
    assert "12 days" in forest.get_title() and "extra customers active" in forest.get_title()
    assert (
        sum("per customer" in t.get_text() or "no customers" in t.get_text() for t in forest.texts)
        == 3
    )
    retention = figures["retention"].axes[0]
    assert len(retention.lines) == 1 + 3, "baseline plus the three best improvements"
    assert len(retention.collections) == 4, "a band for each"
    assert _legend_outside(retention)[0]
    difference = figures["retention_difference"].axes[0]
    assert len(difference.lines) == 1 + 3, "the baseline's zero line and one line per improvement"
    assert len(difference.collections) == 3, "a paired band for each"
    assert "vs baseline" in difference.get_ylabel()
    best = comparison.ranking()[0]
    final = difference.lines[1].get_ydata()[-1]
    assert final == pytest.approx(best.retained.mean), "the last day is the horizon's difference"
    assert [t.get_text() for t in difference.get_legend().get_texts()][
        1
    ] == "Three more staff at the desk"
    plt.close("all")


def test_sweep_figures() -> None:
    swept = sweep(
        shop(),
        {"touchpoints.desk.servers": [1, 2, 3]},
        replications=2,
        seed=1,
        execution=Execution(jobs=1),
    )
    figures = draw(figure_data(swept))
    (ax,) = figures["response"].axes
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == 3
    assert ax.get_xlabel() == "desk: staff serving at once"
    assert list(ax.get_xticks()) == [1, 2, 3], "whole servers only"
    (diff,) = figures["difference"].axes
    ticks = [t.get_text() for t in diff.get_yticklabels()]
    assert ticks == ["1", "2 (reference)", "3"]
    assert len(diff.containers) == 2, "an interval for each point but the reference"
    assert "vs the reference" in diff.get_xlabel()
    plt.close("all")


@pytest.mark.slow
def test_tornado_names_parameters_metric_and_fraction() -> None:
    result = sensitivity(
        shop(),
        replications=2,
        seed=1,
        execution=Execution(jobs=1),
        parameters=["touchpoints.desk.servers", "touchpoints.desk.service.mean"],
    )
    (ax,) = draw(figure_data(result))["tornado"].axes
    assert len(ax.patches) == 2 * 2
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "desk: staff serving at once (1..3)",
        "desk: mean service time (min) (5.4..6.6)",
    ]
    title = ax.get_title().replace("\n", " ")
    assert "customers active at the horizon" in title and "±10%" in title and "12 days" in title
    assert _legend_outside(ax)[0]
    plt.close("all")


@pytest.mark.slow
def test_morris_and_sobol_figures() -> None:
    chosen = ["touchpoints.desk.servers", "touchpoints.desk.service.mean"]
    common = {
        "replications": 2,
        "seed": 1,
        "execution": Execution(jobs=1),
        "horizon_days": 6,
        "parameters": chosen,
    }
    morris = global_sensitivity(shop(), "morris", trajectories=3, **common)
    figure = draw(figure_data(morris))["morris"]
    ax, side = figure.axes
    assert len(ax.containers) == 1 and len(ax.containers[0].lines[0].get_xdata()) == 2
    assert ax.get_xlabel().startswith("mu*") and ax.get_ylabel().startswith("sigma")
    assert "1  desk: staff serving at once" in side.texts[0].get_text()
    sobol = global_sensitivity(shop(), "sobol", samples=4, **common)
    (ax,) = draw(figure_data(sobol))["sobol"].axes
    assert len(ax.patches) == 2 * 2, "first-order and total bars for each parameter"
    intervals = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(intervals) == 2 and "95% interval" in ax.get_xlabel(), "S1 and ST intervals"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "first-order (alone)",
        "total (with interactions)",
    ]
    plt.close("all")


@pytest.mark.slow
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
    names = {"ranking", "retention", "retention_difference", "moment_map", "churn_causes"}
    assert {p.name for p in plots.iterdir()} - {".truthsim-files"} == {
        f"{n}.{e}" for n in names for e in ("png", "svg")
    }
    redraw = CliRunner().invoke(main, ["plot", str(out)])
    assert redraw.exit_code == 0, redraw.output
    assert {p.stem for p in (out / "plots").iterdir()} - {".truthsim-files"} == names
    assert (out / "plots" / "ranking.svg").read_bytes() == (plots / "ranking.svg").read_bytes()
    # as the README shows it: --dpi and --size without --plots reshape the results' own figures
    sized = CliRunner().invoke(main, ["plot", str(out), "--dpi", "100", "--size", "4x3"])
    assert sized.exit_code == 0, sized.output
    from PIL import Image

    with Image.open(out / "plots" / "ranking.png") as png:
        assert png.size == (400, 300)
    (out / "figures.json").write_text("{")
    broken = CliRunner().invoke(main, ["plot", str(out)])
    assert broken.exit_code == 2 and "not valid JSON" in broken.output
    empty = CliRunner().invoke(main, ["plot", str(tmp_path)])
    assert empty.exit_code == 2 and "--out" in empty.output
    data = json.loads((out / "whatif.json").read_text())
    assert data["ranking"][0]["improvement"] == "three_more_staff"


def test_axis_text_fits_and_counts_read_as_counts(tmp_path: Path) -> None:
    """The ranking's axis label is inside the figure at its own size; thousands carry a
    separator; a cohort axis counts whole periods."""
    from truthsim.plots.figures import churn_pareto, ranking_forest
    from truthsim.plots.retention import cohort_retention

    rows = [
        {"improvement": f"option_{i}", "label": f"Option {i}", "retained": 100.0 * i,
         "retained_low": 80.0 * i, "retained_high": 120.0 * i, "cost_per_retained": 50.0}
        for i in range(1, 4)
    ]  # fmt: skip
    figure = ranking_forest(rows, "EUR")
    figure.canvas.draw()
    label = figure.axes[0].xaxis.label.get_window_extent()
    assert label.y0 >= 0 and label.x0 >= 0 and label.x1 <= figure.bbox.x1
    pareto = churn_pareto(
        [{"touchpoint": "a", "churn_caused": 12000.4}, {"touchpoint": "b", "churn_caused": 30.0}]
    )
    pareto.canvas.draw()
    ticks = [t.get_text() for t in pareto.axes[0].get_yticklabels()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks), ticks
    cohort = cohort_retention({"period_days": 30, "share": [1.0, 0.6, 0.5], "customers": [9, 9, 9]})
    cohort.canvas.draw()
    assert all(float(x).is_integer() for x in cohort.axes[0].get_xticks())
