"""The benchmark runner's ratios come from paired, alternating runs, not separate best times."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

RUN = Path(__file__).parents[1] / "benchmarks" / "run.py"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("benchmark_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "benchmark_run", module)
    spec.loader.exec_module(module)
    return module


def test_ratios_are_medians_of_abba_pairs(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine slows down and speeds up: B has one lucky quiet run. Pairing keeps each
    ratio within one stretch of load; the best of each side taken apart would not."""
    cpu = {"A": [2.0, 4.0, 2.2, 4.4], "B": [1.0, 2.0, 0.5, 2.2]}  # B's 0.5: a quiet moment
    calls: list[str] = []

    def timed(args: list[str], src: Path) -> dict[str, Any]:
        side = args[0]
        calls.append(side)
        t = cpu[side][sum(c == side for c in calls) - 1]
        return {"cpu": t, "wall": t, "journeys": 10}

    monkeypatch.setattr(run, "timed", timed)
    monkeypatch.setattr(run, "load", lambda: 1.0)
    result = run.paired(("A", ["A"], Path()), ("B", ["B"], Path()), 4, lambda m: m["journeys"])
    assert calls == ["A", "B", "B", "A", "A", "B", "B", "A"]
    assert [r["cpu_ratio"] for r in result["pairs"]] == [2.0, 2.0, 4.4, 2.0]
    assert result["cpu_ratio"] == {"median": 2.0, "min": 2.0, "max": 4.4}
    assert min(cpu["A"]) / min(cpu["B"]) == 4.0  # what separate best times would have said
