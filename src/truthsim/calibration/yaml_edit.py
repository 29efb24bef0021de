"""Changing values in a scenario's YAML text in place, so its own comments and layout survive.

Each value is found through the parser's node positions and its text replaced; a key the file
does not have is added to its section. A comment line above each changed line says where the
new value came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from truthsim.scenario.yaml_text import _Loader


def flow(value: Any) -> str:
    """A value as one line of flow-style YAML (floats as their shortest exact text)."""
    if type(value).__module__ == "numpy":
        value = value.item()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return "null"
    return str(value)


def edit_yaml(text: str, values: Mapping[str, Any], comments: Mapping[str, str]) -> str:
    """``text`` with each dotted path set to its value; ``comments[path]`` goes above its line.

    Raises ValueError where the layout is too unusual to edit safely (the caller then writes
    the scenario afresh).
    """
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("not a mapping")
    edits: list[tuple[int, int, str]] = []  # (index, characters removed, text inserted)
    notes: dict[int, list[str]] = {}  # line start index -> comment lines
    for path, value in values.items():
        parts = path.split(".")
        node, depth = _deepest(root, parts)
        if depth == len(parts):
            start, end = _span(node)
            edits.append((start, end - start, flow(value)))
            at = start
        else:
            nested: Any = value
            for part in reversed(parts[depth + 1 :]):
                nested = {part: nested}
            at = _insert(text, node, parts[depth], nested, edits, comments.get(path))
            if at is None:
                continue
        if path in comments:
            line_start = text.rfind("\n", 0, at) + 1
            notes.setdefault(line_start, []).append(comments[path])
    for line_start, lines in notes.items():
        line = text[line_start : text.find("\n", line_start) if "\n" in text[line_start:] else None]
        indent = " " * (len(line) - len(line.lstrip(" -")))
        block = "".join(f"{indent}# {c}\n" for c in lines)
        edits.append((line_start, 0, block))
    out = text
    for index, removed, inserted in sorted(edits, key=lambda e: (e[0], e[1] > 0), reverse=True):
        out = out[:index] + inserted + out[index + removed :]
    return out


def _deepest(root: yaml.Node, parts: list[str]) -> tuple[yaml.Node, int]:
    """The node at the longest existing prefix of ``parts``, and that prefix's length."""
    node = root
    for depth, part in enumerate(parts):
        if not isinstance(node, yaml.MappingNode):
            raise ValueError(f"'{'.'.join(parts[:depth])}' is not a mapping")
        child = next((v for k, v in node.value if str(k.value) == part), None)
        if child is None or (
            isinstance(child, yaml.ScalarNode)
            and child.value in ("", "null")
            and depth < len(parts) - 1
        ):
            return node, depth
        node = child
    return node, len(parts)


def _span(node: yaml.Node) -> tuple[int, int]:
    """Where a value's text starts and ends (a block collection: first key to last value)."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return node.start_mark.index, node.end_mark.index
    last = node.value[-1]
    last = last[1] if isinstance(last, tuple) else last
    return node.start_mark.index, _span(last)[1]


def _insert(
    text: str,
    mapping: yaml.Node,
    key: str,
    value: Any,
    edits: list[tuple[int, int, str]],
    comment: str | None,
) -> int | None:
    """Add ``key: value`` to a mapping: where a comment about it belongs (None: written)."""
    if not isinstance(mapping, yaml.MappingNode):
        raise ValueError("cannot add a key to a value")
    if mapping.flow_style:
        at = mapping.end_mark.index - 1
        sep = ", " if mapping.value else ""
        edits.append((at, 0, f"{sep}{key}: {flow(value)}"))
        return at
    if not mapping.value:
        raise ValueError("an empty block mapping")
    first_key = mapping.value[0][0]
    indent = " " * first_key.start_mark.column
    end = _span(mapping.value[-1][1])[1]
    line_end = text.find("\n", end)
    at = len(text) if line_end < 0 else line_end
    note = f"\n{indent}# {comment}" if comment else ""
    edits.append((at, 0, f"{note}\n{indent}{key}: {flow(value)}"))
    return None
