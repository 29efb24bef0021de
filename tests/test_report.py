"""The HTML report: content, reproducibility, and a real browser rendering it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from truthsim.cli import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def reported(tmp_path_factory, shop_file: Path) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("report")
    scenario = shop_file
    html, out = root / "report.html", root / "results"
    args = [
        "report",
        str(scenario),
        "-o",
        str(html),
        "-r",
        "6",
        "--jobs",
        "1",
        "--seed",
        "4",
        "--out",
        str(out),
        "-q",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return scenario, html, out


@pytest.mark.slow
def test_report_carries_the_whole_story(reported) -> None:
    _scenario, html, _ = reported
    text = html.read_text()
    assert text.startswith("<!doctype html>")
    assert re.search(r'class="headline">(To keep the most customers: |Too close to call)', text)
    assert re.search(
        r'class="details">Details: .+ is the best for customers kept, or within .+ of it, '
        r"with 95% confidence",
        text,
    )
    assert text.count("<tr") >= 4 and 'id="ranking"' in text
    assert text.count('src="data:image/svg+xml;base64,') == 5, "every figure is embedded"
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text, (
        "no network needed"
    )
    for words in (
        "The scenario in plain words",
        "Ranked improvements",
        "three_more_staff",
        "SHA-256",
        "seed 4",
        "6 replications",
    ):
        assert words in text, words
    assert "@media print" in text


@pytest.mark.slow
def test_report_from_saved_results_is_the_same_report(reported, tmp_path: Path) -> None:
    _, html, out = reported
    again = tmp_path / "again.html"
    result = CliRunner().invoke(main, ["report", "--from", str(out), "-o", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == html.read_bytes()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["report", "--from", "{out}", "-o", "{html}"], "already exists"),
        (["report", "{scenario}", "--from", "{out}", "-o", "{new}"], "not both"),
        (["report", "-o", "{new}"], "give a SCENARIO"),
        (["report", "--from", "{empty}", "-o", "{new}"], "no whatif.json"),
    ],
)
@pytest.mark.slow
def test_report_bad_requests(reported, tmp_path: Path, args: list[str], fragment: str) -> None:
    scenario, html, out = reported
    values = {
        "scenario": scenario,
        "html": html,
        "out": out,
        "new": tmp_path / "n.html",
        "empty": tmp_path,
    }
    result = CliRunner().invoke(main, [a.format(**values) for a in args])
    assert result.exit_code == 2
    assert fragment in result.output


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


@pytest.mark.slow
def test_report_renders_in_a_browser(reported, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium found (install the Debian package 'chromium') - browser check not run"
        )
    _, html, _ = reported
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
    ]
    url = html.resolve().as_uri()
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run(
        [*flags, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-figures="5/5"' in dom.stdout, "every figure decoded and laid out"
    assert '<table id="ranking">' in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "rror" in line], console
    shot = Path(os.environ.get("TRUTHSIM_SCREENSHOT", tmp_path / "report.png"))
    subprocess.run(
        [*flags, "--hide-scrollbars", "--window-size=1280,2400", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
        env=env,
        check=True,
    )
    assert shot.stat().st_size > 20_000, "a screenshot with content"


FAST = ["-r", "2", "--jobs", "1", "--horizon-days", "6", "-q"]
EXPERIMENTS = {
    "sweep": (
        ["sweep", "{scenario}", "--vary", "touchpoints.desk.servers=1..3"],
        2,
        "Against the reference",
    ),
    "oat": (
        ["sensitivity", "{scenario}", "--method", "oat", "--parameter", "touchpoints.desk.servers"],
        1,
        "has the widest estimated swing in active at horizon",
    ),
    "morris": (
        [
            "sensitivity",
            "{scenario}",
            "--parameter",
            "touchpoints.desk.servers",
            "--parameter",
            "touchpoints.desk.service.mean",
            "--trajectories",
            "2",
        ],
        1,
        "moves active at horizon the most: varied across its range",
    ),
}


@pytest.fixture(scope="module", params=list(EXPERIMENTS))
def experiment_report(
    request, tmp_path_factory, shop_file: Path
) -> tuple[str, Path, int, str, str]:
    args, figures, words = EXPERIMENTS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    out, html = root / "results", root / "report.html"
    run = [a.format(scenario=shop_file) for a in args] + [*FAST, "--out", str(out)]
    result = CliRunner().invoke(main, run)
    assert result.exit_code == 0, result.output
    made = CliRunner().invoke(main, ["report", "--from", str(out), "-o", str(html), "--json"])
    assert made.exit_code == 0, made.output
    return request.param, html, figures, words, made.stdout


@pytest.mark.slow
def test_every_experiment_has_a_report_that_opens_with_its_answer(experiment_report) -> None:
    _kind, html, figures, words, printed = experiment_report
    text = html.read_text()
    answer = text.index('class="answer"')
    assert words in text[answer : answer + 600], "the answer in words comes first"
    assert text.count('src="data:image/svg+xml;base64,') == figures
    assert "The scenario in plain words" in text and "SHA-256" in text
    data = __import__("json").loads(printed)
    assert data["report"] == str(html) and len(data) == 2, "--json prints the reported results"


def test_whatif_report_explains_its_biggest_gap(reported) -> None:
    _, html, _ = reported
    text = html.read_text()
    assert "Why the moments differ from the inputs" in text
    assert re.search(
        r"has \d+% misery in its inputs.+yet \d+% of its moments ended in misery", text
    )


@pytest.mark.slow
def test_experiment_reports_render_in_a_browser(experiment_report, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium found (install the Debian package 'chromium')")
    _, html, figures, _, _ = experiment_report
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-figures="{figures}/{figures}"' in dom.stdout


@pytest.fixture(scope="module")
def calibration_folder(tmp_path_factory, shop_file: Path) -> Path:
    pytest.importorskip("statsmodels")
    root = tmp_path_factory.mktemp("calibration")
    made = CliRunner().invoke(main, ["synthesize", str(shop_file), "--out", str(root / "data")])
    assert made.exit_code == 0, made.output
    fitted = CliRunner().invoke(
        main,
        ["calibrate", str(shop_file), "--data", str(root / "data"), "-o",
         str(root / "cal" / "calibrated.yaml"), "--no-half-life"],
    )  # fmt: skip
    assert fitted.exit_code == 0, fitted.output
    return root / "cal"


@pytest.mark.slow
def test_a_calibration_has_a_report_that_opens_with_what_the_data_say(
    calibration_folder: Path, tmp_path: Path
) -> None:
    html = tmp_path / "cal.html"
    made = CliRunner().invoke(main, ["report", "--from", str(calibration_folder), "-o", str(html)])
    assert made.exit_code == 0, made.output
    text = html.read_text()
    answer = text.index('class="answer"')
    assert "numbers were estimated by maximum likelihood" in text[answer : answer + 800]
    data = __import__("json").loads((calibration_folder / "calibration.json").read_text())
    for parameter in data["parameters"]:
        assert parameter["path"] in text
    for missing in data["unidentified"]:
        assert missing["path"] in text
    assert text.count('src="data:image/svg+xml;base64,') == 1, "the goodness-of-fit figure"


@pytest.mark.slow
def test_a_combined_report_opens_with_every_answer(
    calibration_folder: Path, experiment_report, tmp_path: Path
) -> None:
    kind, single, figures, words, _ = experiment_report
    html = tmp_path / "all.html"
    folder = single.parent / "results"
    made = CliRunner().invoke(
        main,
        ["report", "--from", str(calibration_folder), "--from", str(folder), "-o", str(html),
         "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    text = html.read_text()
    answers = text[text.index("The answers") : text.index("</ol>")]
    assert "what the data say" in answers and words in answers, "every answer first"
    assert text.count('src="data:image/svg+xml;base64,') == figures + 1
    assert text.count('<article id="part-') == 2
    printed = __import__("json").loads(made.stdout)
    assert [p["kind"] for p in printed["parts"]] == [
        "calibration",
        "sweep" if kind == "sweep" else "sensitivity",
    ]
    browser = _browser()
    if browser is None:
        return
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
         html.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert f'data-figures="{figures + 1}/{figures + 1}"' in dom.stdout
