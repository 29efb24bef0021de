"""Parameter uncertainty: each replication runs on parameters drawn from their estimated
sampling distribution (``calibration.json``), so intervals reflect what the data leave unknown
as well as simulation noise.

The draw for replication ``i`` is seeded by the root seed and ``i`` alone: every variant of that
replication runs on the same parameters (pairing holds), and the draw is the same for any
number of workers. An improvement (or a sweep point) that changes a drawn parameter is applied
on top of the draw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from truthsim.errors import ExperimentError
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.explain import explain_all
from truthsim.scenario.improvement import Change
from truthsim.scenario.patch import apply_changes
from truthsim.scenario.probability import logit
from truthsim.scenario.schema import Scenario

#: spawn key that keeps parameter draws apart from every simulation stream
PARAMETER_STREAM = 0x70617261
#: draws tried before a replication's parameters are given up as invalid
TRIES = 100
TRANSFORMS = ("identity", "nonnegative", "log", "logit", "outcomes", "doubling", "shift")
Changes = Sequence[tuple[str, Any]]


@dataclass(frozen=True)
class Group:
    """Parameters drawn together: latent ~ Normal(center, covariance), mapped to paths."""

    center: np.ndarray
    factor: np.ndarray  #: a square root of the covariance (center + factor z)
    targets: tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class ParameterUncertainty:
    """The sampling distribution of calibrated parameters, read from calibration.json."""

    groups: tuple[Group, ...]
    source: str = "calibration.json"

    @property
    def paths(self) -> list[str]:
        return [p for g in self.groups for _, _, paths in g.targets for p in paths]

    def describe(self) -> str:
        return f"{len(self.paths)} calibrated parameters drawn per replication from {self.source}"

    def draw(self, root: int, index: int) -> list[tuple[str, str, list[float]]]:
        """(transform, latent values, paths) of replication ``index``'s draw, before mapping."""
        rng = np.random.default_rng(
            np.random.SeedSequence(entropy=root, spawn_key=(index, PARAMETER_STREAM))
        )
        out = []
        for group in self.groups:
            z = rng.standard_normal(len(group.center))
            # row by row through numpy's own sum, not BLAS's matrix product, whose order of
            # addition depends on the processor: a Dask worker anywhere draws the same bits
            latent = group.center + (group.factor * z).sum(axis=1)
            for transform, slots, paths in group.targets:
                out.append((transform, [float(latent[s]) for s in slots], list(paths)))
        return out

    def apply(self, scenario: Scenario, root: int, index: int, changes: Changes = ()) -> Scenario:
        """``scenario`` on replication ``index``'s drawn parameters, then any of ``changes``
        (path, change) that touch a drawn parameter, applied on top in order."""
        rng_index = index
        drawn = set(self.paths)
        on_top = {path: change for path, change in changes if any(_related(path, p) for p in drawn)}
        for attempt in range(TRIES):
            draw = (
                self.draw(root, rng_index) if attempt == 0 else self._redraw(root, index, attempt)
            )
            try:
                varied = set_drawn(scenario, draw)
                return apply_changes(varied, on_top) if on_top else varied
            except ScenarioError:
                continue
        raise ExperimentError(
            f"{self.source}: {TRIES} draws of the parameters for replication {index} all gave an "
            "invalid scenario; the intervals are too wide for these parameters"
        )

    def _redraw(self, root: int, index: int, attempt: int) -> list[tuple[str, str, list[float]]]:
        """A further draw for the same replication (the first was not a valid scenario)."""
        return ParameterUncertainty(self.groups, self.source).draw(
            root, index + attempt * (1 << 40)
        )


def _related(a: str, b: str) -> bool:
    """Whether two dotted paths name the same value or one lies inside the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def set_drawn(scenario: Scenario, draw: list[tuple[str, list[float], list[str]]]) -> Scenario:
    """The scenario with drawn values set; shifts last, against the drawn reference return."""
    data = scenario.model_dump()
    shifts = []
    for transform, latent, paths in draw:
        if transform == "shift":
            shifts.append((latent[0], paths[0]))
            continue
        for path, value in zip(paths, _values(transform, latent), strict=True):
            _set(data, path, value)
    if shifts:
        reference = _validated(data).reference_return
        for delta, path in shifts:
            _set(data, path, 1.0 / (1.0 + math.exp(-(logit(reference) + delta))) - reference)
    return _validated(data)


def _values(transform: str, latent: list[float]) -> list[float]:
    x = latent[0]
    if transform == "identity":
        return [x]
    if transform == "nonnegative":
        return [max(x, 0.0)]
    if transform == "log":
        return [math.exp(x)]
    if transform == "logit":
        return [1.0 / (1.0 + math.exp(-x))]
    if transform == "doubling":
        return [math.log(2.0) / math.exp(x)]
    if transform == "outcomes":
        low = 1.0 / (1.0 + math.exp(-x))
        high = 1.0 / (1.0 + math.exp(-(x + math.exp(latent[1]))))
        return [low, high - low, 1.0 - high]
    raise ExperimentError(f"unknown transform '{transform}' (known: {', '.join(TRANSFORMS)})")


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def _validated(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(explain_all(error.errors())) from None


def load_uncertainty(path: str | Path, scenario: Scenario | None = None) -> ParameterUncertainty:
    """Read calibration.json's draws; every path must exist in ``scenario`` when given."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise ExperimentError(f"{path}: cannot be read ({error.strerror or error})") from None
    except json.JSONDecodeError as error:
        raise ExperimentError(
            f"{path}: not valid JSON (line {error.lineno}): {error.msg}"
        ) from None
    return uncertainty_from_dict(data, str(path), scenario)


def uncertainty_from_dict(
    data: Mapping[str, Any], source: str = "calibration.json", scenario: Scenario | None = None
) -> ParameterUncertainty:
    groups = []
    try:
        for k, entry in enumerate(data["draws"]):
            center = np.asarray(entry["latent"], dtype=float)
            cov = np.asarray(entry["covariance"], dtype=float).reshape(len(center), len(center))
            targets = tuple(
                (
                    str(t["transform"]),
                    tuple(int(i) for i in t["latent"]),
                    tuple(str(p) for p in t["paths"]),
                )
                for t in entry["targets"]
            )
            for transform, _, _ in targets:
                if transform not in TRANSFORMS:
                    raise ValueError(f"draws[{k}]: unknown transform '{transform}'")
            if not (np.all(np.isfinite(center)) and np.all(np.isfinite(cov))):
                raise ValueError(f"draws[{k}]: latent values and covariance must be finite")
            groups.append(Group(center, _root(cov, k), targets))
    except (KeyError, TypeError, ValueError) as error:
        raise ExperimentError(
            f"{source}: not a calibration file truthsim can draw from ({error}); write it with "
            "'truthsim calibrate SCENARIO --data DIR'"
        ) from None
    uncertainty = ParameterUncertainty(tuple(groups), source)
    if scenario is not None:
        try:
            uncertainty.apply(scenario, 0, 0)
        except (ScenarioError, ExperimentError) as error:
            raise ExperimentError(
                f"{source} does not fit scenario {scenario.name!r}: {error}"
            ) from None
    return uncertainty


def _root(cov: np.ndarray, k: int) -> np.ndarray:
    """A square root of a covariance matrix (symmetric, non-negative eigenvalues)."""
    cov = (cov + cov.T) / 2
    values, vectors = np.linalg.eigh(cov)
    if values.min() < -1e-9 * max(1.0, abs(values.max())):
        raise ValueError(f"draws[{k}]: the covariance is not positive semi-definite")
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def changes_as_pairs(changes: Mapping[str, Change | Any]) -> list[tuple[str, Any]]:
    return list(changes.items())
