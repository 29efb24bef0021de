"""What the figures need from each kind of result, as plain JSON-ready data.

The same data is drawn straight after a run (``--plots``) and saved as ``figures.json`` with
``--out`` so that ``truthsim plot`` can redraw without simulating. Labels are the words a reader
knows (touchpoint labels, improvement and parameter descriptions), not code names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from truthsim.engine import SimulationResult
from truthsim.engine.result import COHORT_DAYS
from truthsim.engine.summary import HEADLINE
from truthsim.experiments import (
    Comparison,
    GlobalSensitivityResult,
    SensitivityResult,
    SweepResult,
)
from truthsim.experiments.leverage_result import LeverageResult
from truthsim.experiments.replication import RunSummary

#: how many improvements the retention figures show beside the baseline
RETENTION_SHOWN = 3


def figure_data(result: Any, *, warmup_days: float = 0.0) -> dict[str, Any]:
    """Figure data for a SimulationResult, Comparison, SweepResult or sensitivity result.

    ``warmup_days`` shades the warm-up of a what-if's retention figures (a run knows its own).
    """
    if isinstance(result, SimulationResult):
        return {
            "kind": "run",
            "title": result.scenario_name,
            "currency": result.currency,
            "horizon_days": result.horizon_days,
            "warmup_days": result.warmup_days,
            "touchpoints": result.to_dict()["touchpoints"],
            "unblamed": result.headline["churned_unblamed"],
            "retention": {"simulated": {"mean": result.daily["active"].tolist()}},
            "cohort": _cohort(result),
        }
    if isinstance(result, Comparison):
        return _whatif(result, warmup_days)
    if isinstance(result, SweepResult):
        return {
            "kind": "sweep",
            "title": result.scenario_name,
            "horizon_days": result.horizon_days,
            "parameters": result.parameters,
            "labels": result.labels or result.parameters,
            "points": [list(p) for p in result.points],
            "reference": list(result.reference),
            "metric": "active_at_horizon",
            "estimates": [e.to_dict() for e in result.response("active_at_horizon")],
            "differences": [e.to_dict() for e in result.differences("active_at_horizon")],
        }
    if isinstance(result, SensitivityResult):
        return {
            "kind": "sensitivity",
            "title": result.scenario_name,
            "horizon_days": result.horizon_days,
            "metric": result.metric,
            "fraction": result.fraction,
            "rows": result.summary(),
        }
    if isinstance(result, LeverageResult):
        return {
            "kind": "leverage",
            "title": result.scenario_name,
            "horizon_days": result.horizon_days,
            "currency": result.currency,
            "touchpoints": result.baseline,
            "levers": result.summary(),
            "journey_order": result.journey_order,
        }
    if isinstance(result, GlobalSensitivityResult):
        return {
            "kind": result.method,
            "title": result.scenario_name,
            "horizon_days": result.horizon_days,
            "metric": result.metric,
            "fraction": result.fraction,
            "replications": result.replications,
            "rows": result.summary(),
        }
    raise TypeError(f"no figures for {type(result).__name__}")


def _cohort(result: SimulationResult) -> dict[str, Any]:
    table = result.cohort()
    return {
        "period_days": COHORT_DAYS,
        "share": [None if s != s else float(s) for s in table["share"]],
        "customers": table["customers"].tolist(),
    }


def _whatif(result: Comparison, warmup_days: float) -> dict[str, Any]:
    ranked = result.ranking()
    shown = ranked[:RETENTION_SHOWN]
    retention = {"baseline": band(result.baseline.runs)}
    retention.update({v.name: band(v.runs) for v in shown})
    labels = {
        v.name: v.description if v.description not in ("", v.name) else v.name.replace("_", " ")
        for v in ranked
    }
    labels["baseline"] = "baseline"
    rows = [{**row, "label": labels[row["improvement"]]} for row in result.summary()]
    return {
        "kind": "whatif",
        "title": result.scenario_name,
        "currency": result.currency,
        "horizon_days": result.horizon_days,
        "warmup_days": warmup_days,
        "touchpoints": mean_touchpoints(result.baseline.runs),
        "unblamed": float(result.baseline.values("churned_unblamed").mean()),
        "retention": retention,
        "retention_difference": {  # paired on the replications each shares with the baseline
            v.name: band(v.runs[: v.replications], against=result.baseline.runs[: v.replications])
            for v in shown
        },
        "labels": labels,
        "ranking": rows,
        "confidence": result.confidence,
    }


def band(
    runs: Sequence[RunSummary],
    confidence: float = 0.95,
    against: Sequence[RunSummary] | None = None,
) -> dict[str, list[float]]:
    """Mean and t interval of active customers per day across replications.

    With ``against``, of the paired difference from those runs (replication by replication).
    """
    active = np.array([r.active for r in runs], dtype=float)
    if against is not None:
        active = active - np.array([r.active for r in against], dtype=float)
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
