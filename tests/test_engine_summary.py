"""The figures a run reports, recomputed from its records by their definitions.

Headline metrics leave out everything before the warm-up (except the snapshot at the horizon),
touchpoint rows describe the moments there, churn causes are the moments without which a lost
customer would have come back (replayed with the reference model), the daily series counts
events by day, the cohort table follows each customer from acquisition, and the records agree
with one another (customers, journeys, moments).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from tests.reference import MAGIC, MEDIOCRITY, MISERY, counterfactuals, lives, replay, z_score
from truthsim.engine import simulate

DAY = 1440.0
WARMUP, HORIZON = 2.0, 12.0


def summary_scenario():
    shifts = {"misery": -0.3, "mediocrity": 0.0, "magic": 0.1}
    desk = station(
        servers=2,
        mean=5.0,
        patience={"kind": "exponential", "mean": 6.0},
        wait={"tolerance": 2.0, "doubling": 4.0},
        failure={"rate": 0.1, "recovery": 0.5},
        shifts=shifts,
    )
    kiosk = station(servers=None, mean=1.5, shifts={**shifts, "misery": -0.15})
    scenario = make_scenario(
        {"kiosk": kiosk, "desk": desk},
        per_day=150.0,
        horizon_days=HORIZON,
        warmup_days=WARMUP,
        baseline_return=0.7,
        gap_days=1.5,
        word_of_mouth={
            "misery_tells": 4.0,
            "deterred_share": 0.1,
            "magic_tells": 3.0,
            "referred_share": 0.1,
            "magic_moments": 2,
        },
        memory={"model": "additive", "forgetting_half_life_days": 30.0, "reference_return": 0.5},
    )
    return scenario


@pytest.fixture(scope="module")
def run():
    return simulate(summary_scenario(), seed=17)


def test_records_agree_with_one_another(run) -> None:
    c, j, m = run.customers, run.journeys, run.moments
    assert np.array_equal(c["customer"], np.arange(len(c)))
    np.testing.assert_array_equal(np.bincount(j["customer"], minlength=len(c)), c["journeys"])
    np.testing.assert_allclose(np.bincount(j["customer"], j["revenue"], len(c)), c["revenue"])
    last = {}
    for row in j:
        last[int(row["customer"])] = row  # journeys are recorded in time order per customer
    for i in np.flatnonzero(c["churned"]):
        assert not last[i]["returned"] and c["churn_time"][i] == last[i]["end"]
    for i in np.flatnonzero(~c["churned"]):
        assert i not in last or last[i]["returned"]
    # moments end within the horizon: a visit running past it is censored, not recorded
    assert np.all(m["arrival"] + m["wait"] + m["service"] <= HORIZON * DAY + 1e-9)
    assert np.all((m["wait"] > 0) <= (m["touchpoint"] == 1)), "only the staffed desk has a queue"
    journey_misery = np.zeros(len(j), dtype=int)
    index = {
        (int(a), int(b)): k
        for k, (a, b) in enumerate(zip(j["customer"], j["journey"], strict=True))
    }
    for row in m[m["outcome"] == MISERY]:
        k = index.get((int(row["customer"]), int(row["journey"])))
        if k is not None:
            journey_misery[k] += 1
    np.testing.assert_array_equal(journey_misery, j["misery"])


def test_headline_by_definition(run) -> None:
    c, j, m = run.customers, run.journeys, run.moments
    w = WARMUP * DAY
    mm, jj, cc = m[m["arrival"] >= w], j[j["start"] >= w], c[c["acquired"] >= w]
    h = run.headline
    misery, magic = np.mean(mm["outcome"] == MISERY), np.mean(mm["outcome"] == MAGIC)
    expected = {
        "return_rate": np.mean(jj["returned"]),
        "journeys_per_customer": np.mean(cc["journeys"]),
        "active_at_horizon": np.count_nonzero(~c["churned"]),
        "revenue": j["revenue"][j["end"] >= w].sum(),
        "net_moment_score": magic - misery,
        "new_customers": len(cc),
        "journeys": len(jj),
        "churned": np.count_nonzero(c["churned"] & (c["churn_time"] >= w)),
        "churned_unblamed": np.count_nonzero(
            c["churned"] & (c["churn_time"] >= w) & ~np.isin(c["customer"], run.causes["customer"])
        ),
        "misery_share": misery,
        "magic_share": magic,
        "abandonment_rate": np.mean(mm["abandoned"]),
        "deterred_prospects": run.daily["deterred"][int(WARMUP) :].sum(),
        "referred_customers": np.count_nonzero(cc["referred"]),
    }
    assert set(h) == set(expected)
    for name, value in expected.items():
        assert h[name] == pytest.approx(float(value), rel=1e-12), name
    assert h["deterred_prospects"] > 0 and h["referred_customers"] > 0
    assert h["churned"] > h["churned_unblamed"] > 0
    assert h["active_at_horizon"] < len(c), "some customers are lost"


def test_touchpoint_rows_by_definition(run) -> None:
    m, c = run.moments, run.customers
    w = WARMUP * DAY
    mm = m[m["arrival"] >= w]
    lost = c["customer"][c["churned"] & (c["churn_time"] >= w)]
    causes = run.causes[np.isin(run.causes["customer"], lost)]
    for i, row in enumerate(run.touchpoints):
        here = mm[mm["touchpoint"] == i]
        n = len(here)
        assert row["touchpoint"] == run.touchpoint_names[i]
        assert row["servers"] == ("unlimited" if i == 0 else 2)
        assert row["visits"] == n
        assert row["arrivals_per_hour"] == pytest.approx(n / ((HORIZON - WARMUP) * 24), rel=1e-12)
        assert row["mean_wait"] == pytest.approx(here["wait"].mean(), rel=1e-12)
        assert row["p50_wait"] == pytest.approx(np.median(here["wait"]), rel=1e-12, abs=1e-12)
        assert row["p90_wait"] == pytest.approx(
            np.quantile(here["wait"], 0.9), rel=1e-12, abs=1e-12
        )
        served = here[~here["abandoned"]]
        assert row["mean_service"] == pytest.approx(served["service"].mean(), rel=1e-12)
        assert row["abandonment"] == pytest.approx(np.mean(here["abandoned"]), abs=1e-15)
        for name, outcome in (("misery", MISERY), ("mediocrity", MEDIOCRITY), ("magic", MAGIC)):
            assert row[name] == pytest.approx(np.mean(here["outcome"] == outcome), abs=1e-15)
        assert row["failures"] == np.count_nonzero(here["failed"])
        assert row["recovered"] == np.count_nonzero(here["recovered"])
        here_caused = causes["share"][causes["touchpoint"] == i].sum()
        assert row["churn_caused"] == pytest.approx(here_caused, rel=1e-12)
    desk = run.touchpoints[1]
    assert desk["abandonment"] > 0 and desk["failures"] > 0 and desk["p90_wait"] > 0


@pytest.fixture(
    scope="module", params=["summary", "additive", "recency", "peak_end", "weakest_link"]
)
def lost_customers(request, run):
    """The run above, and the memory scenario (fast forgetting, a ceiling that binds, customers'
    own baselines, complaints) under several memory models, where replaying the counterfactual
    needs all of it."""
    if request.param == "summary":
        return summary_scenario(), run
    from tests.test_engine_memory import remembering

    scenario = remembering(request.param)
    return scenario, simulate(scenario, seed=21)


def test_churn_causes_are_the_moments_without_which_the_customer_would_have_returned(
    lost_customers,
) -> None:
    """For every lost customer the reference model removes each moment in turn and replays the
    customer's memory. The customer left because the random number of the last decision was at
    or above the recorded probability p; a moment caused it when the number lies below the
    probability without that moment. The number is not recorded, so: exactly, the blamed
    moments must be those above some threshold u in [p, 1) (every one of them above every
    moment not blamed), each with an equal share; and in law, u being uniform on [p, 1), the
    churn each touchpoint is blamed for matches its expectation (two-sided, from its SE). A
    complaint's number is not recorded either: every world it allows is weighed by its chance
    (see reference.counterfactuals)."""
    scenario, run = lost_customers
    c, causes = run.customers, run.causes
    everyone = lives(scenario, run)
    touchpoints = len(run.touchpoint_names)
    expected, variance = np.zeros(touchpoints), np.zeros(touchpoints)
    observed = np.zeros(touchpoints)
    blamed_customers, expected_blamed, variance_blamed = 0, 0.0, 0.0
    lost = np.flatnonzero(c["churned"])
    assert len(lost) > 300
    by_customer: dict[int, list[tuple[int, int, float]]] = {}
    for row in causes:
        by_customer.setdefault(int(row["customer"]), []).append(
            (int(row["journey"]), int(row["touchpoint"]), float(row["share"]))
        )
    assert set(by_customer) <= set(lost.tolist()), "only lost customers have causes"
    for customer in lost.tolist():
        life = everyone[customer]
        p = replay(scenario, life)[-1]
        assert p == pytest.approx(run.journeys["return_probability"][life.rows[-1]], abs=1e-12)
        recorded = by_customer.get(customer, [])
        blamed = {(j, t) for j, t, _ in recorded}
        assert len(blamed) == len(recorded), "a journey visits each touchpoint once here"
        for _, _, share in recorded:
            assert share == pytest.approx(1.0 / len(recorded), rel=1e-12)
        worlds = counterfactuals(scenario, life)
        assert sum(w for w, _ in worlds) == pytest.approx(1.0)
        consistent = False
        share_mean, share_square = np.zeros(touchpoints), np.zeros(touchpoints)
        any_blame = 0.0
        for weight, options in worlds:
            above = [q for j, t, q in options if (j, t) in blamed]
            below = [q for j, t, q in options if (j, t) not in blamed]
            low = max([p, *below])  # the number lies at or above every probability not blamed
            high = min(above, default=1.0)  # and below every one that is
            consistent |= len(above) == len(blamed) and low <= high + 1e-12
            # in law: decisive sets grow as the number falls from 1 to p
            cut = sorted((q for _, _, q in options if q > p), reverse=True)
            edges = [*cut, p]
            ranked = sorted((o for o in options if o[2] > p), key=lambda o: -o[2])
            for k in range(1, len(edges)):
                chance = weight * (edges[k - 1] - edges[k]) / (1.0 - p)
                shares = np.bincount([t for _, t, _ in ranked[:k]], minlength=touchpoints) / k
                share_mean += chance * shares
                share_square += chance * shares**2
            any_blame += weight * ((cut[0] - p) / (1.0 - p) if cut else 0.0)
        assert consistent, (customer, recorded)
        expected += share_mean
        variance += share_square - share_mean**2
        expected_blamed += any_blame
        variance_blamed += any_blame * (1.0 - any_blame)
        blamed_customers += bool(recorded)
        for _, t, share in recorded:
            observed[t] += share
        if recorded:  # the customer's cause is the touchpoint with the largest share
            totals = np.bincount([t for _, t, _ in recorded], [s for *_, s in recorded])
            assert c["churn_cause"][customer] == int(np.argmax(totals))
        else:
            assert c["churn_cause"][customer] == -1
    assert abs(z_score(blamed_customers, expected_blamed, variance_blamed)) < 4.0
    assert 50 < blamed_customers < len(lost) - 50
    assert np.count_nonzero(observed > 20) >= 2
    for t in range(touchpoints):
        if variance[t] > 0:
            assert abs(z_score(observed[t], expected[t], variance[t])) < 4.0, t
        else:
            assert observed[t] == expected[t] == 0, t
    earlier = [row for row in causes if row["journey"] < c["journeys"][row["customer"]] - 1]
    assert len(earlier) > 5, "moments of earlier journeys, still in memory, are blamed too"


def test_daily_series_by_definition(run) -> None:
    c, j = run.customers, run.journeys
    d = run.daily
    days = math.ceil(HORIZON)
    assert np.array_equal(d["day"], np.arange(days))

    def per_day(times: np.ndarray) -> np.ndarray:
        return np.bincount((times // DAY).astype(int), minlength=days)[:days]

    np.testing.assert_array_equal(d["new"], per_day(c["acquired"]))
    np.testing.assert_array_equal(d["referred"], per_day(c["acquired"][c["referred"]]))
    np.testing.assert_array_equal(d["churned"], per_day(c["churn_time"][c["churned"]]))
    np.testing.assert_array_equal(d["active"], np.cumsum(d["new"]) - np.cumsum(d["churned"]))
    assert d["active"][-1] == run.headline["active_at_horizon"]
    # returning journeys: every decided one started on its day; on the last day a few more
    # started that the horizon cut short
    decided = per_day(j["start"][j["journey"] > 0])
    np.testing.assert_array_equal(d["returning"][:-1], decided[:-1])
    assert d["returning"][-1] >= decided[-1]


@pytest.mark.parametrize("period", [1.0, 2.5])
def test_cohort_table_by_definition(run, period: float) -> None:
    """Period k counts customers acquired at least k periods before the horizon, and of them
    those not lost within k periods of their acquisition."""
    c = run.customers
    table = run.cohort(period)
    length = period * DAY
    assert np.array_equal(table["period"], np.arange(int(HORIZON // period) + 1))
    for k in table["period"].tolist():
        seen = c[c["acquired"] + k * length <= HORIZON * DAY]
        alive = ~seen["churned"] | (seen["churn_time"] > seen["acquired"] + k * length)
        row = table[k]
        assert row["customers"] == len(seen) and row["active"] == np.count_nonzero(alive), k
        if len(seen):
            assert row["share"] == pytest.approx(np.mean(alive), rel=1e-12)
        else:
            assert np.isnan(row["share"])
    assert table["share"][0] == 1.0 and table["share"][int(8 / period)] < 0.5


def test_under_recency_a_moment_without_impact_can_still_decide_a_loss() -> None:
    """A great moment, then a mediocre one worth nothing: recency remembers the great one faded
    by one step; without the mediocre moment, in full. A customer whose number lies between the
    two probabilities left because of the mediocre moment."""
    from tests.reference import inverse_log_odds, remember
    from truthsim.behaviour.attribution import History, blame
    from truthsim.behaviour.memory import memory_model
    from truthsim.engine.plan import Plan

    impacts = (0.5, 0.0)
    with_it, without = remember("recency", impacts, 0.7), remember("recency", impacts[:1], 0.7)
    assert without > with_it
    u = (inverse_log_odds(with_it) + inverse_log_odds(without)) / 2
    history = History()
    history.add(impacts, (0, 1), with_it, 0.0)
    scenario = make_scenario(memory={"model": "recency", "recency_decay": 0.7,
                                     "reference_return": 0.5})  # fmt: skip
    linear = Plan(scenario).linear_memory  # as the engine calls it
    assert blame(history, 0.0, math.inf, u, memory_model("recency", 0.7), linear) == [(0, 1, 1.0)]
