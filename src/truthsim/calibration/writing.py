"""What calibrate writes: ``calibrated.yaml`` (the input scenario with fitted values, each with
a comment giving its interval and the data it came from) and ``calibration.json``."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from truthsim import __version__
from truthsim.calibration.calibrate import Calibration
from truthsim.calibration.estimates import Fitted
from truthsim.calibration.fitted import changes_of
from truthsim.calibration.history import RETURNED, build_histories, survival
from truthsim.calibration.yaml_edit import edit_yaml
from truthsim.engine import simulate
from truthsim.io import to_json, write_text
from truthsim.scenario import apply_changes
from truthsim.scenario.loader import parse_scenario
from truthsim.scenario.schema import MINUTES_PER_DAY
from truthsim.scenario.touchpoint import OUTCOMES


def describe(p: Fitted) -> str:
    name = p.path.rsplit(".", 1)[-1]
    if not np.isfinite(p.low):
        return f"{name} {p.estimate:.4g} (no interval)"
    high = "never" if p.high == float("inf") else f"{p.high:.4g}"
    return f"{name} {p.estimate:.4g} (95% interval {p.low:.4g}..{high})"


def comments(calibration: Calibration) -> dict[str, str]:
    """Per changed path, the comment that goes above it."""
    by_change: dict[str, list[Fitted]] = defaultdict(list)
    changes = changes_of(calibration.source, calibration.fit)
    for p in calibration.parameters:
        target = next((c for c in changes if p.path == c or p.path.startswith(c + ".")), p.path)
        by_change[target].append(p)
    out = {}
    for path, fitted in by_change.items():
        sources = sorted({p.source for p in fitted})
        out[path] = (
            f"calibrated: {', '.join(describe(p) for p in fitted)}; from {'; '.join(sources)}"
        )
    if "arrivals.hourly_profile" in changes:
        out["arrivals.hourly_profile"] = (
            "calibrated: each hour's share of new customers in arrivals.csv"
        )
    return out


def calibrated_yaml(calibration: Calibration, text: str | None) -> str:
    """The scenario file with fitted values; written afresh when the file cannot be edited."""
    values = changes_of(calibration.source, calibration.fit)
    notes = comments(calibration)
    header = (
        f"# Calibrated by truthsim {__version__} from {', '.join(calibration.files)} in "
        f"{calibration.data.folder}:\n# {len(calibration.parameters)} values fitted (each "
        f"marked 'calibrated' below), {len(calibration.unidentified)} not identified by the "
        "data (kept as they were; calibration.json says why).\n"
    )
    if text is not None:
        try:
            edited = edit_yaml(text, values, notes)
            if parse_scenario(edited).model_dump() == calibration.scenario.model_dump():
                return header + edited
        except (ValueError, yaml.YAMLError):
            pass
        except Exception as error:  # a layout the editor misread: the scenario is written anew
            if type(error).__name__ != "ScenarioError":
                raise
    data = calibration.scenario.model_dump(mode="json", exclude_none=False)
    lines = "".join(f"#   {path}: {note}\n" for path, note in notes.items())
    return header + "# fitted values:\n" + lines + yaml.safe_dump(data, sort_keys=False)


def check_by_simulation(calibration: Calibration, seed: int | None = None) -> dict[str, Any]:
    """Observed against simulated: outcome mix per touchpoint and return rate by journey.

    One replication of the calibrated scenario over its horizon, from no customers, as the
    firm's data follow customers from their first journey.
    """
    scenario = calibration.scenario
    fresh = apply_changes(scenario, {"customer_base": "none"})
    result = simulate(fresh, scenario.seed if seed is None else seed)
    out: dict[str, Any] = {"outcome_mix": [], "return_by_journey": []}
    names = scenario.touchpoint_order()
    moments = calibration.data.moments
    for t, name in enumerate(names):
        row: dict[str, Any] = {"touchpoint": name}
        sim = result.moments["outcome"][result.moments["touchpoint"] == t]
        row["simulated"] = _mix(sim)
        if moments is not None:
            seen = moments.outcome[(moments.touchpoint == t) & (moments.outcome >= 0)]
            row["observed"] = _mix(seen)
            row["observed_moments"] = len(seen)
        out["outcome_mix"].append(row)
    journeys = calibration.data.journeys
    if journeys is not None:
        out["return_by_journey"] = _returns_by_journey(calibration, result)
    return out


def _returns_by_journey(calibration: Calibration, result: Any) -> list[dict[str, Any]]:
    """Share of journeys followed by another, by journey number, among journeys that ended long
    enough before the end of the data (or the horizon) that a return would have been seen
    (99% of gaps are shorter), in the data and in the simulation alike."""
    scenario = calibration.scenario
    journeys = calibration.data.journeys
    assert journeys is not None
    h = build_histories(journeys, None, scenario, calibration.data.end)
    segments = list(scenario.segments)
    long_gap = np.array(
        [np.interp(0.99, 1 - survival(scenario, s)[1], survival(scenario, s)[0]) for s in segments]
    )
    seen = h.remaining_days >= long_gap[h.segment[h.customer]]
    returned = h.decision == RETURNED
    sim = result.journeys
    horizon_days = scenario.horizon_days
    sim_seen = (horizon_days - sim["end"] / MINUTES_PER_DAY) >= long_gap[sim["segment"]]
    rows = []
    for k in range(min(int(h.position.max()) + 1, 12)):
        mine = seen & (h.position == k)
        theirs = sim_seen & (sim["journey"] == k)
        if not mine.any() or not theirs.any():
            continue
        rows.append(
            {
                "journey": k,
                "observed": float(returned[mine].mean()),
                "observed_journeys": int(mine.sum()),
                "simulated": float(sim["returned"][theirs].mean()),
                "simulated_journeys": int(theirs.sum()),
            }
        )
    return rows


def _mix(outcomes: np.ndarray) -> dict[str, float]:
    counts = np.bincount(outcomes.astype(int), minlength=3)[:3]
    total = max(int(counts.sum()), 1)
    return {o: float(c / total) for o, c in zip(OUTCOMES, counts, strict=True)}


def write_calibration(
    calibration: Calibration,
    output: str | Path,
    scenario_text: str | None = None,
    *,
    check: bool = True,
    seed: int | None = None,
) -> list[Path]:
    """Write calibrated.yaml at ``output`` and calibration.json beside it."""
    output = Path(output)
    if check:
        calibration.fit.diagnostics["check"] = check_by_simulation(calibration, seed)
    json_path = output.with_name("calibration.json")
    write_text(output, calibrated_yaml(calibration, scenario_text))
    write_text(json_path, to_json(calibration.to_dict()))
    return [output, json_path]
