"""Whether a change to the engine changed any result beyond rounding: the fingerprint cases run
on this tree and on an earlier commit, compared record by record.

    python benchmarks/equivalence.py 4db1902

``fingerprint.py`` shows with one diff that a change keeps every bit. A change that adds the
same times in another order, or writes the same rows in another order, moves the last bits of
some floats and changes the fingerprint while every customer lives exactly the same journeys.
This compares each table with its rows in a fixed order (by customer, journey, and so on):
discrete fields (outcomes, decisions, counts) must be equal, floats equal to a relative 1e-9 (an absolute 1e-9 near zero), and so must every number of the
summaries. It prints the largest difference per table and exits non-zero on any other.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from run import ROOT, worktree

TOLERANCE = 1e-9

CHILD = """
import pickle, sys
sys.path.insert(0, {here!r})
from fingerprint import cases
from truthsim.engine import simulate
out = {{}}
for name, scenario in cases():
    result = simulate(scenario, seed=11)
    out[name] = (result.records(), [result.to_dict(), result.period.to_dict()])
with open(sys.argv[1], "wb") as f:
    pickle.dump(out, f)
"""


def results(src: Path, path: Path) -> dict[str, Any]:
    """The fingerprint cases' records and summaries with the package at ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = CHILD.format(here=str(Path(__file__).resolve().parent))
    subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True)
    with open(path, "rb") as f:
        return pickle.load(f)


def ordered(table: str, records: np.ndarray) -> np.ndarray:
    """Rows by their fields in the table's order (customer, journey, ...): the same rows
    written in another order compare equal."""
    names = records.dtype.names
    if not names or "customer" not in names:
        return records  # a table by hour or by day: its order is its meaning
    return records[np.lexsort(tuple(records[k] for k in reversed(names)))]


def numbers(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a summary, by its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numbers(v, f"{path}[{i}]")
    else:
        yield path, value


def relative(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b) / np.maximum(np.abs(a), 1.0))
    return float(np.max(diff)) if diff.size else 0.0


def compare(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Print the largest difference per case and table; return what differs beyond rounding."""
    problems = []
    for case, (records, summary) in new.items():
        old_records, old_summary = old[case]
        for table, rows in records.items():
            a, b = ordered(table, rows), ordered(table, old_records[table])
            if len(a) != len(b):
                problems.append(f"{case} {table}: {len(a)} rows, {len(b)} before")
                continue
            worst = 0.0
            for field in a.dtype.names:
                if a[field].dtype.kind == "f":
                    worst = max(worst, relative(a[field], b[field]))
                elif not np.array_equal(a[field], b[field]):
                    problems.append(
                        f"{case} {table}.{field}: {int((a[field] != b[field]).sum())} differ"
                    )
            print(f"{case:20} {table:10} {len(a):8} largest difference {worst:.1e}")
            if worst > TOLERANCE:
                problems.append(f"{case} {table}: floats differ by {worst:.1e}")
        before = dict(numbers(old_summary))
        worst = 0.0
        for path, value in numbers(summary):
            other = before.get(path)
            if isinstance(value, float) and isinstance(other, float):
                worst = max(worst, relative(np.array([value]), np.array([other])))
            elif value != other:
                problems.append(f"{case} summary{path}: {value!r}, {other!r} before")
        print(f"{case:20} {'summary':10} {'':8} largest difference {worst:.1e}")
        if worst > TOLERANCE:
            problems.append(f"{case} summary: numbers differ by {worst:.1e}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the earlier engine, e.g. the commit before a change")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, worktree(args.commit) as tree:
        new = results(ROOT / "src", Path(tmp) / "new.pickle")
        old = results(tree / "src", Path(tmp) / "old.pickle")
    problems = compare(new, old)
    for problem in problems:
        print("DIFFERS:", problem)
    print("same results up to rounding" if not problems else f"{len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
