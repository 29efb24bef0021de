"""Read a scenario from YAML, and turn every mistake into a message that names its place."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from truthsim.scenario.bundled import bundled_path
from truthsim.scenario.errors import Place, Problem, ScenarioError, dotted
from truthsim.scenario.explain import explain
from truthsim.scenario.model import Scenario, journey_targets, unknown_touchpoints
from truthsim.scenario.patch import improvement_problems


class _Loader(yaml.SafeLoader):
    """Safe YAML, except that ``+1`` stays the text '+1' so an improvement can mean 'add one'."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if not (first == "+" and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"))
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def resolve_source(source: str | Path) -> Path:
    """The file a scenario source names: a path, or a bundled scenario's name."""
    path = Path(source)
    if not path.exists():
        bundled = bundled_path(str(source))
        if bundled is None:
            problem = "no such file (nor a bundled scenario of that name; `truthsim scenarios` lists them)"
            raise ScenarioError([Problem((), problem)], file=str(source))
        path = bundled
    if path.is_dir():
        raise ScenarioError(
            [Problem((), "is a folder; give a scenario .yaml file")], file=str(path)
        )
    return path


def fingerprint(source: str | Path) -> str:
    """SHA-256 of the scenario file's bytes, for reproducibility footers."""
    return hashlib.sha256(resolve_source(source).read_bytes()).hexdigest()


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario file, or a bundled scenario by name (e.g. ``"airline"``).

    Raises :class:`ScenarioError` listing every problem, each with file, line and dotted place.
    """
    path = resolve_source(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem((), f"cannot be read: {error}")], file=str(path)) from None
    return parse_scenario(text, source=str(source) if path == Path(source) else str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML given as text; errors are reported against ``source``."""
    data, lines, problems = _read_yaml(text)
    if problems:
        raise ScenarioError(problems, file=source, lines=lines)
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise ScenarioError(
            [
                Problem(
                    (),
                    f"a scenario is a mapping with name, arrivals, segments, touchpoints "
                    f"and journey; this file holds {found}",
                )
            ],
            file=source,
            lines=lines,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = [explain(e) for e in error.errors()]
        touchpoints = data.get("touchpoints")
        if isinstance(touchpoints, dict):  # references are checked even when fields are not valid
            known = [str(k) for k in touchpoints]
            problems += unknown_touchpoints(journey_targets(data.get("journey")), known)
        raise ScenarioError(problems, file=source, lines=lines) from None
    except ScenarioError as error:
        raise ScenarioError(error.problems, file=source, lines=lines) from None
    problems = improvement_problems(scenario)
    if problems:
        raise ScenarioError(problems, file=source, lines=lines)
    return scenario


def _read_yaml(text: str) -> tuple[Any, dict[Place, int], list[Problem]]:
    lines: dict[Place, int] = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "is not valid YAML"
        line = mark.line + 1 if mark else None
        return None, lines, [Problem((), f"not valid YAML: {what}", line)]
    except yaml.YAMLError as error:
        return None, lines, [Problem((), f"not valid YAML: {error}")]
    problems: list[Problem] = []
    if node is not None:
        _map_lines(node, (), lines, problems)
    return data, lines, problems


def _map_lines(
    node: yaml.Node, place: Place, lines: dict[Place, int], problems: list[Problem]
) -> None:
    lines.setdefault(place, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                problems.append(
                    Problem(
                        (*place, name), "this key appears twice; keep one", key.start_mark.line + 1
                    )
                )
            seen.add(name)
            lines[(*place, name)] = key.start_mark.line + 1
            _map_lines(value, (*place, name), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _map_lines(item, (*place, i), lines, problems)


__all__ = ["ScenarioError", "dotted", "load_scenario", "parse_scenario"]
