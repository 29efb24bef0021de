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
        "3",
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


def test_report_carries_the_whole_story(reported) -> None:
    _scenario, html, _ = reported
    text = html.read_text()
    assert text.startswith("<!doctype html>")
    assert re.search(r'class="headline">.+ is the best for customers kept, or within .+ of it, '
                     r"with 95% confidence", text)
    assert text.count("<tr") >= 4 and 'id="ranking"' in text
    assert text.count('src="data:image/svg+xml;base64,') == 4, "every figure is embedded"
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text, (
        "no network needed"
    )
    for words in (
        "The scenario in plain words",
        "Ranked improvements",
        "three_more_staff",
        "SHA-256",
        "seed 4",
        "3 replications",
    ):
        assert words in text, words
    assert "@media print" in text


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
    assert 'data-figures="4/4"' in dom.stdout, "every figure decoded and laid out"
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
