"""The figures a run reports, recomputed from its records by their definitions.

Headline metrics leave out everything before the warm-up (except the snapshot at the horizon),
touchpoint rows describe the moments there, the daily series counts events by day, and the
records agree with one another (customers, journeys, moments).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from tests.reference import MAGIC, MEDIOCRITY, MISERY
from truthsim.engine import simulate

DAY = 1440.0
WARMUP, HORIZON = 2.0, 12.0


@pytest.fixture(scope="module")
def run():
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
    return simulate(scenario, seed=17)


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
        "misery_share": misery,
        "magic_share": magic,
        "abandonment_rate": np.mean(mm["abandoned"]),
        "deterred_prospects": run.daily["deterred"][int(WARMUP) :].sum(),
        "referred_customers": np.count_nonzero(cc["referred"]),
    }
    assert set(h) == set(expected)
    for name, value in expected.items():
        assert h[name] == pytest.approx(float(value), rel=1e-12), name
    assert h["deterred_prospects"] > 0 and h["referred_customers"] > 0 and h["churned"] > 0
    assert h["active_at_horizon"] < len(c), "some customers are lost"


def test_touchpoint_rows_by_definition(run) -> None:
    m, c = run.moments, run.customers
    w = WARMUP * DAY
    mm = m[m["arrival"] >= w]
    lost = c[c["churned"] & (c["churn_time"] >= w)]
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
        assert row["churn_caused"] == np.count_nonzero(lost["churn_cause"] == i)
    desk = run.touchpoints[1]
    assert desk["abandonment"] > 0 and desk["failures"] > 0 and desk["p90_wait"] > 0


def test_churn_is_blamed_on_the_worst_misery_of_the_last_journey(run) -> None:
    """The rule the tables state today: the touchpoint of the most harmful misery, or none."""
    c, m = run.customers, run.moments
    harm = {0: 0.15, 1: 0.3}  # the desk's misery costs more than the kiosk's
    worst: dict[tuple[int, int], int] = {}
    kinds: dict[tuple[int, int], set[int]] = {}
    for row in m[m["outcome"] == MISERY]:
        key, where = (int(row["customer"]), int(row["journey"])), int(row["touchpoint"])
        kinds.setdefault(key, set()).add(where)
        if key not in worst or harm[where] > harm[worst[key]]:
            worst[key] = where
    lost = np.flatnonzero(c["churned"])
    assert len(lost) > 100
    for i in lost:
        expected = worst.get((int(i), int(c["journeys"][i] - 1)), -1)
        assert c["churn_cause"][i] == expected, i
    assert set(np.unique(c["churn_cause"][lost]).tolist()) == {-1, 0, 1}
    both = [k for k, v in kinds.items() if v == {0, 1}]
    assert len(both) > 20, "journeys with both miseries, where the worse one must win"


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
