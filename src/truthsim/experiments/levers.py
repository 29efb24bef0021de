"""The levers of a leverage map: for each touchpoint, what could change, by how much, and the
improvement that would write it into the scenario file.

Each lever has a unit its figure is stated per (10 points of a share, one minute, one server)
and a step it is measured over. For the changes to a moment's outcome rule the figure is a
derivative at today's values (a likelihood-ratio score, see :mod:`truthsim.experiments.
leverage_score`), so it holds for small changes; the step says how far the straight line was
checked (a finite difference on common random numbers over that step). Staffing and service
time change queues, whose effect has no score: they are measured by finite differences only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from truthsim.scenario.schema import Scenario

LeverKind = Literal["magic", "misery", "tolerance", "service", "servers", "peak_servers"]
#: what each figure is per, and how a lever reads in a table
PER = {
    "magic": "10 points more magic (from mediocrity)",
    "misery": "10 points less misery (to mediocrity)",
    "tolerance": "1 minute more wait tolerated",
    "service": "1 minute less service time",
    "servers": "1 more server, all day",
    "peak_servers": "1 more server at the peak hours",
}
#: the figure's unit in the lever's own terms (a share of 1, minutes, servers)
UNIT = {"magic": 0.1, "misery": 0.1, "tolerance": 1.0, "service": 1.0, "servers": 1.0}
UNIT["peak_servers"] = 1.0
#: levers with an analytic score (measured from the baseline's own replications)
SCORED_KINDS = ("magic", "misery", "tolerance")
#: hours around a touchpoint's peak hour that "at the peak hours" staffs
PEAK_HOURS = 3
#: the service time parameters that are times (scaled together to shorten the service)
TIME_FIELDS = ("mean", "sd", "scale", "low", "mode", "high", "value")


@dataclass(frozen=True)
class Lever:
    """One change to one touchpoint, the step it is measured over and the changes that make it."""

    touchpoint: str
    kind: LeverKind
    step: float  #: in the lever's own terms (a share, minutes, servers)
    changes: tuple[tuple[str, str], ...]  #: dotted path -> change, as an improvement writes it
    label: str  #: the touchpoint's name in words

    @property
    def name(self) -> str:
        return f"{self.touchpoint}.{self.kind}"

    @property
    def per(self) -> str:
        return PER[self.kind]

    @property
    def scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def unit(self) -> float:
        return UNIT[self.kind]

    def step_words(self) -> str:
        """The step a finite difference measures over, in the lever's terms."""
        if self.kind in ("magic", "misery"):
            return f"{self.step * 100:g} points"
        if self.kind in ("tolerance", "service"):
            return f"{self.step:g} min"
        return "one server"

    def improvement(self, name: str | None = None) -> str:
        """The lever over its step as an improvement for the scenario file (YAML)."""
        changes = ", ".join(f"{path}: '{change}'" for path, change in self.changes)
        title = name or f"{self.kind}_{self.touchpoint}"
        return (
            f"  {title}:\n"
            f"    description: {json.dumps(f'{self.label}: {self.describe_step()}')}\n"
            f"    changes: {{{changes}}}\n"
            f"    cost: {{one_off: 0, per_year: 0}}   # write what it would cost\n"
        )

    def describe_step(self) -> str:
        if self.kind == "magic":
            return f"{self.step * 100:g} points more magic, from mediocrity"
        if self.kind == "misery":
            return f"{self.step * 100:g} points less misery, to mediocrity"
        if self.kind == "tolerance":
            return f"{self.step:g} minutes more wait tolerated"
        if self.kind == "service":
            return f"{self.step:g} minutes less service time"
        hours = dict(self.changes)[f"touchpoints.{self.touchpoint}.servers"]
        return f"one more server ({hours})"


def levers(
    scenario: Scenario,
    peak_hours: dict[str, float] | None = None,
    touchpoints: list[str] | None = None,
) -> tuple[list[Lever], dict[str, str]]:
    """Every lever the scenario's touchpoints have, and why others were left out.

    ``peak_hours``: each staffed touchpoint's busiest hour of the day (from a baseline run);
    without it there are no peak-hour levers."""
    chosen: list[Lever] = []
    skipped: dict[str, str] = {}
    for name in touchpoints or list(scenario.touchpoints):
        tp = scenario.touchpoints[name]
        label = tp.title(name)
        base = f"touchpoints.{name}"
        shares = tp.outcomes
        every_own = set(tp.outcomes_by_segment or {}) >= set(scenario.segments)
        if every_own:
            skipped[f"{name}.magic"] = skipped[f"{name}.misery"] = (
                "every segment has its own outcome mix here: change those"
            )
        elif shares.mediocrity <= 0:
            skipped[f"{name}.magic"] = "no mediocrity to turn into magic"
        elif shares.magic <= 0:  # the score needs magic to be possible (a derivative at zero)
            skipped[f"{name}.magic"] = "no magic here yet: write an improvement and run whatif"
        else:
            step = min(UNIT["magic"], shares.mediocrity / 2)
            chosen.append(Lever(name, "magic", step, _shares(base, "magic", step), label))
        if not every_own:  # (where every segment has its own mix: skipped above, with magic)
            if shares.misery > 0:
                step = min(UNIT["misery"], shares.misery / 2)
                chosen.append(Lever(name, "misery", step, _shares(base, "misery", -step), label))
            else:
                skipped[f"{name}.misery"] = "no misery to avoid"
        if tp.wait.doubling is not None and tp.servers is not None:
            changes = ((f"{base}.wait.tolerance", "+1"),)
            chosen.append(Lever(name, "tolerance", 1.0, changes, label))
        if tp.servers is None:
            skipped[f"{name}.servers"] = "self-service: nobody queues"
            continue
        service = tp.service.model_dump(exclude_none=True)
        mean = tp.service.expected()
        fields = [f for f in TIME_FIELDS if f in service]
        if service.get("values") is not None or not fields or mean <= 0:
            skipped[f"{name}.service"] = "the service time is a list of values"
        else:
            step = min(1.0, 0.1 * mean)
            factor = f"x{1.0 - step / mean:.6g}"
            changes = tuple((f"{base}.service.{f}", factor) for f in fields)
            chosen.append(Lever(name, "service", step, changes, label))
        chosen.append(Lever(name, "servers", 1.0, ((f"{base}.servers", "+1"),), label))
        peak = (peak_hours or {}).get(name)
        if peak is not None:
            start = min(max(0, int(peak) - PEAK_HOURS // 2), 24 - PEAK_HOURS)
            changes = ((f"{base}.servers", f"+1 from {start} to {start + PEAK_HOURS}"),)
            chosen.append(Lever(name, "peak_servers", 1.0, changes, label))
    return chosen, skipped


def _shares(base: str, share: str, step: float) -> tuple[tuple[str, str], ...]:
    """``step`` of ``share`` from (or to) mediocrity; the third share stays as written."""
    return (
        (f"{base}.outcomes.{share}", f"{step:+.6g}"),
        (f"{base}.outcomes.mediocrity", f"{-step:+.6g}"),
    )
