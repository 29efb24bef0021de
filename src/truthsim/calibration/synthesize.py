"""A firm's data, made up from a scenario: the calibration files as a firm would have them.

The scenario is simulated past its horizon so that every journey begun before the end of the
data is seen whole; then the data are cut at the horizon the way a firm's extract is:

- a return is known only when the next journey has begun by the end of the data; otherwise
  ``returned`` is empty (the customer may still come back: censoring);
- only a share of customers answer surveys (``response_rate``): the others' moments carry no
  outcome (their visits, waits and abandonments are still on record);
- ``cohort.csv`` follows the customers acquired in the first ``cohort_days`` through their
  return decisions, as far as every one of them is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from truthsim.calibration.calibrate import refuse_internal
from truthsim.engine import simulate
from truthsim.engine.result import SimulationResult
from truthsim.io import rows_to_csv, write_results
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario
from truthsim.scenario.touchpoint import OUTCOMES

#: days simulated past the horizon so the journeys begun before it end
MARGIN_DAYS = 30.0


@dataclass
class Synthetic:
    """The files, by name, and what went into them."""

    files: dict[str, str]
    customers: int
    journeys: int
    moments: int
    responding: int


def synthesize(
    scenario: Scenario,
    seed: int | None = None,
    *,
    response_rate: float = 0.3,
    cohort_days: float = 30.0,
    margin_days: float = MARGIN_DAYS,
) -> Synthetic:
    """The calibration files a firm running ``scenario`` would have at its horizon: the histories
    of the customers it gained from day 0 (those already there on day 0, from a customer base,
    came with journeys before the data begin, which a likelihood of whole histories cannot
    use, so they are left out)."""
    refuse_internal(scenario, "synthesized as a firm's data")
    if not 0.0 <= response_rate <= 1.0:
        from truthsim.errors import ExperimentError

        raise ExperimentError(f"response rate must lie between 0 and 1, not {response_rate:g}")
    root = scenario.seed if seed is None else seed
    end = scenario.horizon
    result = simulate(scenario, root, horizon_days=scenario.horizon_days + margin_days)
    journeys = result.journeys
    new = result.customers["acquired"][journeys["customer"]] >= 0.0
    begun = new & (journeys["start"] < end)
    whole = begun & (journeys["end"] <= end)
    # a journey begun by the end of the data shows that the customer came back after the one before
    key = journeys["customer"].astype(np.int64) * (1 << 32) + journeys["journey"]
    came_back = set((key[begun] - 1).tolist())
    rng = np.random.default_rng(np.random.SeedSequence(entropy=root, spawn_key=(2**31 - 7,)))
    responds = rng.random(len(result.customers)) < response_rate
    seen = journeys[whole]
    seen_key = key[whole]
    names = result.segment_names
    journey_rows = [
        {
            "customer": _id(int(j["customer"])),
            "journey": int(j["journey"]),
            "segment": names[int(j["segment"])],
            "start": round(float(j["start"]), 3),
            "end": round(float(j["end"]), 3),
            "returned": "true" if k in came_back else "",
        }
        for j, k in zip(seen, seen_key.tolist(), strict=True)
    ]
    moments = result.moments
    m_key = moments["customer"].astype(np.int64) * (1 << 32) + moments["journey"]
    kept = np.isin(m_key, seen_key)
    moment_rows = [
        {
            "customer": _id(int(m["customer"])),
            "journey": int(m["journey"]),
            "touchpoint": result.touchpoint_names[int(m["touchpoint"])],
            "outcome": OUTCOMES[int(m["outcome"])] if responds[int(m["customer"])] else "",
            "wait": round(float(m["wait"]), 4),
            "abandoned": bool(m["abandoned"]),
            "failed": bool(m["failed"]),
            "recovered": bool(m["recovered"]),
            "service": round(float(m["service"]), 4),
            "arrival": round(float(m["arrival"]), 3),
        }
        for m in moments[kept]
    ]
    files = {
        "moments.csv": rows_to_csv(moment_rows),
        "journeys.csv": rows_to_csv(journey_rows),
        "cohort.csv": rows_to_csv(_cohort(result, scenario, end, cohort_days)),
        "arrivals.csv": rows_to_csv(_arrivals(result, end)),
    }
    return Synthetic(
        files,
        customers=len({r["customer"] for r in journey_rows}),
        journeys=len(journey_rows),
        moments=len(moment_rows),
        responding=int(responds.sum()),
    )


def write_synthetic(synthetic: Synthetic, directory: str | Path, force: bool = False) -> list[Path]:
    """Write the files to ``directory`` as one set (an occupied folder needs ``force``)."""
    return write_results(Path(directory), synthetic.files, force=force)


def _id(customer: int) -> str:
    return f"C{customer:07d}"


def _cohort(
    result: SimulationResult, scenario: Scenario, end: float, cohort_days: float
) -> list[dict[str, object]]:
    """Customers of the largest segment acquired in the first days, by return decision, for as
    many decisions as every one of them is known (each has left, or made that many returns)."""
    segment = max(
        range(len(result.segment_names)), key=lambda s: list(scenario.segments.values())[s].share
    )
    c = result.customers
    new = (c["acquired"] >= 0.0) & (c["acquired"] < cohort_days * MINUTES_PER_DAY)
    members = c[new & (c["segment"] == segment)]
    if len(members) == 0:
        return [{"period": 0, "active": 0, "segment": result.segment_names[segment]}]
    journeys = result.journeys
    made = np.zeros(len(c), dtype=np.int64)
    ended = journeys[journeys["end"] <= end]
    np.add.at(made, ended["customer"], 1)
    left = np.zeros(len(c), dtype=bool)
    left[ended["customer"][~ended["returned"]]] = True
    counts = made[members["customer"]]
    gone = left[members["customer"]]
    known_until = int(counts[~gone].min()) if (~gone).any() else int(counts.max())
    return [
        {
            "period": k,
            "active": int((gone & (counts > k)).sum() + (~gone & (counts >= k)).sum()),
            "segment": result.segment_names[segment],
        }
        for k in range(known_until + 1)
    ]


def _arrivals(result: SimulationResult, end: float) -> list[dict[str, int]]:
    """New customers per hour of every day up to the end of the data (the customers already
    there on day 0, acquired before it, are not new)."""
    acquired = result.customers["acquired"]
    acquired = acquired[(acquired >= 0.0) & (acquired < end)]
    hours = (acquired // 60).astype(np.int64)
    counts = np.bincount(hours, minlength=int(end // 60))
    return [
        {"day": int(h // 24), "hour": int(h % 24), "arrivals": int(n)}
        for h, n in enumerate(counts[: int(end // 60)])
    ]
