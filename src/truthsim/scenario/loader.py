"""Read a scenario from YAML, and turn every mistake into a message that names its place."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from truthsim.scenario.bundled import bundled_names, bundled_path
from truthsim.scenario.errors import Place, Problem, ScenarioError, dotted, suggest
from truthsim.scenario.explain import explain_all
from truthsim.scenario.patch import improvement_path_problems, improvement_problems
from truthsim.scenario.schema import Scenario, journey_targets, unknown_touchpoints
from truthsim.scenario.yaml_text import read_text, read_yaml


def resolve_source(source: str | Path) -> Path:
    """The file a scenario source names: a path, or a bundled scenario's name."""
    path = Path(source)
    if not path.exists():
        bundled = bundled_path(str(source))
        if bundled is None:
            names = bundled_names()
            hint = suggest(path.stem, names) or "; `truthsim scenarios` lists them"
            problem = (
                f"no such file, nor a bundled scenario of that name ({', '.join(names)}){hint}"
            )
            raise ScenarioError([Problem((), problem)], file=str(source))
        path = bundled
    if path.is_dir():
        raise ScenarioError(
            [Problem((), "is a folder; give a scenario .yaml file")], file=str(path)
        )
    return path


def fingerprint(source: str | Path) -> str:
    """SHA-256 of the scenario file's bytes, for reproducibility footers."""
    return hashlib.sha256(read_text(resolve_source(source)).encode("utf-8")).hexdigest()


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario file, or a bundled scenario by name (e.g. ``"airline"``).

    Raises :class:`ScenarioError` listing every problem, each with file, line and dotted place.
    """
    path = resolve_source(source)
    text = read_text(path)
    scenario = parse_scenario(text, source=str(source) if path == Path(source) else str(path))
    return _beside(scenario, path.parent)


def _beside(scenario: Scenario, folder: Path) -> Scenario:
    """The scenario's own files (a firm's data, a saved base) found beside the scenario file."""
    written = scenario.customer_base
    field = {"data": "data", "file": "file"}.get(written.kind)
    if field is None:
        return scenario
    place = Path(getattr(written, field))
    if place.is_absolute():
        return scenario
    moved = written.model_copy(update={field: str(folder / place)})
    return scenario.model_copy(update={"customer_base": moved})


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML given as text; errors are reported against ``source``, every
    problem at once (a repeated key does not hide the others)."""
    data, lines, problems = read_yaml(text)
    if problems and data is None:  # the syntax: nothing else can be read
        raise ScenarioError(problems, file=source, lines=lines)
    return _validated(data, source, lines, problems)


def scenario_from_dict(data: Any, source: str = "<dict>") -> Scenario:
    """A scenario from plain data (what a YAML file holds, as Python dicts and lists), checked
    as a file is: every problem at once in a ScenarioError, with a did-you-mean where it helps.

    >>> scenario_from_dict({"name": "shop", "arrivals": {"per_day": 10}, ...})  # doctest: +SKIP
    """
    return _validated(copy.deepcopy(data), source, {}, [])


def _validated(
    data: Any, source: str, lines: dict[Place, int], problems: list[Problem]
) -> Scenario:
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
        problems += explain_all(error.errors())
        touchpoints = data.get("touchpoints")
        if isinstance(touchpoints, dict):  # references are checked even when fields are not valid
            known = [str(k) for k in touchpoints]
            problems += unknown_touchpoints(journey_targets(data.get("journey")), known)
        problems += improvement_path_problems(data)
        raise ScenarioError(problems, file=source, lines=lines) from None
    except ScenarioError as error:
        problems += [*error.problems, *improvement_path_problems(data)]
        raise ScenarioError(problems, file=source, lines=lines) from None
    problems += improvement_problems(scenario)
    if problems:
        raise ScenarioError(problems, file=source, lines=lines)
    return scenario


__all__ = ["ScenarioError", "dotted", "load_scenario", "parse_scenario", "scenario_from_dict"]
