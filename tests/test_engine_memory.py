"""What the engine remembers and decides, recomputed journey by journey from its own records.

A scenario that uses every input of the return decision (two segments with different
sensitivity, baseline and rhythm, touchpoints with importance, a queue customers abandon, failures
recovered with their own shift, forgetting between journeys) runs once per memory model; the
reference model in ``tests/reference.py`` replays each customer's moments and must reproduce each
journey's remembered value and return probability, and the decisions must follow those
probabilities.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from tests.reference import MISERY, replay_memory, z_score
from truthsim.engine import simulate

Z = 4.0

SEGMENTS = {
    "calm": {
        "share": 0.6,
        "value_per_journey": 80.0,
        "baseline_return": 0.75,
        "days_between_journeys": {"kind": "uniform", "low": 2.0, "high": 9.0},
        "sensitivity": 0.5,
        "patience": 2.0,
    },
    "touchy": {
        "share": 0.4,
        "value_per_journey": 150.0,
        "baseline_return": 0.6,
        "days_between_journeys": {"kind": "exponential", "mean": 5.0},
        "sensitivity": 2.0,
        "patience": 0.5,
    },
}


def remembering(model: str, half_life: float | None = 6.0, **memory: object):
    """Kiosk (failures, recovered with their own shift), a queue people leave, a lounge."""
    kiosk = station(
        servers=None,
        mean=0.5,
        failure={
            "rate": 0.3,
            "recovery": 0.6,
            "recovered_outcomes": {"misery": 0.1, "mediocrity": 0.3, "magic": 0.6},
            "recovered_shift": 0.2,
        },
        importance=1.25,
        shifts={"misery": -0.2, "mediocrity": 0.0, "magic": 0.05},
    )
    desk = station(
        servers=1,
        mean=2.0,
        patience={"kind": "exponential", "mean": 3.0},
        wait={"tolerance": 1.0, "doubling": 2.0},
        importance=1.5,
        shifts={"misery": -0.3, "mediocrity": -0.02, "magic": 0.1},
    )
    lounge = station(
        servers=None,
        outcomes={"misery": 0.2, "mediocrity": 0.3, "magic": 0.5},
        importance=0.5,
        shifts={"misery": -0.1, "mediocrity": 0.01, "magic": 0.25},
    )
    return make_scenario(
        {"kiosk": kiosk, "desk": desk, "lounge": lounge},
        per_day=120.0,
        horizon_days=25.0,
        segments=SEGMENTS,
        memory={
            "model": model,
            "forgetting_half_life_days": half_life,
            "reference_return": 0.5,
            "recency_decay": 0.6,
            **memory,
        },
    )


@pytest.fixture(scope="module", params=["additive", "peak_end", "weakest_link", "recency"])
def run(request):
    scenario = remembering(request.param)
    return scenario, simulate(scenario, seed=21)


def test_the_scenario_exercises_every_input(run) -> None:
    """Otherwise the replay below could agree by accident."""
    _, result = run
    m, c = result.moments, result.customers
    assert np.count_nonzero(m["abandoned"]) > 50
    assert np.count_nonzero(m["recovered"]) > 300
    assert np.count_nonzero(m["failed"] & ~m["recovered"]) > 200
    assert set(np.unique(c["segment"]).tolist()) == {0, 1}
    assert np.count_nonzero(result.journeys["journey"] > 0) > 1000, "customers come back"


def test_each_journey_is_remembered_as_the_memory_model_says(run) -> None:
    scenario, result = run
    remembered, _ = replay_memory(scenario, result)
    np.testing.assert_allclose(result.journeys["remembered"], remembered, rtol=1e-12, atol=1e-12)


def test_return_probabilities_follow_baseline_experience_and_forgetting(run) -> None:
    scenario, result = run
    _, probability = replay_memory(scenario, result)
    np.testing.assert_allclose(
        result.journeys["return_probability"], probability, rtol=1e-12, atol=1e-12
    )


def test_customers_return_with_the_recorded_probability(run) -> None:
    """Within low, middle and high bands of probability, returns match the sum of chances."""
    _, result = run
    j = result.journeys
    p, returned = j["return_probability"], j["returned"]
    for low, high in ((0.0, 0.5), (0.5, 0.75), (0.75, 1.0)):
        band = (p >= low) & (p < high)
        assert np.count_nonzero(band) > 200, (low, high)
        q = p[band]
        z = z_score(np.count_nonzero(returned[band]), q.sum(), (q * (1 - q)).sum())
        assert abs(z) < Z, (low, high, z)


def test_forgetting_is_what_separates_the_replays() -> None:
    """Without forgetting, experience is the running sum of what each journey left; with a
    half-life the same records replay differently, so the checks above see the half-life."""
    kept = remembering("additive", half_life=None)
    result = simulate(kept, seed=21, horizon_days=12)
    _, probability = replay_memory(kept, result)
    np.testing.assert_allclose(result.journeys["return_probability"], probability, rtol=1e-12)

    fading = remembering("additive", half_life=3.0)
    faded = simulate(fading, seed=21, horizon_days=12)
    _, with_half_life = replay_memory(fading, faded)
    _, without = replay_memory(kept, faded)
    np.testing.assert_allclose(faded.journeys["return_probability"], with_half_life, rtol=1e-12)
    later = faded.journeys["journey"] > 0
    moved = np.abs(with_half_life - without)[later]
    assert np.count_nonzero(moved > 0.01) > 0.3 * np.count_nonzero(later)


def test_a_moment_shift_reaches_the_return_decision_in_full() -> None:
    """A lone misery shift of -0.3 on an average (0.5) customer: return probability 0.2 exactly."""
    kiosk = station(
        servers=None,
        outcomes={"misery": 1.0, "mediocrity": 0.0, "magic": 0.0},
        shifts={"misery": -0.3, "mediocrity": 0.0, "magic": 0.0},
    )
    scenario = make_scenario({"kiosk": kiosk}, per_day=50.0, horizon_days=3.0, baseline_return=0.5)
    result = simulate(scenario, seed=1)
    first = result.journeys[result.journeys["journey"] == 0]
    assert np.all(result.moments["outcome"] == MISERY)
    np.testing.assert_allclose(first["return_probability"], 0.2, rtol=1e-12)
