"""Same seed, same bytes; another seed, other results; draws keyed by purpose (common random numbers)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from truthsim.engine import simulate
from truthsim.experiments.replication import RunSummary
from truthsim.experiments.valuation import Valuation
from truthsim.scenario import apply_changes


@pytest.mark.slow
def test_same_seed_gives_bit_identical_records(airline) -> None:
    a = simulate(airline, seed=7, horizon_days=60)
    b = simulate(airline, seed=7, horizon_days=60)
    for name, records in a.records().items():
        assert records.tobytes() == b.records()[name].tobytes(), name
    assert a.to_dict() == b.to_dict()


@pytest.mark.slow
def test_different_seeds_differ(airline) -> None:
    a = simulate(airline, seed=7, horizon_days=60)
    b = simulate(airline, seed=8, horizon_days=60)
    assert a.moments.tobytes() != b.moments.tobytes()
    assert a.headline["return_rate"] != b.headline["return_rate"]


@pytest.mark.slow
def test_a_change_at_one_touchpoint_leaves_other_draws_alone() -> None:
    """Unlimited servers: raising magic at 'b' changes no outcome at 'a' or 'c' of any journey both
    runs contain, because every draw is keyed by customer, journey, step and purpose."""
    tps = {
        name: station(servers=None, shifts={"misery": -0.2, "mediocrity": 0.0, "magic": 0.1})
        for name in "abc"
    }
    base = make_scenario(tps, per_day=200, horizon_days=30, baseline_return=0.6)
    better = apply_changes(base, {"touchpoints.b.outcomes.magic": 0.6})
    r0, r1 = simulate(base, seed=2), simulate(better, seed=2)
    assert r0.headline["magic_share"] < r1.headline["magic_share"]

    def keyed(result):
        m = result.moments
        return {
            (int(c), int(j), int(t)): (int(o), float(w), float(s))
            for c, j, t, o, w, s in zip(
                m["customer"],
                m["journey"],
                m["touchpoint"],
                m["outcome"],
                m["wait"],
                m["service"],
                strict=True,
            )
        }

    k0, k1 = keyed(r0), keyed(r1)
    shared = k0.keys() & k1.keys()
    assert len(shared) > 0.5 * len(k0)
    changed = {t for key in shared if k0[key] != k1[key] for t in [key[2]]}
    assert changed == {1}, changed  # only touchpoint 'b' (index 1) differs
    # customer identities are keyed too: the same customers arrive at the same times
    c0, c1 = r0.customers, r1.customers
    n = min(len(c0), len(c1))
    assert np.array_equal(c0["acquired"][:n], c1["acquired"][:n])


@pytest.mark.slow
def test_results_do_not_depend_on_numpys_vectorised_exp_and_log(airline, monkeypatch) -> None:
    """numpy's float64 exp, log, log1p and power run AVX-512 code on processors that have it,
    which may differ from the C library's in the last bit; were the engine to turn draws into
    times through them, machines would disagree. Here they are made one bit off everywhere:
    no record and no discounted value may change (the airline draws exponential, lognormal,
    gamma, triangular, uniform and empirical times)."""
    short = apply_changes(airline, {"horizon_days": 40.0})
    before = simulate(short, seed=5)
    value = Valuation(40, 0.12)
    worth = value.within(RunSummary({}, [], np.zeros(0), before.period))
    for name in ("exp", "log", "log1p", "power"):
        f = getattr(np, name)
        monkeypatch.setattr(np, name, lambda *a, _f=f, **k: np.nextafter(_f(*a, **k), np.inf))
    after = simulate(short, seed=5)
    for name, records in before.records().items():
        assert records.tobytes() == after.records()[name].tobytes(), name
    assert before.to_dict() == after.to_dict()
    assert before.period.to_dict() == after.period.to_dict()
    assert value.within(RunSummary({}, [], np.zeros(0), after.period)) == worth


def test_no_numpy_transcendental_function_is_named_in_the_simulations_code() -> None:
    """The test above catches the four functions the engine once used, as attributes of
    numpy; this one catches the rest of numpy's per-processor family being named anywhere the
    simulation's numbers are made (engine, behaviour, the scenario's distributions)."""
    package = Path(__file__).parents[1] / "src" / "truthsim"
    files = [*(package / "engine").glob("*.py"), *(package / "behaviour").glob("*.py")]
    files.append(package / "scenario" / "distributions.py")
    pattern = re.compile(
        r"\bnp\.(exp|exp2|expm1|log|log2|log10|log1p|power|float_power|sin|cos|tan|arc\w+|"
        r"sinh|cosh|tanh|cbrt)\(|from numpy import"
    )
    named = [f"{f.name}: {m.group(0)}" for f in files for m in pattern.finditer(f.read_text())]
    assert len(files) > 10 and not named, named
