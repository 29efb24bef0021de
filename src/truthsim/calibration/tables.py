"""Reading a data file as columns of text, and saying exactly where a value is wrong.

Every problem names the file, the row (its line in the file: the header is line 1), the column
and the fix, the way a scenario problem names its file, line and place.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from truthsim.errors import DataError
from truthsim.scenario.errors import suggest

#: problems listed in full before the rest are counted
SHOWN = 12
#: the largest data file read (a firm's extract, not a data lake)
MAX_BYTES = 2 * 1024**3
#: the largest whole number a data file's counting column may hold (journeys of a customer,
#: periods, days): far beyond any firm's history, well inside what arithmetic on it keeps exact
MAX_COUNT = 10_000_000
#: columns that hold times in minutes
TIMES = frozenset({"wait", "service", "start", "end", "arrival"})
#: the largest time in minutes a data file may hold (numbers as written; about 19,000 years)
MAX_MINUTES = 1e10
TRUE = frozenset({"true", "1", "yes", "y", "t"})
FALSE = frozenset({"false", "0", "no", "n", "f"})


@dataclass(frozen=True)
class Flaw:
    """One thing wrong in a data file: where, and what to do about it."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def render(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


def data_error(flaws: Sequence[Flaw]) -> DataError:
    """One error listing the first problems, and how many more there are."""
    lines = [f.render() for f in flaws[:SHOWN]]
    if len(flaws) > SHOWN:
        lines.append(f"... and {len(flaws) - SHOWN} more problems like these")
    count = len(flaws)
    head = f"the calibration data has {count} problem{'s' * (count != 1)}:\n"
    return DataError(head + "\n".join(lines))


class Table:
    """A CSV file's columns as text, by lower-case header name; rows keep their line numbers."""

    def __init__(self, path: Path, required: Sequence[str], optional: Sequence[str]) -> None:
        self.name = path.name
        self.path = path
        if path.stat().st_size > MAX_BYTES:
            raise data_error([Flaw(self.name, f"is larger than {MAX_BYTES // 1024**3} GiB")])
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
        except UnicodeDecodeError:
            raise data_error([Flaw(self.name, "is not UTF-8 text; save it as UTF-8 CSV")]) from None
        except csv.Error as error:
            raise data_error([Flaw(self.name, f"is not valid CSV: {error}")]) from None
        if not rows:
            raise data_error(
                [Flaw(self.name, f"is empty; it needs a header row: {', '.join(required)}")]
            )
        header = [h.strip().lower() for h in rows[0]]
        known = [*required, *optional]
        twice = sorted({h for h in header if h in known and header.count(h) > 1})
        if twice:
            raise data_error(
                [
                    Flaw(
                        self.name,
                        f"has the column '{h}' {header.count(h)} times; keep one",
                        row=1,
                        column=h,
                    )
                    for h in twice
                ]
            )
        missing = [c for c in required if c not in header]
        if missing:
            hints = "".join(suggest(m, header) for m in missing)
            raise data_error(
                [
                    Flaw(
                        self.name,
                        f"has no column {', '.join(repr(m) for m in missing)}{hints} (its columns: "
                        f"{', '.join(header)}); add {'it' if len(missing) == 1 else 'them'} "
                        f"(columns used: {', '.join(known)})",
                        row=1,
                    )
                ]
            )
        body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
        self.lines = np.array(
            [i + 2 for i, r in enumerate(rows[1:]) if any(cell.strip() for cell in r)], dtype=int
        )
        if not body:
            raise data_error([Flaw(self.name, "has a header but no rows", row=2)])
        flaws = [
            Flaw(self.name, f"has {len(r)} cells; the header has {len(header)}", row=int(line))
            for r, line in zip(body, self.lines, strict=True)
            if len(r) != len(header)
        ]
        if flaws:
            raise data_error(flaws)
        self.columns: dict[str, list[str]] = {
            name: [r[i].strip() for r in body] for i, name in enumerate(header) if name in known
        }

    def __len__(self) -> int:
        return len(self.lines)

    def has(self, column: str) -> bool:
        return column in self.columns

    def text(self, column: str) -> list[str]:
        return self.columns[column]

    def numbers(
        self,
        column: str,
        flaws: list[Flaw],
        *,
        blank: bool = False,
        low: float | None = None,
        high: float | None = None,
    ) -> np.ndarray:
        """The column as floats (blank cells NaN when ``blank``); bad cells become flaws."""
        out = np.full(len(self), np.nan)
        for i, cell in enumerate(self.columns[column]):
            if cell == "" and blank:
                continue
            value = _number(cell)
            if not math.isfinite(value):
                what = "is empty" if cell == "" else f"'{cell}' is not a number"
                flaws.append(Flaw(self.name, f"{what}; write a number", self.row(i), column))
                continue
            if low is not None and value < low:
                flaws.append(
                    Flaw(
                        self.name,
                        f"{cell} is below {low:g}; {column} cannot be negative",
                        self.row(i),
                        column,
                    )
                )
                continue
            if high is not None and value > high:
                flaws.append(
                    Flaw(
                        self.name,
                        f"{cell} is more than {high:g}, the most {column} can be; check the "
                        + ("unit (times are minutes)" if column in TIMES else "number"),
                        self.row(i),
                        column,
                    )
                )
                continue
            out[i] = value
        return out

    def integers(
        self, column: str, flaws: list[Flaw], low: int = 0, high: int = MAX_COUNT
    ) -> np.ndarray:
        """The column as whole numbers from ``low`` to ``high``."""
        values = self.numbers(column, flaws)
        out = np.zeros(len(self), dtype=np.int64)
        for i, value in enumerate(values):
            if math.isnan(value):
                continue
            if not low <= value <= high or value != int(value):
                flaws.append(
                    Flaw(
                        self.name,
                        f"{self.columns[column][i]} is not a whole number from {low} to {high:,}",
                        self.row(i),
                        column,
                    )
                )
                continue
            out[i] = int(value)
        return out

    def booleans(self, column: str, flaws: list[Flaw], *, blank: bool = False) -> np.ndarray:
        """true/false (also 1/0, yes/no) as 1/0; blank cells -1 when ``blank``."""
        out = np.full(len(self), -1, dtype=np.int8)
        for i, cell in enumerate(self.columns[column]):
            word = cell.lower()
            if word in TRUE:
                out[i] = 1
            elif word in FALSE:
                out[i] = 0
            elif not (blank and word == ""):
                allowed = "true, false or empty (not known)" if blank else "true or false"
                flaws.append(Flaw(self.name, f"'{cell}' is not {allowed}", self.row(i), column))
        return out

    def names(
        self, column: str, known: Sequence[str], what: str, flaws: list[Flaw], blank: bool = False
    ) -> np.ndarray:
        """Each cell's index in ``known`` (-1 for a blank cell when ``blank``)."""
        index = {name: i for i, name in enumerate(known)}
        out = np.full(len(self), -1, dtype=np.int64)
        listed = ", ".join(known)
        for i, cell in enumerate(self.columns[column]):
            if cell in index:
                out[i] = index[cell]
            elif not (blank and cell == ""):
                shown = "an empty cell" if cell == "" else f"'{cell}'"
                flaws.append(
                    Flaw(
                        self.name,
                        f"{shown} is not a {what}{suggest(cell, known)}; the scenario's "
                        f"{what}s: {listed}",
                        self.row(i),
                        column,
                    )
                )
        return out

    def times(
        self, column: str, flaws: list[Flaw], *, blank: bool = False
    ) -> tuple[np.ndarray, bool]:
        """Minutes: numbers as written, or timestamps as minutes since the earliest one.

        Returns the minutes and whether the column held timestamps.
        """
        cells = self.columns[column]
        written = [c for c in cells if c]
        # the way most cells are written is the column's: the odd cell out gets the message
        stamped = 2 * sum(not _is_number(c) for c in written) > len(written)
        if not stamped:
            return self.numbers(column, flaws, blank=blank, low=0.0, high=MAX_MINUTES), False
        out = np.full(len(self), np.nan)
        for i, cell in enumerate(cells):
            if cell == "" and blank:
                continue
            try:
                moment = datetime.fromisoformat(cell)
                if moment.tzinfo is None:  # read as UTC: the machine's time zone must not matter
                    moment = moment.replace(tzinfo=timezone.utc)
                out[i] = moment.timestamp() / 60.0
            except (ValueError, OverflowError):
                flaws.append(
                    Flaw(
                        self.name,
                        f"'{cell}' is neither minutes nor a timestamp; write minutes (a number) "
                        "or an ISO timestamp such as 2024-03-01 14:30, the same way in every row",
                        self.row(i),
                        column,
                    )
                )
        return out, True

    def row(self, index: int) -> int:
        return int(self.lines[index])


#: a number as a spreadsheet writes it: no digit groups (``1_000``, ``1,000``), no other
#: scripts' digits, no 'inf' or 'nan' (Python's float would take all of these)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(cell: str) -> float:
    """The cell as a float, or NaN where it is not a plainly written number."""
    return float(cell) if _NUMBER.fullmatch(cell) else math.nan


def _is_number(cell: str) -> bool:
    return _NUMBER.fullmatch(cell) is not None
