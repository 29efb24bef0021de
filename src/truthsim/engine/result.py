"""The result of one replication: the records, and the summaries read from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from truthsim.engine.summary import HEADLINE
from truthsim.io import (
    check_free,
    records_to_csv,
    records_to_npz,
    rows_to_csv,
    to_json,
    write_bytes,
    write_text,
)


@dataclass
class SimulationResult:
    """Records (numpy structured arrays) and summary metrics of one simulated replication.

    ``moments``, ``journeys`` and ``customers`` hold one row per moment, journey and customer
    (see :mod:`truthsim.engine.records` for the fields; times in minutes). ``daily`` is the
    daily series. ``headline`` and ``touchpoints`` are the summary metrics after warm-up.
    """

    scenario_name: str
    seed: int | None
    horizon_days: float
    warmup_days: float
    currency: str
    touchpoint_names: list[str]
    segment_names: list[str]
    headline: dict[str, float]
    touchpoints: list[dict[str, Any]]
    moments: np.ndarray = field(repr=False)
    journeys: np.ndarray = field(repr=False)
    customers: np.ndarray = field(repr=False)
    daily: np.ndarray = field(repr=False)
    #: with a run-off (``simulate(..., run_off=True)``): discounted revenue, see engine.value
    value: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data (no records, no timings)."""
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "warmup_days": self.warmup_days,
            "currency": self.currency,
            "headline": {k: _plain(self.headline[k]) for k in HEADLINE},
            "touchpoints": [{k: _plain(v) for k, v in row.items()} for row in self.touchpoints],
        }

    def records(self) -> dict[str, np.ndarray]:
        return {
            "moments": self.moments,
            "journeys": self.journeys,
            "customers": self.customers,
            "daily": self.daily,
        }


def _plain(value: Any) -> Any:
    """NaN becomes None (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


RECORD_FORMATS = ("csv", "npz")


def save_result(
    result: SimulationResult, directory: Path, records: str = "csv", force: bool = False
) -> list[Path]:
    """Write summary.json, touchpoints.csv, daily.csv and the records (CSV files or one .npz).

    Checks every target first, so an existing file stops the run before anything is written.
    """
    tables = {k: v for k, v in result.records().items() if k != "daily"}
    record_files = [f"{name}.csv" for name in tables] if records == "csv" else ["records.npz"]
    names = ["summary.json", "touchpoints.csv", "daily.csv", "figures.json", *record_files]
    check_free(directory, names, force)
    write_text(directory / "summary.json", to_json(result.to_dict()))
    write_text(directory / "touchpoints.csv", rows_to_csv(result.to_dict()["touchpoints"]))
    write_text(directory / "daily.csv", records_to_csv(result.daily))
    if records == "csv":
        for name, table in tables.items():
            write_text(directory / f"{name}.csv", records_to_csv(table))
    else:
        write_bytes(directory / "records.npz", records_to_npz(result.records()))
    return [directory / n for n in names]
