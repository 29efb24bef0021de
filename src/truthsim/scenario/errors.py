"""Problems found in a scenario, each tied to its place in the file, and the error that carries them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Place = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is (dotted place, YAML line) and what to do."""

    place: Place
    message: str
    line: int | None = None

    def dotted(self) -> str:
        return dotted(self.place) or "(top level)"

    def render(self, file: str | None = None) -> str:
        where = file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.dotted()}: {self.message}"


@dataclass
class ScenarioError(Exception):
    """A scenario that cannot be used. ``str()`` lists every problem, one per line."""

    problems: list[Problem]
    file: str | None = None
    lines: dict[Place, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[list[Problem], str | None, dict[Place, int]]]:
        """Pickle by fields, so the error crosses process boundaries intact."""
        return (type(self), (self.problems, self.file, self.lines))

    def __str__(self) -> str:
        return "\n".join(p.render(self.file) for p in self.located())

    def located(self) -> list[Problem]:
        """The problems with YAML line numbers filled in where the file gives them, in line
        order (those without a line last), each once."""
        found = [
            p if p.line is not None else Problem(p.place, p.message, line_of(p.place, self.lines))
            for p in self.problems
        ]
        unique = list(dict.fromkeys(found))
        return sorted(unique, key=lambda p: (p.line is None, p.line or 0))


def dotted(place: Sequence[str | int]) -> str:
    """``('touchpoints', 'gate', 'servers')`` -> ``touchpoints.gate.servers``; list items as ``[2]``."""
    out = ""
    for part in place:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in str(part) or " " in str(part):
            out += f"['{part}']"
        else:
            out += ("." if out else "") + str(part)
    return out


def line_of(place: Place, lines: dict[Place, int]) -> int | None:
    """The line of ``place``, or of its nearest ancestor the file gives a line for."""
    for n in range(len(place), -1, -1):
        if place[:n] in lines:
            return lines[place[:n]]
    return None


def suggest(word: str, choices: Iterable[str]) -> str:
    """A ' did you mean ...?' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
