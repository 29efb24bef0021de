"""What a strategist sees of a what-if: a progress count that goes on, a header that adds up."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import click
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import shop
from truthsim.cli import main
from truthsim.experiments import Execution, compare
from truthsim.experiments.selection import SCREEN
from truthsim.report.procedure import procedure_words, reproduce


@pytest.fixture(scope="module")
def selected() -> tuple[object, list[tuple[int, int | None]]]:
    """A sequential selection on the shop, with every progress call it made."""
    seen: list[tuple[int, int | None]] = []
    result = compare(
        shop(),
        seed=4,
        select=True,
        delta=0.5,
        execution=Execution(jobs=1, progress=lambda d, t: seen.append((d, t))),
    )
    return result, seen


@pytest.mark.slow
def test_progress_counts_on_across_a_sequential_selection(selected) -> None:
    result, seen = selected
    done = [d for d, _ in seen]
    assert done == sorted(done), "the count never starts again"
    assert done[-1] == result.replications_used
    first = [t for _, t in seen if t is not None]
    assert set(first) == {SCREEN * (len(result.variants) + 1)}  # the screen, then open
    assert result.replications_used > first[0] and seen[-1][1] is None


@pytest.mark.slow
def test_the_header_says_how_the_replications_add_up(selected) -> None:
    data = selected[0].to_dict()
    words = procedure_words(data)
    per = data["selection"]["replications"]
    assert f"{sum(per.values())} replications in all" in words
    assert f"{SCREEN} of each of the {len(per)} variants, the baseline included, screened" in words
    more = {name: n for name, n in per.items() if n > SCREEN}
    assert more and all(f"{name} {n}" in words for name, n in more.items())


@pytest.mark.slow
def test_the_line_that_runs_it_again_names_the_screen(selected) -> None:
    """Results written before the screen existed ran none: their line says --screen 0, or the
    command would run today's default screen, another procedure."""
    data = selected[0].to_dict()
    assert f"--screen {SCREEN}" in reproduce(data)
    older = {k: v for k, v in data.items() if k != "screen"}
    assert "--screen 0" in reproduce(older)


MEASURE = """<script>
window.addEventListener("load", function () {
  var right = document.documentElement.clientWidth, clipped = [];
  document.querySelectorAll("td, th").forEach(function (cell) {
    if (cell.scrollWidth > cell.clientWidth + 1 || cell.getBoundingClientRect().right > right + 1)
      clipped.push(cell.textContent.slice(0, 40));
  });
  document.body.setAttribute("data-clipped", clipped.length + ":" + clipped.join("|"));
  var widths = Array.prototype.map.call(document.images, function (i) { return i.width; });
  document.body.setAttribute("data-figures", widths.length);
  document.body.setAttribute("data-narrowest", Math.min.apply(null, widths));
});
</script></body>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
@pytest.mark.parametrize(
    ("width", "fits"), [(1400, True), (1032, True), (600, False)]
)  # a wide screen; A4 landscape within margins; a narrow window (figures only)
@pytest.mark.slow
def test_no_table_cell_of_the_report_is_clipped(tmp_path, width: int, fits: bool) -> None:
    """Money as large as a real business's (millions, with their intervals) still fits; in a
    narrow window the figures keep a legible size (they scroll rather than shrink)."""
    data = shop().model_dump(mode="json")
    for segment in data["segments"].values():
        segment["value_per_journey"] *= 5000
    for improvement in data["improvements"].values():
        improvement["cost"] = {k: v * 5000 for k, v in improvement["cost"].items()}
    scenario = tmp_path / "big.yaml"
    scenario.write_text(yaml.safe_dump(data))
    out = tmp_path / "results"
    run = CliRunner().invoke(main, ["whatif", str(scenario), "-r", "3", "-q", "--out", str(out)])
    assert run.exit_code == 0, run.output
    page = tmp_path / "report.html"
    made = CliRunner().invoke(main, ["report", "--from", str(out), "-o", str(page)])
    assert made.exit_code == 0, made.output
    page.write_text(page.read_text().replace("</body>", MEASURE))
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--window-size={width},1000",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'data-clipped="([^"]*)"', dom)
    assert found is not None, "the page did not finish loading"
    assert found.group(1).startswith("0:") or not fits, found.group(1)
    figures = re.search(r'data-figures="([^"]*)"', dom)
    assert figures is not None and int(figures.group(1)) > 0, "the report has figures to measure"
    narrowest = re.search(r'data-narrowest="([^"]*)"', dom)
    assert narrowest is not None and float(narrowest.group(1)) >= 700, "figures stay legible"


def shown_commands() -> list[list[str]]:
    """Every `truthsim ...` line of the README's shell blocks and of each command's examples."""
    from pathlib import Path

    from truthsim.cli import COMMANDS

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    for name in COMMANDS:
        lines += (main.get_command(None, name).epilog or "").splitlines()  # type: ignore[union-attr]
    found = []
    for line in lines:
        for part in line.split("&&"):
            text = part.split("#")[0].strip()
            if text.startswith("truthsim "):
                found.append(shlex.split(text)[1:])
    return found


def test_every_command_the_readme_and_help_show_parses() -> None:
    """The options and arguments of every example exist (the README offered `run -q` and
    `--warmup-days` before they did); nothing runs."""
    shown = shown_commands()
    assert len(shown) > 40
    for words in shown:
        if not words or words[0].startswith("-"):
            continue  # truthsim --help, --version
        command = main.get_command(click.Context(main), words[0])
        assert command is not None, f"no command in: truthsim {' '.join(words)}"
        if isinstance(command, click.Group):
            continue
        parser = command.make_parser(click.Context(command, info_name=words[0]))
        try:
            parser.parse_args(list(words[1:]))
        except click.UsageError as error:
            raise AssertionError(f"truthsim {' '.join(words)}: {error}") from None
