"""The fast engine against the plain SimPy reference model (truthsim.engine.reference): on small
scenarios that together use every feature, both give the same records.

Why a reference. The fast engine is a state machine per journey that decides journeys ahead of
their end, keeps a calendar in front of SimPy's heap and computes waits on arrival; the
reference is a generator process per journey queueing in an explicit line, as SimPy's own
examples are written. Both draw the same keyed numbers (engine.streams), so any difference in
the records is a difference in semantics.

What is compared. Moments, journeys, customers and churn causes, each sorted into one order:
every integer and boolean column exactly, and every float column exactly except the clock's
(see TIMES), where the two engines may add the same minutes in a different order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.conftest import scenario_data, station
from truthsim import simulate
from truthsim.engine import base_pool
from truthsim.engine.firm_base import FirmBase, Law
from truthsim.engine.reference import simulate_reference
from truthsim.engine.reference_line import Line
from truthsim.scenario import Scenario
from truthsim.scenario.schema import MINUTES_PER_DAY

MISERY = 0  #: the outcome code of a misery
#: float columns that are clock readings, or made from them. The fast engine sums a journey's
#: minutes since its last event (delays, self-service, a visit's ``end - arrival``) into one
#: lag and puts it on the clock once, ``at + (d1 + d2)``; the reference's clock moves at each
#: wait, ``(at + d1) + d2``. Floating-point addition is not associative, so the two differ in
#: the last bits (about 1e-11 minutes at most seen, on clocks of thousands of minutes), and so
#: does what is made from them: a wait (a difference of readings), a referral's acquisition
#: (the teller's end plus a delay) and a return probability (the experience fades by the days
#: between journeys). ABSOLUTE for the times, in minutes: the clock's error does not shrink
#: with a short wait; RELATIVE for the probabilities. Every other column is exactly equal.
TIMES = {
    "moments": ("arrival", "wait", "load"),  # load: a busy share made of service times
    "journeys": ("start", "end", "return_probability"),
    "customers": ("acquired", "churn_time"),
    "causes": (),
}
ABSOLUTE = 1e-9  #: minutes
RELATIVE = 1e-12
SHIFTS = {"misery": -0.3, "mediocrity": 0.0, "magic": 0.1}


def canonical(result: Any) -> dict[str, np.ndarray]:
    """The records in one order: by customer, journey and (moments) arrival or (causes)
    touchpoint; ties cannot be left, as two moments of a journey never start together."""
    m, j, c, k = result.moments, result.journeys, result.customers, result.causes
    return {
        "moments": m[np.lexsort((m["arrival"], m["journey"], m["customer"]))],
        "journeys": j[np.lexsort((j["journey"], j["customer"]))],
        "customers": c[np.argsort(c["customer"], kind="stable")],
        "causes": k[np.lexsort((k["touchpoint"], k["journey"], k["customer"]))],
    }


def assert_same_records(scenario: Scenario, seed: int, base: Any = None) -> Any:
    """The fast engine's and the reference's records are equal; the fast engine's result."""
    fast = simulate(scenario, seed, base=base)
    reference = simulate_reference(scenario, seed, base=base)
    ours, theirs = canonical(fast), canonical(reference)
    for table, rows in ours.items():
        other = theirs[table]
        assert len(rows) == len(other), f"{table}: {len(rows)} rows, the reference {len(other)}"
        for name in rows.dtype.names:
            a, b = rows[name], other[name]
            if name in TIMES[table]:
                both = np.isnan(a) & np.isnan(b)
                scale = RELATIVE * np.abs(a) if name == "return_probability" else ABSOLUTE
                close = both | (np.abs(a - b) <= scale)
                assert close.all(), f"{table}.{name}: {np.count_nonzero(~close)} rows differ"
            else:
                assert np.array_equal(a, b, equal_nan=True), f"{table}.{name} differs"
    return fast


def segment(share: float, value: float, baseline: Any, gap: dict, **extra: Any) -> dict:
    return {"share": share, "value_per_journey": value, "baseline_return": baseline,
            "days_between_journeys": gap, **extra}  # fmt: skip


def build(data: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(copy.deepcopy(data))


def moments_at(result: Any, name: str) -> np.ndarray:
    m = result.moments
    return m[m["touchpoint"] == result.touchpoint_names.index(name)]


# -- 1. segments with their own journeys ------------------------------------------------------


def segments_scenario() -> Scenario:
    """Three segments; a lounge only one takes, a choice of check-in, an optional shop, delays."""
    tps = {
        "web": station(None, 3.0, shifts=SHIFTS,
                       outcomes_by_segment={"business": {"misery": 0.02, "mediocrity": 0.38,
                                                         "magic": 0.6}}),
        "counter": station(2, 4.0, shifts=SHIFTS, wait={"tolerance": 1.0, "doubling": 3.0}),
        "shop": station(None, 10.0, shifts=SHIFTS),
        "lounge": station(None, 30.0, shifts=SHIFTS,
                          outcomes={"misery": 0.05, "mediocrity": 0.25, "magic": 0.7}),
        "gate": station(1, 1.5, shifts=SHIFTS, wait={"tolerance": 0.5, "doubling": 2.0},
                        importance=2.5),
    }  # fmt: skip
    data = scenario_data(tps, per_day=120.0, horizon_days=6.0, gap_days=1.0)
    data["segments"] = {
        "business": segment(0.3, 500.0, 0.7, {"kind": "exponential", "mean": 1.5},
                            sensitivity=2.0, patience=0.5),
        "leisure": segment(0.5, 150.0, {"mean": 0.5, "polarisation": 0.3},
                           {"kind": "gamma", "shape": 2.0, "scale": 1.0, "rate_shape": 0.8}),
        "family": segment(0.2, 300.0, {"churn_alpha": 2.0, "churn_beta": 3.0},
                          {"kind": "lognormal", "mean": 2.0, "sd": 1.0}, sensitivity=0.5),
    }  # fmt: skip
    data["journey"] = [
        {"choice": {"web": 0.6, "counter": 0.4}},
        {"touchpoint": "shop", "probability": 0.4,
         "delay": {"kind": "uniform", "low": 10, "high": 60}},
        {"touchpoint": "lounge", "segments": ["business"],
         "delay": {"kind": "exponential", "mean": 20}},
        {"touchpoint": "gate", "delay": {"kind": "triangular", "low": 5, "mode": 10, "high": 40}},
    ]  # fmt: skip
    data["memory"] = {"model": "additive", "forgetting_half_life_days": 3.0,
                      "reference_return": 0.55}  # fmt: skip
    return build(data)


def test_segments_with_own_journeys_mixes_sensitivity_spread_and_rhythm() -> None:
    """Covers: several segments, a step for one segment, an outcome mix by segment, sensitivity
    and patience by segment, spread baselines (mean/polarisation and sBG), rate_shape, a
    choice, an optional step, delays, staffed and self-service touchpoints, waits that sour
    moments, a moment's importance, additive memory, fading."""
    result = assert_same_records(segments_scenario(), seed=11)
    customers, moments = result.customers, result.moments
    assert set(customers["segment"].tolist()) == {0, 1, 2}
    segment_of = customers["segment"][moments["customer"]]
    lounge = result.touchpoint_names.index("lounge")
    assert (segment_of[moments["touchpoint"] == lounge] == 0).all()
    assert np.count_nonzero(moments["touchpoint"] == lounge) > 20
    for s in (1, 2):  # customers of the spread segments each have their own baseline
        assert len(np.unique(customers["baseline_return"][customers["segment"] == s])) > 20
    assert (result.journeys["journey"] > 0).sum() > 100, "customers come back"
    web, counter = moments_at(result, "web"), moments_at(result, "counter")
    assert len(web) > len(counter) > 100, "the choice sends most to the web"
    assert len(moments_at(result, "shop")) < len(moments_at(result, "gate")) / 2
    assert (moments_at(result, "gate")["wait"] > 0.5).sum() > 20, "waits beyond tolerance"


# -- 2. queues: schedules, patience, retries, failures -----------------------------------------


def queues_scenario() -> Scenario:
    """A call centre staffed by the hour (another schedule on Tuesdays) whose callers hang up
    and some ring again; a desk where those who give up go on; failures, some recovered."""
    patience = {"kind": "exponential", "mean": 6.0}
    tps = {
        "call": station({"schedule": [[0, 1], [8, 3], [12, 1], [12.1, 2], [18, 1]],
                         "days": {"tue": [[0, 1], [9, 2], [17, 1]]}}, 5.0,
                        patience=patience, shifts=SHIFTS,
                        wait={"tolerance": 2.0, "doubling": 4.0},
                        abandonment={"then": "retry", "share": 0.6,
                                     "delay": {"kind": "exponential", "mean": 30.0}}),
        "desk": station(1, 4.0, patience={"kind": "uniform", "low": 1.0, "high": 10.0},
                        abandonment={"then": "continue"}, shifts=SHIFTS,
                        failure={"rate": 0.2, "recovery": 0.5}),
        "repair": station({"schedule": [[6, 2], [20, 0]]}, 8.0, shifts=SHIFTS,
                          patience={"kind": "exponential", "mean": 60.0},
                          failure={"rate": 0.3, "recovery": 0.6, "recovered_shift": 0.05}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=70.0, horizon_days=4.0, warmup_days=1.0, gap_days=0.5,
                         baseline_return=0.7)  # fmt: skip
    data["segments"]["everyone"]["days_between_journeys"] = {"kind": "exponential", "mean": 0.7}
    data["segments"]["everyone"]["patience"] = 1.5
    data["arrivals"].update(from_day=0, until_day=3)  # none new on the last day
    data["journey"] = ["call", {"touchpoint": "desk", "delay": {"kind": "exponential", "mean": 5}},
                       {"touchpoint": "repair", "probability": 0.5,
                        "delay": {"kind": "exponential", "mean": 30}}]  # fmt: skip
    data["memory"] = {"model": "recency", "recency_decay": 0.6, "forgetting_half_life_days": 2.0}
    return build(data)


def test_schedules_patience_retries_continuing_failures_and_recoveries() -> None:
    """Covers: server schedules by hour with a weekday's own and hours with nobody on shift,
    patience and abandonment (lost after a retry, retry, continue), failures and recoveries
    (with a recovered shift of its own), a last step that may be skipped, its delay passing
    still, arrivals that stop on a given day, recency memory, fading, warm-up."""
    result = assert_same_records(queues_scenario(), seed=5)
    call, desk, repair = (moments_at(result, n) for n in ("call", "desk", "repair"))
    assert call["abandoned"].sum() > 20 and desk["abandoned"].sum() > 5
    _, calls = np.unique(call["customer"] * 1000 + call["journey"], return_counts=True)
    assert (calls == 2).sum() > 10, "callers who hung up rang again"
    gave_up = set(zip(desk["customer"][desk["abandoned"]], desk["journey"][desk["abandoned"]],
                      strict=True))  # fmt: skip
    after = set(zip(repair["customer"], repair["journey"], strict=True))
    assert gave_up & after, "who gave up at the desk went on to the repair"
    assert (~result.journeys["completed"]).sum() > 10, "lost after giving up"
    first = result.customers["acquired"][~result.customers["referred"]]
    assert len(first) > 100 and first.max() < 3 * MINUTES_PER_DAY, "nobody new on the last day"
    assert desk["failed"].sum() > 10 and desk["recovered"].sum() > 5
    assert repair["failed"].sum() > 5 and repair["recovered"].sum() > 2
    hour = (repair["arrival"] % MINUTES_PER_DAY) // 60
    assert (repair["wait"][hour < 6] > 0).any(), "nobody serves the repair at night"


# -- 3. complaints and word of mouth in a finite market ----------------------------------------


def talk_scenario() -> Scenario:
    """Often miserable moments with complaints (a touchpoint's own chance, a delay) at a staffed
    desk; magical journeys bring referrals, miserable ones deter; a small market."""
    tps = {
        "shop": station(None, 5.0, shifts=SHIFTS, complain=0.5,
                        outcomes={"misery": 0.25, "mediocrity": 0.3, "magic": 0.45}),
        "till": station(2, 2.0, shifts=SHIFTS,
                        outcomes={"misery": 0.15, "mediocrity": 0.25, "magic": 0.6},
                        failure={"rate": 0.1, "recovery": 0.7}),
        "complaints": station(1, 10.0, shifts={"misery": -0.2, "mediocrity": 0.0, "magic": 0.2},
                              patience={"kind": "exponential", "mean": 15.0},
                              outcomes={"misery": 0.3, "mediocrity": 0.3, "magic": 0.4}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=60.0, horizon_days=8.0, gap_days=1.0, baseline_return=0.75)
    data["journey"] = ["shop", {"touchpoint": "till", "delay": {"kind": "exponential", "mean": 3}}]
    data["segments"]["everyone"]["days_between_journeys"] = {"kind": "exponential", "mean": 1.0}
    data["arrivals"]["market_size"] = 400
    data["complaints"] = {"touchpoint": "complaints", "share": 0.2,
                          "delay": {"kind": "exponential", "mean": 60.0}}  # fmt: skip
    a_day = {"kind": "exponential", "mean": 1.0}
    data["word_of_mouth"] = {"misery_tells": 8.0, "resolved_tells": 3.0, "deterred_share": 0.1,
                             "magic_tells": 6.0, "referred_share": 0.15, "magic_moments": 1,
                             "referral_delay_days": a_day}  # fmt: skip
    data["memory"] = {"model": "peak_end", "forgetting_half_life_days": 10.0, "ceiling": 0.95}
    return build(data)


def test_complaints_word_of_mouth_and_a_finite_market() -> None:
    """Covers: complaints (a touchpoint's own chance, the scenario's share, a delay, a staffed
    complaints desk with patience), referrals and deterrals (resolved complaints tell fewer),
    a finite market, failures with recovery, peak-end memory, the ceiling, fading; churn
    causes with complaints in them."""
    result = assert_same_records(talk_scenario(), seed=3)
    complaints = moments_at(result, "complaints")
    assert len(complaints) > 30 and complaints["abandoned"].any()
    assert (complaints["outcome"] != MISERY).sum() > 10, "complaints resolved"
    assert result.customers["referred"].sum() > 20, "referrals arrive"
    assert result.daily["deterred"].sum() > 20, "prospects are deterred"
    prospects = (~result.customers["referred"]).sum() + result.daily["deterred"].sum()
    assert prospects < 0.8 * 60.0 * 8.0, "the market thins the arrivals"
    assert len(result.causes) > 20


# -- 4. an established business: customers on day 0 -------------------------------------------


def base_scenario() -> Scenario:
    """A customer base on day 0 from the scenario's own steady state, with journeys in progress
    (a kiosk and a counter a day or two after the desk); arrivals and returns by hour of day;
    word of mouth (nobody is told of a journey that ended before day 0)."""
    profile = [0.0] * 6 + [1.0, 3.0, 5.0, 5.0, 4.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 5.0] + [2.0] * 6
    tps = {
        "desk": station(2, 6.0, shifts=SHIFTS, patience={"kind": "exponential", "mean": 10.0},
                        wait={"tolerance": 2.0, "doubling": 4.0}),
        "kiosk": station(None, 2.0, shifts=SHIFTS),
        "counter": station(1, 3.0, shifts=SHIFTS, patience={"kind": "exponential", "mean": 5.0}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=6.0, horizon_days=5.0, warmup_days=1.0)
    later = {"kind": "uniform", "low": 1440, "high": 2880}  # a day or two after the desk
    data["journey"] = ["desk", {"touchpoint": "kiosk", "delay": later}, "counter"]
    data["word_of_mouth"] = {"misery_tells": 10.0, "deterred_share": 0.2, "magic_tells": 2.0,
                             "referred_share": 0.1, "magic_moments": 1}  # fmt: skip
    data["segments"]["everyone"].update(
        baseline_return=0.7,
        days_between_journeys={"kind": "gamma", "shape": 2.0, "scale": 3.0, "rate_shape": 3.0},
    )
    data["arrivals"]["hourly_profile"] = profile
    data["memory"] = {"model": "weakest_link", "forgetting_half_life_days": 20.0,
                      "reference_return": 0.6}  # fmt: skip
    data["customer_base"] = "steady_state"
    return build(data)


def test_a_customer_base_on_day_0_with_journeys_replayed_and_an_hourly_profile() -> None:
    """Covers: a steady-state customer base on day 0 (customers between journeys, with their
    next one drawn given the time passed, and journeys in progress replayed from before day 0),
    an hour-of-day arrival profile (returns too), a staffed touchpoint days after the journey
    began, word of mouth with journeys replayed before day 0, rate_shape, weakest-link memory,
    fading, warm-up."""
    result = assert_same_records(base_scenario(), seed=2)
    customers, journeys = result.customers, result.journeys
    assert (customers["acquired"] < 0).sum() > 20, "customers on day 0"
    assert (journeys["start"] < 0).sum() > 3, "journeys in progress replayed"
    assert ((journeys["journey"] > 0) & (journeys["start"] >= 0)).sum() > 10
    assert ((journeys["end"] < 0) & (journeys["misery"] > 0)).any(), "miserable before day 0"
    assert customers["referred"].any() and result.daily["deterred"].sum() > 0
    assert len(moments_at(result, "counter")) > 50
    desk = moments_at(result, "desk")  # where journeys begin; a referral's first begins when
    desk = desk[desk["arrival"] >= 0]  # they were told, and a delay later
    told = customers["referred"][desk["customer"]] & (desk["journey"] == 0)
    hour = (desk["arrival"][~told] % MINUTES_PER_DAY) // 60
    assert len(hour) > 20 and (hour >= 6).all(), "from day 0 nobody starts before 6:00"


def test_a_firms_own_customers_on_day_0() -> None:
    """Covers: a firm's own customers on day 0 (each alive with its own chance, with a baseline
    and a rate drawn from its own laws), on the same histories as the steady state's."""
    pool = base_pool(base_scenario())
    n = len(pool)
    loyalty, rate = (
        Law("beta", np.full(n, 3.0), np.full(n, 2.0)),
        Law("gamma", np.full(n, 2.0), np.full(n, 2.0)),
    )
    firm = FirmBase(pool, np.full(n, 0.7), loyalty, rate, [str(i) for i in range(n)])
    result = assert_same_records(base_scenario(), seed=4, base=firm)
    baselines = result.customers["baseline_return"][result.customers["acquired"] < 0]
    assert len(np.unique(baselines)) > 20, "each with a baseline of their own"


# -- 5. a campaign's cohort ---------------------------------------------------------------------


def cohort_scenario() -> Scenario:
    """Arrivals day by day with an hourly profile, a choice with a delay before it, no ceiling
    and no fading, and a complaints share from the scenario; referrals without deterrals."""
    tps = {
        "app": station(None, 2.0, shifts=SHIFTS, complain=0.0,
                       outcomes={"misery": 0.1, "mediocrity": 0.3, "magic": 0.6}),
        "phone": station(1, 6.0, shifts=SHIFTS, patience={"kind": "exponential", "mean": 5.0}),
        "store": station(3, 12.0, shifts=SHIFTS, failure={"rate": 0.2, "recovery": 0.0}),
        "care": station(None, 15.0, outcomes={"misery": 0.1, "mediocrity": 0.4, "magic": 0.5}),
    }  # fmt: skip
    data = scenario_data(tps, horizon_days=5.0, gap_days=1.0, baseline_return=0.6)
    data["arrivals"] = {"by_day": [80.0, 20.0, 0.0, 40.0],
                        "hourly_profile": [1.0] * 8 + [4.0] * 12 + [1.0] * 4}  # fmt: skip
    data["journey"] = ["app", {"choice": {"phone": 0.5, "store": 0.5},
                               "delay": {"kind": "exponential", "mean": 120}}]  # fmt: skip
    data["complaints"] = {"touchpoint": "care", "share": 0.5}
    two_days = {"kind": "exponential", "mean": 2.0}
    data["word_of_mouth"] = {"magic_tells": 4.0, "referred_share": 0.2, "magic_moments": 2,
                             "deterred_share": 0.0, "referral_delay_days": two_days}  # fmt: skip
    data["arrivals"]["market_size"] = 2000
    data["memory"] = {"model": "additive", "ceiling": None, "forgetting_half_life_days": None}
    return build(data)


def test_a_cohort_by_day_without_ceiling_or_fading() -> None:
    """Covers: arrivals by day with an hourly profile, a delay before a choice, a touchpoint
    that never leads to complaints beside the scenario's share, failures never recovered,
    referrals, additive memory without a ceiling and without fading."""
    result = assert_same_records(cohort_scenario(), seed=8)
    acquired = result.customers["acquired"][~result.customers["referred"]]
    assert not ((acquired >= 2 * MINUTES_PER_DAY) & (acquired < 3 * MINUTES_PER_DAY)).any()
    assert result.customers["referred"].sum() > 5
    assert len(moments_at(result, "care")) > 5
    store = moments_at(result, "store")
    assert store["failed"].sum() > 5 and not store["recovered"].any()


# -- 6. staff coming and going -----------------------------------------------------------------


def staffing_scenario() -> Scenario:
    """Busy desks whose staff change every few minutes at times, one with nobody at night (its
    customers wait for the morning), one whose callers give up and try again and whose staff
    serve worse under load (the busy share measured across the shift changes)."""
    tps = {
        "desk": station({"schedule": [[0, 0], [6, 3], [9, 1], [9.1, 3], [12, 1], [12.05, 2],
                                      [14, 4], [14.05, 1], [14.1, 3], [18, 1], [22, 0]]}, 15.0,
                        shifts=SHIFTS),
        "counter": station({"schedule": [[0, 2], [0.1, 0], [0.3, 3], [5, 2], [5.05, 0],
                                         [5.1, 4], [13, 1], [13.02, 3]]}, 12.0, shifts=SHIFTS,
                           patience={"kind": "exponential", "mean": 40.0},
                           abandonment={"then": "retry", "share": 0.7,
                                        "delay": {"kind": "exponential", "mean": 20.0}},
                           load={"window": 45.0, "threshold": 0.6, "doubling": 0.2}),
    }  # fmt: skip
    data = scenario_data(tps, per_day=140.0, horizon_days=3.0, gap_days=0.3, baseline_return=0.6)
    on_the_way = {"kind": "exponential", "mean": 10}
    data["journey"] = [{"touchpoint": "desk", "probability": 0.6},
                       {"touchpoint": "counter", "delay": on_the_way}]  # fmt: skip
    return build(data)


def test_staff_coming_and_going_mid_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Covers: shifts ending with more customers in service than servers staying on (they are
    finished, nobody new is taken), servers coming on shift while customers are still served
    past a shift's end, hours with nobody on shift and customers without patience waiting
    through them, abandonment with retries, staff load measured as servers come and go."""
    seen = {"past their shift": 0, "back on shift": 0}
    change = Line.change

    def counted(line: Line, servers: int) -> None:
        seen["past their shift"] += line.serving > servers
        seen["back on shift"] += line.servers < servers and line.serving > line.servers
        change(line, servers)

    monkeypatch.setattr(Line, "change", counted)
    result = assert_same_records(staffing_scenario(), seed=5)
    assert seen["past their shift"] > 10 and seen["back on shift"] > 1, seen
    desk = moments_at(result, "desk")
    night = (desk["arrival"] % MINUTES_PER_DAY) >= 22 * 60
    assert (desk["wait"][night] > 60).any(), "at night they wait for the morning"
    counter = moments_at(result, "counter")
    assert counter["abandoned"].sum() > 20
    assert (counter["load"] > 0.6).sum() > 20, "staff under load at the counter"


@pytest.mark.parametrize("build_scenario", [queues_scenario, talk_scenario])
def test_the_summaries_agree_too(build_scenario: Callable[[], Scenario]) -> None:
    """The headline and the touchpoint table (queue areas after the warm-up included) agree to
    rounding: the areas under the lines are summed in another order (the reference as services
    begin, the engine as customers arrive), from clock readings equal to the last bits."""
    scenario = build_scenario()
    fast, reference = simulate(scenario, 4), simulate_reference(scenario, 4)
    for name, value in fast.headline.items():
        assert reference.headline[name] == pytest.approx(value, rel=1e-9, nan_ok=True), name
    for ours, theirs in zip(fast.touchpoints, reference.touchpoints, strict=True):
        for name, value in ours.items():
            if isinstance(value, float):
                assert theirs[name] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True)
            else:
                assert theirs[name] == value, name
