"""Fingerprints of the engine's results, to check that a change to the engine changes nothing.

    python benchmarks/fingerprint.py > before.txt      # ... change the engine ...
    python benchmarks/fingerprint.py | diff before.txt -

One line per case and record table: a SHA-256 of the records' bytes (every field of every row,
in order) and of the summary JSON. The cases cover every model feature: staffing schedules,
self-service, patience, failures and recovery, complaints, word of mouth, a finite market, an
hour-of-day profile, customers who differ (a Beta baseline, and in how often they come), every
memory model, forgetting and the memory ceiling, a short planning period, and the bundled
scenarios as they
start, from their steady-state base.

The first line names what the numbers are computed with: Python, numpy, scipy and SimPy
versions and the SIMD extensions numpy found. Results are bit-identical on one installation
whatever the backend or worker count, and the engine avoids numpy's float64 exp, log and power,
whose AVX-512 code may round the last bit otherwise (see ``truthsim.exact``); a reference made
with other versions of these libraries can still differ while every journey, outcome and
decision is the same (``equivalence.py`` compares to rounding).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterator

import numpy as np
import scipy
import simpy

import truthsim
from truthsim.engine import simulate
from truthsim.scenario import Scenario, apply_changes


def cases() -> Iterator[tuple[str, Scenario]]:
    # from no customers, with a month's warm-up: the engine as it was before a base existed
    airline = apply_changes(
        truthsim.load_scenario("airline"), {"customer_base": "none", "warmup_days": 30.0}
    )
    yield "airline", airline
    short = apply_changes(airline, {"horizon_days": 120.0})
    yield "airline-short", short
    for model in ("peak_end", "weakest_link", "recency"):
        yield f"airline-{model}", apply_changes(short, {"memory.model": model})
    data = short.model_dump()
    data["segments"]["leisure"]["baseline_return"] = {"mean": 0.55, "polarisation": 0.3}
    yield "airline-spread", Scenario.model_validate(data)
    for name in ("hotel", "telecom"):
        empty = {"customer_base": "none", "warmup_days": 30.0, "horizon_days": 120.0}
        yield name, apply_changes(truthsim.load_scenario(name), empty)
    # customers who differ in how often they come
    data = short.model_dump()
    data["segments"]["leisure"]["days_between_journeys"]["rate_shape"] = 0.8
    yield "airline-rhythm", Scenario.model_validate(data)
    # as bundled: from the steady-state base (its pool made by the long run, once)
    bundled = apply_changes(truthsim.load_scenario("airline"), {"horizon_days": 120.0})
    yield "airline-established", bundled


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def simd() -> list[str]:
    """The SIMD extensions numpy dispatches to on this CPU (numpy's own, private, table)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy 1.x or a future layout: say nothing rather than guess
        return ["unknown"]
    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def environment() -> str:
    """What the numbers are computed with (see the module's docstring)."""
    return (
        f"# python {platform.python_version()} numpy {np.__version__} scipy {scipy.__version__} "
        f"simpy {simpy.__version__} simd {','.join(simd()) or 'baseline'}"
    )


def main() -> None:
    print(environment())
    for name, scenario in cases():
        result = simulate(scenario, seed=11)
        for table, records in result.records().items():
            print(f"{name:20} {table:10} {len(records):8} {digest(records.tobytes())}")
        summary = json.dumps([result.to_dict(), result.period.to_dict()], sort_keys=True).encode()
        print(f"{name:20} {'summary':10} {'':8} {digest(summary)}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
