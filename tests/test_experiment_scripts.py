"""The researcher scripts in experiments/ still run against the API (tiny settings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "experiments"


@pytest.mark.parametrize(
    ("script", "args", "conclusion"),
    [
        (
            "first_moment.py",
            ["-r", "2", "--horizon-days", "40", "--jobs", "1"],
            "customers kept",
        ),
        (
            "crn_variance.py",
            ["-r", "3", "--horizon-days", "40", "--jobs", "1"],
            "variance reduction",
        ),
    ],
)
@pytest.mark.slow
def test_script_prints_its_conclusion(script: str, args: list[str], conclusion: str) -> None:
    if not (SCRIPTS / script).exists():
        pytest.skip("experiments/ is not in this tree")
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert conclusion in done.stdout
