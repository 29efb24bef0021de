"""Complaints, the judgment day: who complains after a misery, and what the desk does to them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import scenario_data, station
from truthsim import ScenarioError, simulate
from truthsim.engine.plan import Plan
from truthsim.scenario import Scenario

Z = 4.0
MISERY, MAGIC = 0, 2


def scenario(share: float = 0.3, desk_outcomes=None, **extra) -> Scenario:
    """Two self-service moments, often miserable; complaints go to a desk of their own."""
    shifts = {"misery": -0.2, "mediocrity": 0.0, "magic": 0.05}
    tps = {
        "shop": station(servers=None, outcomes={"misery": 0.4, "mediocrity": 0.4, "magic": 0.2},
                        shifts=shifts),
        "till": station(servers=None, outcomes={"misery": 0.3, "mediocrity": 0.5, "magic": 0.2},
                        shifts=shifts),
        "desk": station(servers=None,
                        outcomes=desk_outcomes or {"misery": 0.2, "mediocrity": 0.3, "magic": 0.5},
                        shifts={"misery": -0.15, "mediocrity": 0.0, "magic": 0.2}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=600.0, horizon_days=10.0, baseline_return=0.5, gap_days=1000)
    data["journey"] = ["shop", "till"]
    data["complaints"] = {"touchpoint": "desk", "share": share}
    data.update(extra)
    return Scenario.model_validate(data)


def complained(result) -> tuple[np.ndarray, np.ndarray]:
    """Per journey: miseries in the journey's own steps, and whether it ended at the desk."""
    m = result.moments
    desk = result.touchpoint_names.index("desk")
    own = m[m["touchpoint"] != desk]
    key = own["customer"].astype(np.int64) * 1000 + own["journey"]
    journeys = result.journeys
    jkey = journeys["customer"].astype(np.int64) * 1000 + journeys["journey"]
    miseries = np.array([np.count_nonzero((key == k) & (own["outcome"] == MISERY)) for k in jkey])
    at_desk = m[m["touchpoint"] == desk]
    dkey = at_desk["customer"].astype(np.int64) * 1000 + at_desk["journey"]
    return miseries, np.isin(jkey, dkey)


def test_a_share_of_miseries_leads_to_a_complaint() -> None:
    share = 0.3
    result = simulate(scenario(share), seed=1)
    miseries, went = complained(result)
    assert not went[miseries == 0].any(), "no misery, no complaint"
    for k in (1, 2):
        expected = 1 - (1 - share) ** k  # each misery may be the one they complain about
        n = np.count_nonzero(miseries == k)
        observed = went[miseries == k].mean()
        assert n > 300
        assert abs(observed - expected) < Z * math.sqrt(expected * (1 - expected) / n), k


def test_a_touchpoint_can_say_how_often_its_miseries_are_complained_about() -> None:
    base = scenario(0.3)
    data = base.model_dump()
    data["touchpoints"]["shop"]["complain"] = 0.0
    data["touchpoints"]["till"]["complain"] = 1.0
    result = simulate(Scenario.model_validate(data), seed=2)
    m = result.moments
    desk = result.touchpoint_names.index("desk")
    key = m["customer"].astype(np.int64) * 1000 + m["journey"]
    at_desk = set(key[m["touchpoint"] == desk].tolist())
    till_misery = set(key[(m["touchpoint"] == 1) & (m["outcome"] == MISERY)].tolist())
    assert at_desk == till_misery, "every till misery complains, no shop misery does"


def test_the_desk_moment_offsets_or_deepens_the_misery_in_memory() -> None:
    result = simulate(scenario(1.0), seed=3)
    plan = Plan(scenario(1.0))
    impact = {tp.index: tp.impact for tp in plan.touchpoints}
    m = result.moments
    journeys = result.journeys
    for j in journeys[:400]:
        here = m[(m["customer"] == j["customer"]) & (m["journey"] == j["journey"])]
        expected = sum(
            impact[t][o] for t, o in zip(here["touchpoint"], here["outcome"], strict=True)
        )
        assert j["remembered"] == pytest.approx(expected, abs=1e-12)
    desk = result.touchpoint_names.index("desk")
    outcome_at_desk = m["outcome"][m["touchpoint"] == desk]
    assert {MISERY, MAGIC} <= set(outcome_at_desk.tolist())
    # a magical desk moment outweighs one misery: those customers come back more often
    went = m[m["touchpoint"] == desk]
    good = set((went["customer"][went["outcome"] == MAGIC]).tolist())
    bad = set((went["customer"][went["outcome"] == MISERY]).tolist())
    returned = dict(zip(journeys["customer"].tolist(), journeys["returned"].tolist(), strict=True))
    assert np.mean([returned[c] for c in good]) > np.mean([returned[c] for c in bad])


def test_a_resolved_complaint_tells_fewer_people() -> None:
    wom = {"misery_tells": 10, "resolved_tells": 0, "deterred_share": 0.5, "magic_tells": 0}
    resolved = simulate(
        scenario(1.0, {"misery": 0.0, "mediocrity": 1.0, "magic": 0.0}, word_of_mouth=wom), seed=4
    )
    unresolved = simulate(
        scenario(1.0, {"misery": 1.0, "mediocrity": 0.0, "magic": 0.0}, word_of_mouth=wom), seed=4
    )
    assert resolved.headline["deterred_prospects"] == 0
    assert unresolved.headline["deterred_prospects"] > 100


def test_complaints_need_a_desk_outside_the_journey() -> None:
    with pytest.raises(ScenarioError, match="a step of the journey"):
        scenario(complaints={"touchpoint": "till"})
    with pytest.raises(ScenarioError, match="unknown touchpoint 'desks'"):
        scenario(complaints={"touchpoint": "desks"})
    data = scenario().model_dump()
    data.pop("complaints")
    data["touchpoints"]["shop"]["complain"] = 0.5
    with pytest.raises(ScenarioError, match="where complaints are handled"):
        Scenario.model_validate(data)


def test_a_misery_removed_takes_its_complaint_with_it() -> None:
    """A misery (-0.5) led to a complaint that went badly (-0.5). Without the misery there is no
    complaint: the customer would have returned (0 against the number 0.45), so the misery is
    to blame. On main the complaint stayed in the counterfactual (-0.5: still lost)."""
    from truthsim.behaviour.attribution import History, decisive_moments, without
    from truthsim.behaviour.memory import additive

    complaint = (2, 0.5, ((0, 0.4),))  # its moment, its number, the misery and its chance
    assert without((-0.5, 0.0, -0.5), 0, complaint) == (0.0,)
    assert without((-0.5, 0.0, -0.5), 1, complaint) == (-0.5, -0.5)
    assert without((-0.5, 0.0, -0.5), 2, complaint) == (-0.5, 0.0)
    other = (3, 0.7, ((0, 0.4), (1, 0.4)))  # 0.7 >= 0.6: either misery alone led to it
    assert without((-0.5, -0.5, 0.0, -0.5), 0, other) == (-0.5, 0.0, -0.5)
    both = (3, 0.5, ((0, 0.4), (1, 0.4)))  # 0.36 <= 0.5 < 0.6: it took both
    assert without((-0.5, -0.5, 0.0, -0.5), 0, both) == (-0.5, 0.0)
    history = History()
    history.add((-0.5, 0.0, -0.5), (0, 1, 2), -1.0, 0.0, complaint)
    assert decisive_moments(history, 0.0, 5.0, 0.45, additive, linear=True) == [(0, 0)]
