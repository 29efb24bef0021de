"""Mutation testing: plant one small bug at a time and check that the test suite notices.

    python benchmarks/mutation.py                   # every mutant in benchmarks/mutants.py
    python benchmarks/mutation.py --only sensitivity_ignored --only additive_always
    python benchmarks/mutation.py --tests tests/test_engine_memory.py   # a quicker, partial run
    python benchmarks/mutation.py --update --only blame_ignores_fading  # rerun one, keep the rest

Each mutant replaces one exact piece of source text under src/truthsim/ (engine, behaviour,
experiments) with a wrong one. The project (sources, tests, scripts) is copied to a temporary
folder once and the copy is mutated, so the working tree is never touched and may change while
the run goes on; the tests run in the copy (PYTHONPATH), in fresh processes, stopping at the
first failure. A mutant is *caught* when any test fails (or the
run times out: a hang is noticed too) and *survives* when all pass. The score is caught / total;
results go to benchmarks/results/mutation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from mutants import MUTANTS, Mutant  # noqa: E402

#: the packages the score is about (a few mutants plant bugs in scenario/ or io.py as well)
CORE = ("engine", "behaviour", "experiments")

#: fast, sharp tests first, so a caught mutant usually stops within seconds
FIRST = [
    "tests/test_behaviour.py",
    "tests/test_engine_memory.py",
    "tests/test_engine_features.py",
    "tests/test_engine_summary.py",
    "tests/test_statistics.py",
    "tests/test_theory.py",
    "tests/test_experiments.py",
    "tests/test_resume.py",
    "tests/test_model_soundness.py",
    "tests/test_complaints.py",
    "tests/test_staffing.py",
    "tests/test_heterogeneity.py",
    "tests/test_hostile_input.py",
]


def test_order_in(root: Path) -> list[str]:
    """Every test file under ``root``, the sharpest first."""
    rest = sorted(str(p.relative_to(root)) for p in (root / "tests").glob("test_*.py"))
    first = [f for f in FIRST if (root / f).exists()]
    return first + [f for f in rest if f not in first]


def check(mutant: Mutant) -> None:
    """The mutant's text must occur exactly once in its file, or it plants nothing (or too much)."""
    text = (ROOT / "src" / "truthsim" / mutant.file).read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"mutant {mutant.name}: found {count} times in {mutant.file}, not once")


def run_one(mutant: Mutant, copy: Path, tests: list[str], timeout: float) -> dict[str, object]:
    target = copy / "src" / "truthsim" / mutant.file
    original = target.read_text()
    target.write_text(original.replace(mutant.old, mutant.new, 1))
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout
        )
        status = "survived" if done.returncode == 0 else "caught"
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        detail = failed[0] if failed else done.stdout.strip().splitlines()[-1:]
    except subprocess.TimeoutExpired:
        status, detail = "caught", f"timed out after {timeout:g} s"
    finally:
        target.write_text(original)
    return {
        "name": mutant.name,
        "file": mutant.file,
        "what": mutant.what,
        "status": status,
        "seconds": round(time.monotonic() - start, 1),
        "detail": detail if isinstance(detail, str) else " ".join(detail),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this mutant (repeatable)")
    parser.add_argument("--tests", nargs="*", help="test files to run (default: all)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "mutation.json")
    parser.add_argument(
        "--update",
        action="store_true",
        help="rerun the --only mutants with every test and replace their rows in --out",
    )
    args = parser.parse_args()

    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    unknown = set(args.only or []) - {m.name for m in MUTANTS}
    if unknown:
        raise SystemExit(f"no mutant {', '.join(sorted(unknown))}")
    for mutant in chosen:
        check(mutant)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        skip = shutil.ignore_patterns(".git", "__pycache__", "results", "*.egg-info")
        shutil.copytree(ROOT, copy, ignore=skip)
        tests = args.tests or test_order_in(copy)
        clean = run_one(
            Mutant("none", "__init__.py", "", "", "no change"), copy, tests, args.timeout
        )
        if clean["status"] != "survived":
            raise SystemExit(f"the tests fail without any mutant: {clean['detail']}")
        print(f"clean run: all tests pass ({clean['seconds']} s)", flush=True)
        for i, mutant in enumerate(chosen, start=1):
            result = run_one(mutant, copy, tests, args.timeout)
            results.append(result)
            print(
                f"[{i}/{len(chosen)}] {result['status']:8} {mutant.name} ({result['seconds']} s)",
                flush=True,
            )
    caught = sum(r["status"] == "caught" for r in results)
    score = caught / len(results) if results else float("nan")
    survivors = [r for r in results if r["status"] == "survived"]
    print(f"\nmutation score: {caught}/{len(results)} caught ({100 * score:.1f}%)")
    for r in survivors:
        print(f"  survived: {r['name']} ({r['file']}): {r['what']}")
    if args.update and not args.tests:
        earlier = json.loads(args.out.read_text())["mutants"]
        fresh = {r["name"]: r for r in results}
        results = [fresh.pop(r["name"], r) for r in earlier] + list(fresh.values())
        known = {m.name for m in MUTANTS}
        results = [r for r in results if r["name"] in known]  # mutants since removed drop out
        caught = sum(r["status"] == "caught" for r in results)
        score = caught / len(results)
        print(f"updated score: {caught}/{len(results)} caught ({100 * score:.1f}%)")
    core = [r for r in results if str(r["file"]).split("/")[0] in CORE]
    core_caught = sum(r["status"] == "caught" for r in core)
    if core:
        print(f"in {', '.join(CORE)}: {core_caught}/{len(core)} caught")
    if (args.update or not args.only) and not args.tests:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "caught": caught,
            "total": len(results),
            "score": score,
            "core": {"packages": list(CORE), "caught": core_caught, "total": len(core)},
            "mutants": results,
        }
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
