"""What the figures need from each kind of result, as plain JSON-ready data.

The same data is drawn straight after a run (``--plots``) and saved as ``figures.json`` with
``--out`` so that ``truthsim plot`` can redraw without simulating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from truthsim.engine import SimulationResult
from truthsim.engine.summary import HEADLINE
from truthsim.experiments import Comparison, SensitivityResult, SweepResult
from truthsim.experiments.replication import RunSummary

#: how many improvements the retention figure shows beside the baseline
RETENTION_SHOWN = 3


def figure_data(result: Any) -> dict[str, Any]:
    """Figure data for a SimulationResult, Comparison, SweepResult or SensitivityResult."""
    if isinstance(result, SimulationResult):
        return {
            "kind": "run",
            "title": result.scenario_name,
            "currency": result.currency,
            "touchpoints": result.to_dict()["touchpoints"],
            "retention": {"simulated": {"mean": result.daily["active"].tolist()}},
        }
    if isinstance(result, Comparison):
        ranked = result.ranking()[:RETENTION_SHOWN]
        retention = {"baseline": band(result.baseline.runs)}
        retention.update({v.name: band(v.runs) for v in ranked})
        return {
            "kind": "whatif",
            "title": result.scenario_name,
            "currency": result.currency,
            "touchpoints": mean_touchpoints(result.baseline.runs),
            "retention": retention,
            "ranking": result.summary(),
            "confidence": result.confidence,
        }
    if isinstance(result, SweepResult):
        return {
            "kind": "sweep",
            "title": result.scenario_name,
            "parameters": result.parameters,
            "points": [list(p) for p in result.points],
            "metric": "active_at_horizon",
            "estimates": [e.to_dict() for e in result.response("active_at_horizon")],
        }
    if isinstance(result, SensitivityResult):
        return {
            "kind": "sensitivity",
            "title": result.scenario_name,
            "metric": result.metric,
            "rows": result.summary(),
        }
    raise TypeError(f"no figures for {type(result).__name__}")


def band(runs: Sequence[RunSummary], confidence: float = 0.95) -> dict[str, list[float]]:
    """Mean and t interval of active customers per day across replications."""
    active = np.array([r.active for r in runs], dtype=float)
    mean = active.mean(axis=0)
    if len(runs) < 2:
        return {"mean": mean.tolist()}
    half = (
        stats.t.ppf(0.5 + confidence / 2, len(runs) - 1)
        * active.std(axis=0, ddof=1)
        / np.sqrt(len(runs))
    )
    return {"mean": mean.tolist(), "low": (mean - half).tolist(), "high": (mean + half).tolist()}


def mean_touchpoints(runs: Sequence[RunSummary]) -> list[dict[str, Any]]:
    """Touchpoint rows averaged over replications (numbers averaged, names kept)."""
    out = []
    for rows in zip(*(r.touchpoints for r in runs), strict=True):
        merged: dict[str, Any] = {}
        for key, value in rows[0].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values = np.array([np.nan if r[key] is None else r[key] for r in rows], dtype=float)
                merged[key] = float(np.nanmean(values)) if np.any(~np.isnan(values)) else None
            else:
                merged[key] = value
        out.append(merged)
    return out


def metric_label(metric: str) -> str:
    return HEADLINE.get(metric, metric).split(" (")[0]
