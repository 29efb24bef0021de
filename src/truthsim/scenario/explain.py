"""Turn pydantic's validation errors into problems that say what is wrong and what is allowed."""

from __future__ import annotations

import difflib
import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from truthsim.scenario.errors import Place, Problem, suggest
from truthsim.scenario.schema import Scenario


def explain_all(errors: list[Any]) -> list[Problem]:
    """Every pydantic error as a Problem, a misspelt key said once: 'servrs' is reported as an
    unknown key with its did-you-mean, and the 'servers' it stands for is not also missing."""
    misspelt = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            place = _place(error)
            close = difflib.get_close_matches(str(place[-1]), _allowed_keys(place[:-1]), 1, 0.6)
            misspelt.update((*place[:-1], c) for c in close)
    return [explain(e) for e in errors if not (e["type"] == "missing" and _place(e) in misspelt)]


def _place(error: Any) -> Place:
    # a tagged union's member ("<number>") is not a place in the file
    return tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("<")))


def explain(error: Any) -> Problem:
    """One pydantic error as a Problem: place, what is wrong, what is allowed."""
    place = _place(error)
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    field = _field_at(place)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(place[:-1])
        key = str(place[-1])
        hint = suggest(key, allowed)
        return Problem(place, f"unknown key '{key}'{hint} (allowed here: {', '.join(allowed)})")
    if kind == "missing":
        about = f" ({field.description})" if field and field.description else ""
        return Problem(place, f"missing; add '{place[-1]}'{about}")
    got = error.get("input")
    shown = (
        "" if isinstance(got, dict | list) or kind.startswith("value_error") else f" (got {got!r})"
    )
    about = f"; {place[-1]}: {field.description}" if field and field.description else ""
    return Problem(place, f"{message}{shown}{_hint(kind, got, error.get('ctx') or {})}{about}")


_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*%\s*$")


def _hint(kind: str, got: Any, ctx: dict[str, Any]) -> str:
    """A did-you-mean for the slips people make: a misspelt choice, a percentage for a share."""
    if kind == "literal_error" and isinstance(got, str):
        return suggest(got, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    if kind == "less_than_equal" and ctx.get("le") == 1 and isinstance(got, int | float):
        if 2 <= got <= 100:  # a percentage, most likely (1.35 is not 1.35%)
            return f"; a share is written between 0 and 1: did you mean {got / 100:g}?"
        return "; a share is written between 0 and 1"
    if isinstance(got, str) and (match := _PERCENT.match(got)):
        return f"; write shares between 0 and 1: did you mean {float(match.group(1)) / 100:g}?"
    return ""


def _walk(place: Place) -> tuple[Any, FieldInfo | None] | None:
    """Follow ``place`` through the schema's types: (annotation there, its field), or None."""
    owner: Any = Scenario
    info: FieldInfo | None = None
    for part in place:
        owner = _container(owner)
        if isinstance(owner, type) and issubclass(owner, BaseModel):
            info = owner.model_fields.get(str(part))
            if info is None:
                return None
            owner = info.annotation
        elif get_origin(owner) is dict:
            owner, info = get_args(owner)[1], None
        elif get_origin(owner) is list:
            owner, info = get_args(owner)[0], None
        else:
            return None
    return owner, info


def _field_at(place: Place) -> FieldInfo | None:
    found = _walk(place)
    return found[1] if found else None


def model_at(place: Place) -> type[BaseModel] | None:
    """The scenario model class found at ``place`` (e.g. ``Outcomes`` at a touchpoint's outcomes)."""
    found = _walk(place)
    owner = _container(found[0]) if found else None
    return owner if isinstance(owner, type) and issubclass(owner, BaseModel) else None


def schema_path_problem(place: Place) -> str | None:
    """Why ``place`` names no parameter of the schema (a misspelt key), or None if it may."""
    for depth in range(1, len(place) + 1):
        if _walk(place[:depth]) is None:
            key = str(place[depth - 1])
            where = ".".join(map(str, place[: depth - 1])) or "the scenario"
            return f"{where} has no '{key}'{suggest(key, _allowed_keys(place[: depth - 1]))}"
    return None


def _allowed_keys(place: Place) -> list[str]:
    model = model_at(place)
    return list(model.model_fields) if model else []


def _container(annotation: Any) -> Any:
    """From ``X | None`` keep the part that can hold keys (a model, dict or list)."""
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            if (isinstance(arg, type) and issubclass(arg, BaseModel)) or get_origin(arg) in (
                dict,
                list,
            ):
                return arg
    return annotation
