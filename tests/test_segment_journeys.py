"""Segments with their own journeys: a step only some segments take, an outcome mix by segment."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from truthsim import simulate
from truthsim.experiments import leverage
from truthsim.scenario import ScenarioError, parse_scenario
from truthsim.scenario.retention import journey_impact, yearly_retention

Z = 3.0  #: standard errors a fixed-seed share may sit from the law (a 0.3% chance by noise)
SEGMENTS = {
    "business": {
        "share": 0.3,
        "value_per_journey": 600.0,
        "baseline_return": 0.6,
        "days_between_journeys": {"kind": "exponential", "mean": 3.0},
    },
    "leisure": {
        "share": 0.7,
        "value_per_journey": 200.0,
        "baseline_return": 0.5,
        "days_between_journeys": {"kind": "exponential", "mean": 5.0},
    },
}
OWN_MIX = {"misery": 0.02, "mediocrity": 0.28, "magic": 0.7}


def lounge_airline(journey=None, **extra):
    kiosk = station(servers=None, shifts={"misery": -0.1, "mediocrity": 0.0, "magic": 0.05})
    kiosk["outcomes_by_segment"] = {"business": OWN_MIX}
    lounge = station(servers=None, mean=20.0)
    return make_scenario(
        {"kiosk": kiosk, "lounge": lounge},
        per_day=300.0,
        horizon_days=20.0,
        journey=journey or ["kiosk", {"touchpoint": "lounge", "segments": ["business"]}],
        memory={"reference_return": 0.5},
        **{"segments": SEGMENTS, **extra},
    )


@pytest.fixture(scope="module")
def run():
    scenario = lounge_airline()
    result = simulate(scenario, seed=7)
    segment = result.customers["segment"][
        np.searchsorted(result.customers["customer"], result.moments["customer"])
    ]
    return scenario, result, segment


def test_a_step_for_some_segments_is_passed_by_the_others(run) -> None:
    _scenario, result, segment = run
    lounge = result.touchpoint_names.index("lounge")
    kiosk = result.touchpoint_names.index("kiosk")
    at_lounge = result.moments["touchpoint"] == lounge
    assert at_lounge.any() and (segment[at_lounge] == 0).all(), "only business travellers"
    # every decided business journey has its lounge moment; only journeys the horizon cut off
    # (in the journeys table no decision) may have a kiosk moment without one
    m, j = result.moments, result.journeys
    key = m["customer"].astype(np.int64) * (1 << 32) + m["journey"]
    decided = np.isin(key, j["customer"].astype(np.int64) * (1 << 32) + j["journey"])
    business_kiosk = (m["touchpoint"] == kiosk) & (segment == 0)
    assert at_lounge.sum() == (business_kiosk & decided).sum()
    assert not (at_lounge & ~decided).any()


@pytest.mark.parametrize("who", [0, 1])
def test_each_segment_meets_its_own_outcome_mix(run, who: int) -> None:
    scenario, result, segment = run
    kiosk = result.touchpoint_names.index("kiosk")
    mine = (result.moments["touchpoint"] == kiosk) & (segment == who) & ~result.moments["failed"]
    n = int(mine.sum())
    stated = OWN_MIX if who == 0 else scenario.touchpoints["kiosk"].outcomes.model_dump()
    for code, name in enumerate(("misery", "mediocrity", "magic")):
        p = stated[name]
        seen = float((result.moments["outcome"][mine] == code).mean())
        assert abs(seen - p) < Z * math.sqrt(p * (1 - p) / n), (who, name, seen, p)


def test_a_step_for_everyone_and_an_own_mix_like_the_shared_one_change_nothing() -> None:
    """The same records whether a step names every segment or none, and whether a segment's
    own mix is the shared one or not written (and the bundled fingerprint is unchanged)."""
    plain = lounge_airline(journey=["kiosk", "lounge"])
    data = plain.model_dump()
    data["touchpoints"]["kiosk"]["outcomes_by_segment"] = None
    bare = type(plain).model_validate(data)
    data["journey"][1]["segments"] = ["business", "leisure"]
    shared = data["touchpoints"]["kiosk"]["outcomes"]
    data["touchpoints"]["kiosk"]["outcomes_by_segment"] = {"business": shared}
    neutral = type(plain).model_validate(data)
    one, two = simulate(bare, seed=3), simulate(neutral, seed=3)
    assert len(one.moments) > 1000 and np.array_equal(one.moments, two.moments)


def test_the_retention_estimate_takes_each_segments_own_journey() -> None:
    scenario = lounge_airline()
    business, leisure = journey_impact(scenario, "business"), journey_impact(scenario, "leisure")
    assert business > leisure  # more magic at the kiosk for business travellers


def test_segments_alike_in_every_number_keep_their_own_journeys_retention() -> None:
    """Two segments written with the same numbers, one of which alone takes the lounge: each
    segment's yearly retention is reckoned at its own journey (on main a segment was found by
    comparing numbers, so both got the first one's journey)."""
    same = {**SEGMENTS["leisure"], "share": 0.5}
    scenario = lounge_airline(segments={"business": same, "leisure": same})
    assert journey_impact(scenario, "business") != journey_impact(scenario, "leisure")
    business = yearly_retention(scenario, "business", at_mix=True)
    leisure = yearly_retention(scenario, "leisure", at_mix=True)
    assert business != leisure


@pytest.mark.slow
def test_the_magic_lever_moves_only_the_shared_mix() -> None:
    """Business travellers keep their own mix: 10 points more magic at the kiosk moves leisure
    travellers alone, and the derivative says so as the finite difference does."""
    result = leverage(
        lounge_airline(), replications=12, difference_replications=12, check=True, seed=2
    )
    row = result.row("kiosk.magic")
    assert row.by_segment[0] == 0.0, "no business traveller's score"
    assert not row.agreement.excludes_zero


@pytest.mark.parametrize("where", ["journey", "outcomes_by_segment"])
def test_segment_names_are_checked(where: str) -> None:
    import yaml

    data = lounge_airline().model_dump(mode="json")
    if where == "journey":
        data["journey"][1]["segments"] = ["busines"]
    else:
        data["touchpoints"]["kiosk"]["outcomes_by_segment"] = {"busines": OWN_MIX}
    with pytest.raises(ScenarioError, match="no segment 'busines'; did you mean 'business'"):
        parse_scenario(yaml.safe_dump(data), "lounge.yaml")
