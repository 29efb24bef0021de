"""What the engine remembers and decides, recomputed journey by journey from its own records.

A scenario that uses every input of the return decision (two segments with different
sensitivity, baseline and rhythm, one of them with baselines that differ from customer to
customer; touchpoints with importance, a queue customers abandon, failures recovered with their
own shift and failures whose recovery is capped at the clean mean; complaints at a desk of their
own; forgetting between journeys and a memory ceiling that binds) runs once per memory model;
the reference model in ``tests/reference.py`` replays each customer's moments and must reproduce
each journey's remembered value and return probability, and the decisions must follow those
probabilities.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests import reference
from tests.conftest import make_scenario, station
from tests.reference import MISERY, lives, replay, replay_memory, touchpoint_impacts, z_score
from truthsim.engine import simulate

Z = 4.0

SEGMENTS = {
    "calm": {
        "share": 0.6,
        "value_per_journey": 80.0,
        "baseline_return": {"mean": 0.75, "polarisation": 0.2},
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
    """Kiosk (failures, recovered with their own shift), a queue people leave, a lounge (failures
    recovered at most to its clean mean), and a complaints desk where callers may give up."""
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
        failure={
            "rate": 0.25,
            "recovery": 0.7,
            "recovered_outcomes": {"misery": 0.1, "mediocrity": 0.2, "magic": 0.7},
        },
        importance=0.5,
        shifts={"misery": -0.1, "mediocrity": 0.01, "magic": 0.25},
    )
    helpdesk = station(
        servers=1,
        mean=4.0,
        patience={"kind": "exponential", "mean": 6.0},
        outcomes={"misery": 0.3, "mediocrity": 0.3, "magic": 0.4},
        importance=2.0,
        shifts={"misery": -0.2, "mediocrity": 0.02, "magic": 0.15},
    )
    return make_scenario(
        {"kiosk": kiosk, "desk": desk, "lounge": lounge, "helpdesk": helpdesk},
        per_day=120.0,
        horizon_days=25.0,
        segments=SEGMENTS,
        journey=["kiosk", "desk", "lounge"],
        complaints={"touchpoint": "helpdesk", "share": 0.3},
        memory={
            "model": model,
            "forgetting_half_life_days": half_life,
            "reference_return": 0.5,
            "recency_decay": 0.6,
            "ceiling": 0.8,
            **memory,
        },
    )


@pytest.fixture(scope="module", params=["additive", "peak_end", "weakest_link", "recency"])
def run(request):
    scenario = remembering(request.param)
    return scenario, simulate(scenario, seed=21)


def test_the_scenario_exercises_every_input(run) -> None:
    """Otherwise the replay below could agree by accident."""
    scenario, result = run
    m, c = result.moments, result.customers
    names = result.touchpoint_names
    assert np.count_nonzero(m["abandoned"]) > 50
    kiosk, lounge = names.index("kiosk"), names.index("lounge")
    assert np.count_nonzero(m["recovered"] & (m["touchpoint"] == kiosk)) > 200
    # the lounge's recovered magic is capped below its clean magic
    clean, recovered = touchpoint_impacts(scenario, "lounge")
    assert recovered[2] < clean[2]
    assert (
        np.count_nonzero(m["recovered"] & (m["touchpoint"] == lounge) & (m["outcome"] == 2)) > 100
    )
    assert np.count_nonzero(m["failed"] & ~m["recovered"]) > 200
    helpdesk = m["touchpoint"] == names.index("helpdesk")
    assert np.count_nonzero(helpdesk) > 300 and np.count_nonzero(helpdesk & m["abandoned"]) > 20
    assert set(np.unique(c["segment"]).tolist()) == {0, 1}
    calm = c["baseline_return"][c["segment"] == 0]
    assert calm.std() > 0.1, "calm customers differ from one another"
    assert np.all(c["baseline_return"][c["segment"] == 1] == 0.6)
    assert np.count_nonzero(result.journeys["journey"] > 0) > 1000, "customers come back"


def _replayed_with(scenario, result, **memory: object) -> np.ndarray:
    changed = scenario.model_copy(update={"memory": scenario.memory.model_copy(update=memory)})
    return replay_memory(changed, result)[1]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["additive"])
def test_the_ceiling_recovery_cap_and_own_baselines_each_change_the_replay(
    model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replays that leave out one ingredient miss the recorded probabilities by far more than
    the tolerance, so the checks below see each of them."""
    scenario = remembering(model)
    result = simulate(scenario, seed=21, horizon_days=15)
    recorded = result.journeys["return_probability"]
    np.testing.assert_allclose(replay_memory(scenario, result)[1], recorded, rtol=1e-12)

    def moved(replayed: np.ndarray) -> int:
        return int(np.count_nonzero(np.abs(replayed - recorded) > 1e-3))

    assert moved(_replayed_with(scenario, result, ceiling=None)) > 100, "the ceiling binds"
    # each customer's own baseline, not the segment's mean
    everyone = lives(scenario, result)
    for life, customer in zip(everyone.values(), everyone, strict=True):
        if result.customers["segment"][customer] == 0:
            life.baseline = np.log(3.0)  # logit(0.75), the calm segment's mean
    mean_based = np.concatenate([replay(scenario, life) for life in everyone.values()])
    own = np.concatenate([replay(scenario, life) for life in lives(scenario, result).values()])
    assert np.count_nonzero(np.abs(mean_based - own) > 1e-3) > 1000

    # a recovered failure with no shift of its own counted like a clean moment, uncapped
    def uncapped(scenario, name):
        clean, recovered = touchpoint_impacts(scenario, name)
        return clean, (clean if name == "lounge" else recovered)

    monkeypatch.setattr(reference, "touchpoint_impacts", uncapped)
    assert moved(replay_memory(scenario, result)[1]) > 100


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


def test_journey_records_count_their_misery_and_magic_complaints_included(run) -> None:
    _, result = run
    m, j = result.moments, result.journeys
    row = {(a, b): k for k, (a, b) in enumerate(zip(j["customer"].tolist(),
                                                    j["journey"].tolist(), strict=True))}  # fmt: skip
    misery, magic = np.zeros(len(j), dtype=int), np.zeros(len(j), dtype=int)
    for a, b, outcome in zip(m["customer"].tolist(), m["journey"].tolist(),
                             m["outcome"].tolist(), strict=True):  # fmt: skip
        k = row.get((a, b))
        if k is not None:
            misery[k] += outcome == MISERY
            magic[k] += outcome == 2
    np.testing.assert_array_equal(j["misery"], misery)
    np.testing.assert_array_equal(j["magic"], magic)


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


def test_by_default_memory_fades_in_a_year_and_saturates_at_0_9() -> None:
    data = remembering("additive").model_dump()
    for name in ("forgetting_half_life_days", "ceiling"):
        del data["memory"][name]
    scenario = type(remembering("additive")).model_validate(data)
    assert scenario.memory.forgetting_half_life_days == 365.0 and scenario.memory.ceiling == 0.9
    result = simulate(scenario, seed=21, horizon_days=12)
    _, probability = replay_memory(scenario, result)
    np.testing.assert_allclose(result.journeys["return_probability"], probability, rtol=1e-12)
    never = scenario.model_copy(
        update={"memory": scenario.memory.model_copy(update={"forgetting_half_life_days": None})}
    )
    _, kept = replay_memory(never, result)
    assert np.count_nonzero(np.abs(kept - probability) > 1e-6) > 100, "a year's fading shows"


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
