"""The result of one replication: the records, and the summaries read from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthsim.engine.summary import HEADLINE
from truthsim.io import records_to_csv, records_to_npz, rows_to_csv, to_json


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


def result_files(result: SimulationResult, records: str = "csv") -> dict[str, str | bytes]:
    """The files of one run: summary.json, touchpoints.csv, daily.csv and the records
    (moments/journeys/customers as CSV files, or all in one records.npz)."""
    if records not in RECORD_FORMATS:
        raise ValueError(f"records must be one of {', '.join(RECORD_FORMATS)}, not {records!r}")
    summary = result.to_dict()
    files: dict[str, str | bytes] = {
        "summary.json": to_json(summary),
        "touchpoints.csv": rows_to_csv(summary["touchpoints"]),
        "daily.csv": records_to_csv(result.daily),
    }
    if records == "csv":
        for name, table in result.records().items():
            if name != "daily":
                files[f"{name}.csv"] = records_to_csv(table)
    else:
        files["records.npz"] = records_to_npz(result.records())
    return files
