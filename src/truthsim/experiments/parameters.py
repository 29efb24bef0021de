"""The parameters a scenario actually has, their plain-words names, and valid ranges around them.

Sensitivity analyses vary parameters between a low and a high value. Ranges are stated in each
parameter's own terms: whole numbers stay whole (two servers become one to three, not 1.6 to
2.4), probabilities stay between 0 and 1, a touchpoint's outcome shares keep summing to 1
(mediocrity takes up what misery and magic leave), and a return shift keeps an average customer's
return probability strictly between 0 and 1. Parameters a scenario does not use (a failure block
with no failures, a zero) are left out rather than varied to no effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from truthsim.errors import ExperimentError
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.patch import PathError, get_path, split_path
from truthsim.scenario.schema import Scenario

#: how close to 0 or 1 a varied probability may come (the model needs strict inequalities)
MARGIN = 1e-3

#: short names for touchpoint parameters, by their path inside the touchpoint
TOUCHPOINT_WORDS = {
    "servers": "staff serving at once",
    "service.mean": "mean service time (min)",
    "service.sd": "service time spread (min)",
    "service.shape": "service time shape",
    "service.scale": "service time scale (min)",
    "service.low": "shortest service (min)",
    "service.mode": "usual service time (min)",
    "service.high": "longest service (min)",
    "service.value": "service time (min)",
    "patience.mean": "patience in the queue (min)",
    "patience.sd": "patience spread (min)",
    "patience.value": "patience in the queue (min)",
    "outcomes.misery": "misery share",
    "outcomes.magic": "magic share",
    "wait.tolerance": "wait tolerated (min)",
    "wait.doubling": "minutes of excess wait that double the odds of worse",
    "failure.rate": "failure rate",
    "failure.recovery": "share of failures recovered well",
    "failure.recovered_outcomes.misery": "misery share after a recovery",
    "failure.recovered_outcomes.magic": "magic share after a recovery",
    "failure.recovered_shift": "return shift after a recovery",
    "abandonment.share": "share of abandoners who try again",
    "abandonment.delay.mean": "minutes until abandoners try again",
    "importance": "importance in memory",
    "shifts.misery": "return shift after misery",
    "shifts.mediocrity": "return shift after mediocrity",
    "shifts.magic": "return shift after magic",
}
SCENARIO_WORDS = {
    "arrivals.per_day": "new customers a day",
    "memory.forgetting_half_life_days": "half-life of memory (days)",
    "memory.reference_return": "reference return probability",
    "word_of_mouth.misery_tells": "people told after a miserable journey",
    "word_of_mouth.magic_tells": "people told after a magical journey",
    "word_of_mouth.deterred_share": "share of those told who stay away",
    "word_of_mouth.referred_share": "share of those told who come",
}
SEGMENT_WORDS = {
    "value_per_journey": "value per journey",
    "baseline_return": "baseline return probability",
    "patience": "patience multiplier",
    "sensitivity": "sensitivity to moments",
    "days_between_journeys.mean": "mean days between journeys",
}
#: whole-number parameters, and the least value each may take
INTEGER_MINIMUM = {"servers": 1}
#: leaves that are probabilities when they sit under these parents
PROBABILITY_PARENTS = ("outcomes", "recovered_outcomes")
PROBABILITY_LEAVES = (
    "rate",
    "recovery",
    "baseline_return",
    "deterred_share",
    "referred_share",
    "share",
)
SHIFT_LEAVES = ("recovered_shift",)


@dataclass(frozen=True)
class Parameter:
    """One parameter to vary: where it is, what it is called, its value and its range."""

    path: str
    label: str
    base: float
    low: float
    high: float
    integer: bool = False

    @property
    def range_words(self) -> str:
        """The range as a reader would say it: ``1..3`` or ``0.054..0.066``."""
        if self.integer:
            return f"{self.low:.0f}..{self.high:.0f}"
        return f"{self.low:.3g}..{self.high:.3g}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "base": self.base,
            "low": self.low,
            "high": self.high,
            "integer": self.integer,
        }


def describe_path(scenario: Scenario, path: str) -> str:
    """A parameter's name in words: ``touchpoints.teller.servers`` -> ``Teller: staff serving at once``."""
    parts = [str(p) for p in split_path(path)]
    if len(parts) >= 3 and parts[0] == "touchpoints" and parts[1] in scenario.touchpoints:
        rest = ".".join(parts[2:])
        words = TOUCHPOINT_WORDS.get(rest, rest.replace("_", " ").replace(".", " "))
        return f"{scenario.touchpoints[parts[1]].title(parts[1])}: {words}"
    if len(parts) >= 3 and parts[0] == "segments":
        rest = ".".join(parts[2:])
        words = SEGMENT_WORDS.get(rest, rest.replace("_", " ").replace(".", " "))
        return f"{parts[1].replace('_', ' ')} customers: {words}"
    return SCENARIO_WORDS.get(path, path.replace("_", " "))


def touchpoint_parameters(
    scenario: Scenario, touchpoints: Sequence[str] | None = None
) -> dict[str, float]:
    """Every numeric parameter the chosen touchpoints use, by dotted path.

    Left out: zeros (a fraction of nothing is nothing), mediocrity (what the other two shares
    leave), the failure block of a touchpoint without failures, the recovery block of one
    whose failures are never recovered, and the abandonment block unless abandoners retry.
    """
    data = scenario.model_dump()["touchpoints"]
    chosen = list(touchpoints or data)
    unknown = [t for t in chosen if t not in data]
    if unknown:
        raise ExperimentError(f"no touchpoint {', '.join(unknown)} (there are: {', '.join(data)})")
    found: dict[str, float] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "mediocrity":
                    walk(value, f"{path}.{key}")
        elif isinstance(node, int | float) and not isinstance(node, bool) and node != 0:
            found[path] = node

    for name in chosen:
        tp = dict(data[name])
        failure = dict(tp.pop("failure"))
        if failure["rate"] > 0:
            if failure["recovery"] == 0:
                failure = {"rate": failure["rate"]}
            tp["failure"] = failure
        abandonment = tp.pop("abandonment")
        if abandonment["then"] == "retry":  # share and delay matter only then
            tp["abandonment"] = abandonment
        walk(tp, f"touchpoints.{name}")
    return found


def parameter_ranges(
    scenario: Scenario, paths: Mapping[str, Any] | Sequence[str], fraction: float
) -> tuple[list[Parameter], dict[str, str]]:
    """Each path's valid range at -/+ ``fraction`` of its value, and why any path is left out."""
    if not 0 < fraction < 1:
        raise ExperimentError(f"fraction must lie between 0 and 1, not {fraction}")
    data = scenario.model_dump()
    chosen: list[Parameter] = []
    skipped: dict[str, str] = {}
    for path in paths:
        try:
            base = get_path(data, path)
        except PathError as error:
            raise ExperimentError(str(error)) from None
        if isinstance(base, bool) or not isinstance(base, int | float):
            raise ExperimentError(f"{path} is {base!r}, not a number to vary")
        low, high, integer = _bounds(scenario, path, base, fraction)
        if low == high:
            skipped[path] = "too small to vary"
            continue
        chosen.append(
            Parameter(path, describe_path(scenario, path), float(base), low, high, integer)
        )
    _share_room(chosen)
    for parameter in chosen:
        for end in (parameter.low, parameter.high):
            try:
                with_values(scenario, {parameter.path: end})
            except ExperimentError as error:
                skipped[parameter.path] = str(error)
    return [p for p in chosen if p.path not in skipped], skipped


def with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario with each path set to its value; mediocrity takes up what outcome shares leave."""
    data = scenario.model_dump()
    touched: set[tuple[str | int, ...]] = set()
    for path, value in values.items():
        parts = split_path(path)
        parent: Any = data
        for part in parts[:-1]:
            parent = parent[part]
        old = parent[parts[-1]]
        parent[parts[-1]] = round(value) if isinstance(old, int) else float(value)
        if parts[-2:-1] and parts[-2] in PROBABILITY_PARENTS:
            touched.add(tuple(parts[:-1]))
    for parts in touched:
        shares: Any = data
        for part in parts:
            shares = shares[part]
        shares["mediocrity"] = max(0.0, 1.0 - shares["misery"] - shares["magic"])
    try:
        return Scenario.model_validate(data)
    except (ScenarioError, ValueError) as error:
        shown = ", ".join(f"{p}={v:g}" for p, v in values.items())
        problems = getattr(error, "problems", None)
        reason = problems[0].message if problems else str(error).splitlines()[0]
        raise ExperimentError(f"{shown} makes the scenario invalid: {reason}") from None


def _bounds(
    scenario: Scenario, path: str, base: float, fraction: float
) -> tuple[float, float, bool]:
    leaf = path.rsplit(".", 1)[-1]
    parent = path.rsplit(".", 2)[-2] if path.count(".") >= 1 else ""
    if isinstance(base, int):
        step = max(1, round(base * fraction))
        return float(max(base - step, INTEGER_MINIMUM.get(leaf, 0))), float(base + step), True
    low, high = sorted((base * (1 - fraction), base * (1 + fraction)))
    if parent in PROBABILITY_PARENTS or leaf in PROBABILITY_LEAVES:
        low, high = max(low, 0.0), min(high, 1.0)
    if parent == "shifts" or leaf in SHIFT_LEAVES:
        ref = scenario.reference_return
        low, high = max(low, MARGIN - ref), min(high, 1 - MARGIN - ref)
    return low, high, False


def _share_room(parameters: list[Parameter]) -> None:
    """Shrink raised misery and magic shares of one block together so they leave room to sum to 1."""
    blocks: dict[str, list[int]] = {}
    for i, p in enumerate(parameters):
        parent, _, leaf = p.path.rpartition(".")
        if parent.rsplit(".", 1)[-1] in PROBABILITY_PARENTS and leaf in ("misery", "magic"):
            blocks.setdefault(parent, []).append(i)
    for members in blocks.values():
        if len(members) < 2:
            continue
        bases = sum(parameters[i].base for i in members)
        raised = sum(parameters[i].high - parameters[i].base for i in members)
        room = max(0.0, 1.0 - bases)
        if raised > room:
            keep = room / raised
            for i in members:
                p = parameters[i]
                parameters[i] = Parameter(
                    p.path, p.label, p.base, p.low, p.base + (p.high - p.base) * keep, p.integer
                )
