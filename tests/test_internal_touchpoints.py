"""Internal touchpoints: the people behind the front line.

A share of a front-line touchpoint's moments needs an internal one (a back office): the agent
asks it as the service begins, the customer waits while the agent waits, and the internal
moment's outcome carries into the customer's (behaviour.internal). Checked here: the two
engines give the same records; the waits and services add up as stated; the customer's
outcome mix after each internal outcome follows the stated law; churn through an internal
touchpoint is counted only where its moment made the deciding moment worse; bad scenarios are
refused with the place and the fix; an improvement to an internal touchpoint works.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from tests.conftest import scenario_data, station
from tests.test_reference_engine import TIMES, assert_same_records, build
from truthsim import simulate
from truthsim.engine.reference import simulate_reference
from truthsim.scenario import Scenario, ScenarioError, apply_changes, load_scenario
from truthsim.scenario.probability import logit, sigmoid

SHIFTS = {"misery": -0.3, "mediocrity": 0.0, "magic": 0.1}
CARRY = {"misery": 4.0, "mediocrity": 1.0, "magic": 0.5}


def backed_data(days: float = 6.0, **desk: Any) -> dict[str, Any]:
    """A desk staffed by the hour whose callers may give up and ring again, a counter, both
    calling on one back office whose clerks tire; a complaints desk that needs it too."""
    patience = {"kind": "exponential", "mean": 15.0}
    tps = {
        "desk": station({"schedule": [[0, 1], [8, 2], [18, 1]]}, 6.0, patience=patience,
                        shifts=SHIFTS, wait={"tolerance": 2.0, "doubling": 4.0},
                        abandonment={"then": "retry", "share": 0.5,
                                     "delay": {"kind": "exponential", "mean": 30.0}},
                        needs={"touchpoint": "office", "share": 0.4, "carry": CARRY},
                        load={"window": 60, "threshold": 0.5, "doubling": 0.2}, **desk),
        "counter": station(1, 3.0, shifts=SHIFTS, failure={"rate": 0.2, "recovery": 0.5},
                           needs={"touchpoint": "office", "share": 0.3,
                                  "carry": {"misery": 3.0}}),
        "office": internal_station(1, 5.0, wait={"tolerance": 3.0, "doubling": 4.0},
                          outcomes={"misery": 0.2, "mediocrity": 0.6, "magic": 0.2},
                          failure={"rate": 0.1, "recovery": 0.5},
                          load={"window": 60, "threshold": 0.5, "doubling": 0.3}),
        "complaints": station(1, 8.0, shifts=SHIFTS,
                              needs={"touchpoint": "office", "share": 1.0}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=70.0, horizon_days=days, gap_days=1.0,
                         baseline_return=0.6)  # fmt: skip
    data["segments"]["everyone"]["days_between_journeys"] = {"kind": "exponential", "mean": 2.0}
    data["journey"] = ["desk", {"touchpoint": "counter", "delay": {"kind": "exponential",
                                                                   "mean": 20}}]  # fmt: skip
    data["complaints"] = {"touchpoint": "complaints", "share": 0.3}
    return data


def internal_station(servers: int, mean: float, **extra: Any) -> dict[str, Any]:
    """A station that serves staff: no shifts of its own (its moments reach customers through
    the moments they back)."""
    tp = station(servers, mean, internal=True, **extra)
    del tp["shifts"]
    return tp


@pytest.fixture(scope="module")
def backed() -> Any:
    return simulate(build(backed_data()), 4)


def pairs(result: Any, front: str) -> tuple[np.ndarray, np.ndarray]:
    """The served moments at ``front`` that an internal moment backed, and those internal
    moments, in the same order: the internal moment of the same journey asked for while the
    front moment was under way (a journey's moments never overlap)."""
    moments, internal = result.moments, result.internal
    here = moments[(moments["touchpoint"] == result.touchpoint_names.index(front))
                   & ~moments["abandoned"]]  # fmt: skip
    asked: dict[tuple[int, int], list[int]] = {}
    for j, (c, n) in enumerate(zip(internal["customer"].tolist(), internal["journey"].tolist(),
                                   strict=True)):  # fmt: skip
        asked.setdefault((c, n), []).append(j)
    rows, behind = [], []
    for i, (c, n) in enumerate(zip(here["customer"].tolist(), here["journey"].tolist(),
                                   strict=True)):  # fmt: skip
        begins, ends = here["arrival"][i], here["arrival"][i] + here["wait"][i]
        for j in asked.get((c, n), ()):
            if begins - 1e-9 <= internal["arrival"][j] <= ends + 1e-9:
                rows.append(i)
                behind.append(j)
    return here[rows], internal[behind]


# -- the two engines ----------------------------------------------------------------------------


def test_the_reference_engine_gives_the_same_records(backed: Any) -> None:
    """Covers: a desk by the hour with patience, retries and load, a counter with failures, a
    complaints desk that always needs the office, an office whose clerks tire and fail."""
    scenario = build(backed_data(days=4.0))
    fast = assert_same_records(scenario, 7)
    reference = simulate_reference(scenario, 7)
    for table in ("internal", "causes_through"):
        ours, theirs = fast.records()[table], reference.records()[table]
        order = lambda r: np.lexsort((r["touchpoint"], r["journey"], r["customer"]))  # noqa: E731
        ours, theirs = ours[order(ours)], theirs[order(theirs)]
        assert len(ours) == len(theirs) > 0, table
        for name in ours.dtype.names:
            if name in TIMES["moments"]:
                assert np.allclose(ours[name], theirs[name], rtol=0, atol=1e-9), (table, name)
            else:
                assert np.array_equal(ours[name], theirs[name]), (table, name)
    for a, b in zip(fast.touchpoints, reference.touchpoints, strict=True):
        assert a["utilisation"] == pytest.approx(b["utilisation"], rel=1e-9), a["touchpoint"]
        assert a["mean_queue"] == pytest.approx(b["mean_queue"], rel=1e-9), a["touchpoint"]
    assert len(fast.internal) > 200
    complaints = fast.touchpoint_names.index("complaints")
    assert np.any(fast.moments["touchpoint"] == complaints)


def test_the_customer_waits_while_the_agent_waits(backed: Any) -> None:
    """A backed moment's wait is its wait in line plus the agent's wait behind it, its service
    the agent's own plus the internal one: asked as the service began."""
    front, behind = pairs(backed, "desk")
    assert len(front) > 100
    in_line = behind["arrival"] - front["arrival"]
    assert (in_line >= -1e-9).all()
    assert np.allclose(front["wait"], in_line + behind["wait"], atol=1e-9)
    assert (front["service"] > behind["service"]).all()
    assert (behind["wait"] > 0).sum() > 20, "the office has a line"
    assert not behind["abandoned"].any(), "staff do not give up"


def test_about_the_stated_share_of_moments_need_the_office(backed: Any) -> None:
    """Of the desk's served moments, 40% need the office: binomial, within 3 standard errors."""
    m = backed.moments
    desk = m[(m["touchpoint"] == backed.touchpoint_names.index("desk")) & ~m["abandoned"]]
    front, _ = pairs(backed, "desk")
    n = len(desk)
    se = math.sqrt(0.4 * 0.6 / n)
    assert abs(len(front) / n - 0.4) <= 3 * se, (len(front), n)


def law_scenario() -> Scenario:
    """A desk whose waits do not matter, needing an office with a fixed outcome mix: the
    customer's outcome depends on the office's alone."""
    tps = {
        "desk": station(3, 2.0, needs={"touchpoint": "office", "share": 1.0, "carry": CARRY}),
        "office": internal_station(2, 1.0,
                          outcomes={"misery": 0.3, "mediocrity": 0.4, "magic": 0.3}),
    }  # fmt: skip
    return build(scenario_data(tps, per_day=400.0, horizon_days=20.0, journey=["desk"]))


def test_the_customers_outcome_after_each_internal_outcome_follows_the_law() -> None:
    """After an internal outcome with odds factor f, P(misery) = sigmoid(logit(0.1) + ln f) and
    P(magic) = 1 - sigmoid(logit(0.7) + ln f) (the desk's mix 0.1/0.6/0.3): each observed count
    within 3 binomial standard errors (six counts, about 8,000 moments)."""
    result = simulate(law_scenario(), 2)
    front, behind = pairs(result, "desk")
    assert len(front) > 6000
    for code, name in enumerate(("misery", "mediocrity", "magic")):
        shift = math.log(CARRY[name])
        after = front["outcome"][behind["outcome"] == code]
        n = len(after)
        p_misery = sigmoid(logit(0.1) + shift)
        p_magic = 1.0 - sigmoid(logit(0.7) + shift)
        for outcome, p in ((0, p_misery), (2, p_magic)):
            observed = np.count_nonzero(after == outcome)
            z = (observed - n * p) / math.sqrt(n * p * (1 - p))
            assert abs(z) <= 3.0, (name, outcome, observed, n * p, z)


def test_churn_goes_through_the_office_only_where_it_made_the_moment_worse() -> None:
    """With a harsh carry the office takes part of the desk's churn; with no carry and waits
    that do not matter it takes none; never more than the touchpoints that need it."""
    harsh = copy.deepcopy(backed_data())
    harsh["touchpoints"]["desk"]["needs"]["carry"] = {"misery": 20.0}
    result = simulate(build(harsh), 3)
    rows = {r["touchpoint"]: r for r in result.touchpoints}
    through = rows["office"]["churn_through"]
    front = sum(rows[n]["churn_caused"] for n in ("desk", "counter", "complaints"))
    assert 0 < through <= front
    assert rows["office"]["churn_caused"] == 0 and rows["office"]["internal"]
    assert not rows["desk"]["internal"] and rows["desk"]["churn_through"] == 0
    mild = copy.deepcopy(backed_data())
    for name in ("desk", "counter", "complaints"):
        mild["touchpoints"][name]["needs"]["carry"] = {}
        mild["touchpoints"][name]["wait"] = {"tolerance": 0, "doubling": None}
    quiet = simulate(build(mild), 3)
    assert {r["touchpoint"]: r for r in quiet.touchpoints}["office"]["churn_through"] == 0
    assert len(quiet.causes) > 0 and len(quiet.causes_through) == 0


def test_without_internal_touchpoints_the_records_are_as_before() -> None:
    data = backed_data(days=2.0)
    for name in ("desk", "counter", "complaints"):
        del data["touchpoints"][name]["needs"]
    del data["touchpoints"]["office"]
    plain = simulate(build(data), 1)
    assert plain.internal is None and "internal" not in plain.records()
    assert "internal" not in plain.touchpoints[0]
    with pytest.raises(ValueError, match="no touchpoint needs an internal one"):
        plain.to_pandas("internal")


# -- bad scenarios ------------------------------------------------------------------------------

BAD = [
    ("needs an unknown touchpoint",
     lambda d: d["touchpoints"]["desk"]["needs"].update(touchpoint="ofice"),
     ["touchpoints.desk.needs.touchpoint", "unknown touchpoint 'ofice'", "did you mean 'office'"]),
    ("needs a customer-facing touchpoint",
     lambda d: d["touchpoints"]["desk"]["needs"].update(touchpoint="counter"),
     ["touchpoints.desk.needs.touchpoint", "must be internal", "internal: true"]),
    ("an internal touchpoint in the journey",
     lambda d: d["journey"].append("office"),
     ["journey[2]", "'office' is internal", "through needs"]),
    ("an internal touchpoint with patience",
     lambda d: d["touchpoints"]["office"].update(patience={"kind": "exponential", "mean": 5}),
     ["touchpoints.office", "do not give up", "remove patience"]),
    ("a self-service touchpoint that needs one",
     lambda d: d["touchpoints"]["counter"].update(servers="unlimited"),
     ["touchpoints.counter", "self-service has no agent"]),
    ("an internal touchpoint that needs another",
     lambda d: d["touchpoints"]["office"].update(needs={"touchpoint": "office", "share": 0.5}),
     ["touchpoints.office", "cannot need another"]),
    ("complaints sent to an internal touchpoint",
     lambda d: d["complaints"].update(touchpoint="office"),
     ["complaints.touchpoint", "'office' is internal"]),
    ("outcomes by segment at an internal touchpoint",
     lambda d: d["touchpoints"]["office"].update(outcomes_by_segment={"everyone": {"misery": 0.1, "mediocrity": 0.8, "magic": 0.1}}),
     ["touchpoints.office", "remove outcomes_by_segment"]),
    ("shifts at an internal touchpoint",
     lambda d: d["touchpoints"]["office"].update(shifts={"misery": -0.2}),
     ["touchpoints.office", "shifts", "needs.carry"]),
    ("a share of zero",
     lambda d: d["touchpoints"]["desk"]["needs"].update(share=0),
     ["touchpoints.desk.needs.share", "greater than 0"]),
]  # fmt: skip


@pytest.mark.parametrize(("what", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_internal_touchpoint_is_refused_with_the_place_and_the_fix(
    what: str, change: Any, expected: list[str], tmp_path: Any
) -> None:
    import yaml

    data = backed_data()
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "bad.yaml" in message
    for part in expected:
        assert part in message, (part, message)


# -- improvements and the bundled example -----------------------------------------------------


def test_a_clerk_more_at_the_office_shortens_the_agents_and_the_customers_waits() -> None:
    """An improvement may target an internal touchpoint like any other: a second clerk cuts
    the office's waits, and so the desk's (common random numbers, one replication each)."""
    scenario = build(backed_data(days=8.0))
    before = simulate(scenario, 9)
    after = simulate(apply_changes(scenario, {"touchpoints.office.servers": "+1"}), 9)
    rows = lambda r: {t["touchpoint"]: t for t in r.touchpoints}  # noqa: E731
    assert rows(after)["office"]["mean_wait"] < 0.5 * rows(before)["office"]["mean_wait"]
    assert rows(after)["desk"]["mean_wait"] < rows(before)["desk"]["mean_wait"]


def test_the_bundled_back_office_airline_needs_its_back_office() -> None:
    scenario = load_scenario("airline_back_office")
    office = scenario.touchpoints["back_office"]
    assert office.internal and office.patience is None
    needing = {n for n, tp in scenario.touchpoints.items() if tp.needs is not None}
    assert needing == {"reservation", "ticket_counter"}
    internal = {"back_office_clerk", "fare_system"}
    assert internal <= set(scenario.improvements)
    for name in internal:
        changes = scenario.improvements[name].changes
        assert all(path.startswith("touchpoints.back_office.") for path in changes)


@pytest.mark.slow
def test_the_leverage_maps_derivative_at_an_internal_touchpoint_agrees_with_a_difference() -> None:
    """The office's 'less misery' lever, by likelihood ratio over the internal moments (each
    weighted by the future of the journey it was behind), against the same change simulated
    on the same seeds: the derivative is clearly positive (z > 3), and the two agree within 3
    standard errors of their paired difference (12 replications; on main the score read only the
    customers' moments and gave exactly 0)."""
    from truthsim.experiments.leverage_score import lever_sums
    from truthsim.experiments.levers import levers

    data = backed_data(days=10.0)
    data["touchpoints"]["desk"]["needs"].update(share=1.0, carry={"misery": 20.0})
    scenario = build(data)
    (lever,) = [x for x in levers(scenario, None, ["office"])[0] if x.kind == "misery"]
    changed = apply_changes(scenario, dict(lever.changes))
    scored, simulated = [], []
    for r in range(12):
        before, after = simulate(scenario, r), simulate(changed, r)
        scored.append(lever_sums(scenario, before, [lever], 0.0)[0, :-1].sum() * lever.step)
        simulated.append(
            np.count_nonzero(~after.customers["churned"])
            - np.count_nonzero(~before.customers["churned"])
        )
    a, b = np.array(scored), np.array(simulated, dtype=float)
    se = lambda x: x.std(ddof=1) / math.sqrt(len(x))  # noqa: E731
    assert a.mean() > 3 * se(a), (a.mean(), se(a))
    assert abs(a.mean() - b.mean()) <= 3 * se(a - b), (a.mean(), b.mean())  # paired seeds


def test_calibration_and_synthetic_data_refuse_internal_touchpoints(tmp_path: Any) -> None:
    """A firm's moments do not say how much of a wait was the agent's behind the counter: the
    fit would count the internal touchpoint twice, so both say so and stop (no traceback)."""
    from click.testing import CliRunner

    from truthsim.calibration.calibrate import calibrate_data
    from truthsim.calibration.synthesize import synthesize
    from truthsim.cli import main
    from truthsim.errors import ExperimentError

    scenario = build(backed_data(days=2.0))
    with pytest.raises(ExperimentError, match="cannot be synthesized"):
        synthesize(scenario)
    with pytest.raises(ExperimentError, match=r"cannot be calibrated.*remove internal and needs"):
        calibrate_data(scenario, None)  # type: ignore[arg-type]
    said = CliRunner().invoke(main, ["synthesize", "airline_back_office", "--out", str(tmp_path)])
    assert said.exit_code != 0 and "Traceback" not in said.output
    assert "internal touchpoints" in said.output + (said.stderr or "")
