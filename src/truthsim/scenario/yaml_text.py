"""Reading scenario YAML safely: bounded size and structure, and syntax errors a person can fix.

The limits are checked on the parser's event stream, before anything is built: a file that
nests a thousand levels deep, or expands to billions of values through aliases (``&a``/``*a``),
is refused in milliseconds instead of exhausting the stack or running for minutes. A syntax
error is reported on the line that needs the fix, with a plain hint, not the parser's words.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from truthsim.scenario.errors import Place, Problem, ScenarioError
from truthsim.scenario.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES


def _keep_plus(loader: type[yaml.SafeLoader]) -> None:
    """``+1`` stays the text '+1' so an improvement can mean 'add one'."""
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if not (first == "+" and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"))
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class _Loader(yaml.SafeLoader):
    """Safe YAML in Python: its error messages are the ones the hints below understand."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same, parsed by libyaml where PyYAML has it (several times faster)."""


_keep_plus(_Loader)
_keep_plus(_FastLoader)


def read_text(path: Path) -> str:
    """The text of a scenario file: a regular file of at most ``MAX_FILE_BYTES``, in UTF-8."""

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem((), message)], file=str(path))

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(
                "is not a regular file (a device, pipe or socket); give a scenario .yaml file"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            f"is larger than {MAX_FILE_BYTES // 1024} KiB; a scenario file is a few KB of YAML "
            "(is this the right file?)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioError(
            [Problem((), "is not UTF-8 text; save it as UTF-8 (a plain text editor can)", line)],
            file=str(path),
        ) from None


def read_yaml(text: str) -> tuple[Any, dict[Place, int], list[Problem]]:
    """(data, line of each place, problems): problems come from the syntax, size and keys.

    libyaml reads the file when it is available; a file it cannot read is read again in
    Python, whose error messages carry what the syntax hints need.
    """
    try:
        return _read(text, _FastLoader)
    except yaml.YAMLError:
        if _FastLoader is _Loader:
            raise
    return _read(text, _Loader)


def _read(text: str, kind: type[yaml.SafeLoader]) -> tuple[Any, dict[Place, int], list[Problem]]:
    lines: dict[Place, int] = {}
    try:
        problems = _structure_problems(text, kind)
        if problems:
            return None, lines, problems
        loader = kind(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        if kind is not _Loader:
            raise
        if isinstance(error, yaml.MarkedYAMLError):
            return None, lines, [syntax_problem(error, text)]
        return None, lines, [Problem((), f"not valid YAML: {error}")]
    problems = []
    if node is not None:
        _map_lines(node, (), lines, problems)
    return data, lines, problems


def _structure_problems(text: str, kind: type[yaml.SafeLoader]) -> list[Problem]:
    """Depth and expanded size, measured on the event stream (no recursion, nothing built)."""
    sizes: dict[str, int] = {}  # expanded size of each anchored node
    stack: list[list[Any]] = []  # [anchor, values so far] per open mapping or sequence
    total = 0
    for event in yaml.parse(text, Loader=kind):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                line = event.start_mark.line + 1
                return [
                    Problem(
                        (),
                        f"nests lists and mappings more than {MAX_DEPTH} levels deep; a scenario "
                        "needs about 6",
                        line,
                    )
                ]
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if anchor:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        total += size if isinstance(event, yaml.AliasEvent) else 1
        if total > MAX_VALUES or (stack and stack[-1][1] > MAX_VALUES):
            return [
                Problem(
                    (),
                    f"holds more than {MAX_VALUES:,} values once its aliases (*name) are "
                    "expanded; a scenario needs a few hundred (remove the repeated aliases)",
                    event.start_mark.line + 1,
                )
            ]
    return []


def syntax_problem(error: yaml.MarkedYAMLError, text: str) -> Problem:
    """The syntax error on the line that needs the fix, with a hint in plain words."""
    lines = text.splitlines()
    problem = error.problem or error.context or ""
    at = (error.problem_mark.line if error.problem_mark else 0) + 1
    opened = (error.context_mark.line + 1) if error.context_mark else at
    if "'\\t'" in problem:
        return Problem((), "a tab character: YAML indents with spaces only; replace the tab", at)
    if error.context and "quoted scalar" in error.context:
        return Problem((), "a quote opened on this line is never closed; close it", opened)
    if "<scalar>" in problem:
        quote = _unclosed_quote(lines, at)
        if quote is not None:
            return Problem((), "a quote opened on this line is never closed; close it", quote)
    if error.context and "flow" in error.context:
        bracket = "[" if "sequence" in error.context else "{"
        closing = "]" if bracket == "[" else "}"
        return Problem(
            (),
            f"a '{bracket}' opened on this line is not closed; add '{closing}' (and separate "
            "items with commas)",
            opened,
        )
    bare = _line_without_colon(lines, at)
    if bare is not None:
        return Problem(
            (), "this line has no ':' between its key and its value (write 'key: value')", bare
        )
    if "mapping values are not allowed" in problem or "expected <block end>" in problem:
        return Problem(
            (),
            "the indentation does not line up: indent with spaces, the same number for keys of "
            "the same section",
            at,
        )
    return Problem((), f"not valid YAML: {problem or 'cannot be read'}", at)


_KEY_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s#'\"][^#]*?:(\s|$)")
_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[^#'"]*?:\s+)?(['"])""")
_NOT_A_KEY = ("-", "[", "{", "]", "}", "'", '"', "#", "&", "*", "|", ">")


def _unclosed_quote(lines: list[str], at: int) -> int | None:
    """The nearest line at or before ``at`` whose value opens a quote it does not close."""
    for number in range(min(at, len(lines)), 0, -1):
        line = lines[number - 1]
        match = _OPENING_QUOTE.match(line)
        if not match:
            continue
        quote, rest = match.group(1), line[match.end() :]
        body = rest.replace("''", "") if quote == "'" else re.sub(r"\\.", "", rest)
        if quote not in body:
            return number
    return None


def _line_without_colon(lines: list[str], at: int) -> int | None:
    """The error line, or the content line before it, when it is a bare word where a key belongs.

    The parser notices a missing colon only on the next key, so both lines are looked at.
    """
    content = [
        n
        for n in range(min(at, len(lines)), 0, -1)
        if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
    ][:2]
    for number in content:
        line = lines[number - 1].split(" #", 1)[0].rstrip()
        if not _KEY_VALUE.match(line) and not line.lstrip().startswith(_NOT_A_KEY):
            return number
    return None


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
