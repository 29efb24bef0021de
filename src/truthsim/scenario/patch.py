"""Apply improvements and parameter changes to a scenario by dotted path.

Works on the plain-data form of the scenario and validates the result again, so a change can
never produce a scenario that a file could not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from truthsim.scenario.errors import Problem, ScenarioError, dotted, suggest
from truthsim.scenario.explain import explain_all, model_at, schema_path_problem
from truthsim.scenario.improvement import Change, Improvement
from truthsim.scenario.schema import Scenario
from truthsim.scenario.staffing import Schedule, add_in_hours
from truthsim.scenario.touchpoint import OUTCOMES


class PathError(ValueError):
    """A dotted path that does not lead to a value in the scenario."""


def split_path(path: str) -> list[str | int]:
    """``journey.2.probability`` -> ``['journey', 2, 'probability']``."""
    return [int(p) if p.isdigit() else p for p in path.strip().split(".") if p != ""]


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in a scenario's plain data; :class:`PathError` says where it broke."""
    parent, key = _parent(data, split_path(path), path)
    return parent[key]


def apply_changes(scenario: Scenario, changes: Mapping[str, Change | Any]) -> Scenario:
    """A new scenario with ``changes`` (dotted path -> :class:`Change` or raw value) applied."""
    data = scenario.model_dump()
    shares = _Shares(scenario.model_dump())
    for path, change in changes.items():
        change = change if isinstance(change, Change) else Change.model_validate(change)
        _apply(data, path, change, shares)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(explain_all(error.errors())) from None


def with_horizon(scenario: Scenario, days: float) -> Scenario:
    """The scenario simulated for ``days`` days instead (the warm-up must still fit)."""
    try:
        return apply_changes(scenario, {"horizon_days": float(days)})
    except ScenarioError as error:
        raise ScenarioError(
            error.problems, file=f"{scenario.name} with horizon_days={days:g}"
        ) from None


def apply_improvement(scenario: Scenario, improvement: Improvement | str) -> Scenario:
    """The scenario as it would be with ``improvement`` (an object or a name in the file)."""
    if isinstance(improvement, str):
        improvement = scenario.improvements[improvement]
    return apply_changes(scenario, improvement.changes)


def improvement_problems(scenario: Scenario) -> list[Problem]:
    """Every improvement must name real parameters and give a valid scenario when applied."""
    problems: list[Problem] = []
    for name, improvement in scenario.improvements.items():
        data = scenario.model_dump()
        shares = _Shares(scenario.model_dump())
        broken = False
        for path, change in improvement.changes.items():
            try:
                _apply(data, path, change, shares)
            except PathError as error:
                problems.append(Problem(("improvements", name, "changes", path), str(error)))
                broken = True
        if broken:
            continue
        try:
            apply_changes(scenario, improvement.changes)
        except ScenarioError as error:
            for p in error.problems:
                problems.append(
                    Problem(
                        ("improvements", name, "changes"),
                        f"applying it makes {p.dotted()} invalid: {p.message}",
                    )
                )
    return problems


class _Shares:
    """The outcome shares an improvement names, block by block, and their values before it.

    Several changes to one block act together: each named share takes its new value (an add
    or a scale works on the value as written), and only the shares not named absorb the
    difference, in their written ratio. So ``magic: +0.1`` with ``mediocrity: -0.1`` moves ten
    points from mediocrity to magic and leaves misery as it was."""

    def __init__(self, original: dict[str, Any]) -> None:
        self.original = original
        self.named: dict[tuple[str | int, ...], set[str]] = {}

    def written(self, parts: list[str | int], path: str) -> Any:
        parent, key = _parent(self.original, parts, path)
        return parent[key]

    def set(self, parent: dict[str, Any], parts: list[str | int], key: str, new: float) -> None:
        block = tuple(parts[:-1])
        named = self.named.setdefault(block, set())
        named.add(key)
        parent[key] = new
        others = [o for o in OUTCOMES if o not in named]
        if not others:
            return  # every share named: the schema checks that they sum to 1
        written = {o: self.written([*block, o], ".".join(map(str, block))) for o in others}
        before = sum(self.written([*block, o], ".".join(map(str, block))) for o in named)
        if abs(sum(parent[o] for o in named) - before) < 1e-12:
            for o in others:  # the named ones only moved between themselves
                parent[o] = written[o]
            return
        rest = sum(written.values())
        left = 1.0 - sum(parent[o] for o in named)
        for o in others:
            parent[o] = left * (written[o] / rest if rest > 0 else 1.0 / len(others))


def improvement_path_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Improvement paths that name no parameter, read from a file's data that is not a valid
    scenario yet (so they are reported with its other problems): keys checked against the
    schema, touchpoint and segment names against the file."""
    problems: list[Problem] = []
    improvements = data.get("improvements")
    if not isinstance(improvements, dict):
        return problems
    for name, improvement in improvements.items():
        changes = improvement.get("changes") if isinstance(improvement, dict) else None
        for path in changes if isinstance(changes, dict) else ():
            parts = split_path(str(path))
            named = (
                data.get(parts[0]) if parts and parts[0] in ("touchpoints", "segments") else None
            )
            if isinstance(named, dict) and len(parts) > 1 and parts[1] not in named:
                hint = suggest(str(parts[1]), [str(k) for k in named])
                reason = f"{parts[0]} has no '{parts[1]}'{hint}"
            else:
                reason = schema_path_problem(tuple(parts))  # type: ignore[assignment]
            if reason:
                problems.append(Problem(("improvements", name, "changes", path), reason))
    return problems


def _apply(data: dict[str, Any], path: str, change: Change, shares: _Shares) -> None:
    parts = split_path(path)
    parent, key = _parent(data, parts, path)
    simplex = getattr(model_at(tuple(parts[:-1])), "simplex", False) and key in OUTCOMES
    old = shares.written(parts, path) if simplex else parent[key]
    if key == "servers" and change.op == "add" and (change.hours or isinstance(old, dict)):
        parent[key] = _add_staff(old, change, path)
        return
    if change.op == "set":
        new = change.value
    else:
        if isinstance(old, bool) or not isinstance(old, int | float):
            shown = "unlimited" if old is None else repr(old)
            raise PathError(f"'{path}' is {shown}; '{change.op}' works on numbers only")
        new = old + change.value if change.op == "add" else old * change.value  # type: ignore[operator]
        if isinstance(old, int) and float(new).is_integer():
            new = int(new)
    if simplex and isinstance(new, int | float):
        shares.set(parent, parts, str(key), float(new))
    else:
        parent[key] = new


def _add_staff(old: Any, change: Change, path: str) -> dict[str, Any]:
    """Servers (a number or a schedule) with staff added in some hours, as a schedule."""
    if old is None:
        raise PathError(f"'{path}' is unlimited; there are no staff to add")
    start, end = change.hours or (0.0, 24.0)
    try:
        servers = old if isinstance(old, int) else Schedule.model_validate(old)
        return add_in_hours(servers, int(change.value), start, end).model_dump()  # type: ignore[arg-type]
    except ValidationError as error:
        reason = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise PathError(f"'{path}' {change.describe()}: {reason}") from None


def _parent(data: Any, parts: list[str | int], path: str) -> tuple[Any, str | int]:
    if not parts:
        raise PathError("an empty path names nothing")
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, parts[:depth], path)
        if node is None:
            raise PathError(f"'{dotted(parts[: depth + 1])}' is not set in this scenario")
    last = parts[-1]
    _child(node, last, parts[:-1], path)
    return node, last


def _child(node: Any, part: str | int, above: list[str | int], path: str) -> Any:
    where = dotted(above) or "the scenario"
    if isinstance(node, dict):
        if part not in node:
            hint = suggest(str(part), [str(k) for k in node])
            raise PathError(f"{where} has no '{part}'{hint}")
        return node[part]
    if isinstance(node, list):
        if not isinstance(part, int) or not 0 <= part < len(node):
            raise PathError(f"{where} is a list of {len(node)}; use an index 0-{len(node) - 1}")
        return node[part]
    raise PathError(f"{where} is a single value, it has no '{part}'")
