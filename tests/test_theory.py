"""The engine against queueing theory and probability: Erlang C, Little's law, geometric journeys.

Tolerances are multiples of a standard error estimated from the run itself (batch means for
waits, which are autocorrelated; binomial for shares), with fixed seeds.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from tests.conftest import make_scenario, station
from truthsim.behaviour import MISERY
from truthsim.engine import simulate

Z = 4.0  # standard errors allowed: a fixed-seed test that fails by chance about once in 16,000


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a``."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def batch_means(values: np.ndarray, times: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and standard error from ``batches`` equal-time batches (absorbs autocorrelation)."""
    edges = np.linspace(times.min(), times.max() + 1e-9, batches + 1)
    index = np.digitize(times, edges) - 1
    means = np.array([values[index == b].mean() for b in range(batches)])
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


@pytest.fixture(scope="module")
def tandem():
    """Six M/M/5 stations in series, lambda = 10/min, mu = 2.5/min: a Jackson network."""
    tps = {f"s{i}": station(servers=5, mean=0.4) for i in range(6)}
    scenario = make_scenario(tps, per_day=14400.0, horizon_days=2.0, warmup_days=0.05)
    return simulate(scenario, seed=11)


def test_reference_values_of_erlang_c() -> None:
    c, a = 5, 10 / 2.5
    assert erlang_c(c, a) == pytest.approx(0.5541, abs=1e-4)
    assert erlang_c(c, a) / (c * 2.5 - 10) == pytest.approx(0.2216, abs=1e-4)


@pytest.mark.slow
def test_tandem_waits_match_erlang_c(tandem) -> None:
    expected_wait = erlang_c(5, 4.0) / (5 * 2.5 - 10)
    expected_delay_share = erlang_c(5, 4.0)
    m = tandem.moments[tandem.moments["arrival"] >= 0.05 * 1440]
    for i in range(6):
        here = m[m["touchpoint"] == i]
        mean, se = batch_means(here["wait"], here["arrival"])
        assert se < 0.2 * expected_wait, "too little data for the test to mean anything"
        assert abs(mean - expected_wait) < Z * se, (i, mean, se)
        share, se_share = batch_means((here["wait"] > 0).astype(float), here["arrival"])
        assert abs(share - expected_delay_share) < Z * se_share, (i, share, se_share)


@pytest.mark.slow
def test_tandem_utilisation_is_rho(tandem) -> None:
    for row in tandem.touchpoints:
        # utilisation is the mean of ~8,000 service times / capacity: SE from the exponential's CV
        se = 0.8 / math.sqrt(row["visits"])
        assert abs(row["utilisation"] - 0.8) < Z * se, row


def _intervals(m: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each moment's time in the queue (``wait``) or in service (``service``)."""
    queued = m["arrival"] + m["wait"]
    if kind == "wait":
        return m["arrival"], queued
    return queued, queued + m["service"]


def _in_progress(m: np.ndarray, kind: str, t: float) -> tuple[float, float]:
    """At instant ``t``: time already spent (in queue or service) by customers still in the
    system, and time still to spend by customers who arrived before ``t``."""
    start, end = _intervals(m, kind)
    departed = m["arrival"] + m["wait"] + m["service"]
    before = m["arrival"] < t
    spent = np.clip(np.minimum(end, t) - start, 0, None)[before & (departed > t)].sum()
    to_come = np.clip(end - np.maximum(start, t), 0, None)[before].sum()
    return float(spent), float(to_come)


@pytest.mark.slow
def test_littles_law_at_every_touchpoint(tandem) -> None:
    """Time-average number waiting (and in service), integrated by the station, equals arrival
    rate x mean wait (service) up to the customers caught at the two edges of the window: the
    tolerance is that edge term's mean plus Z of its standard deviations, both estimated from
    the work in progress at 200 instants of the same run."""
    start, end = 0.05 * 1440, 2.0 * 1440
    observed = end - start
    instants = np.linspace(start, end, 200)
    for i, row in enumerate(tandem.touchpoints):
        m = tandem.moments[tandem.moments["touchpoint"] == i]
        rate = row["arrivals_per_hour"] / 60.0
        for kind, level, per_customer in (
            ("wait", row["mean_queue"], row["mean_wait"]),
            ("service", row["mean_in_service"], row["mean_service"]),
        ):
            edges = np.array([_in_progress(m, kind, t) for t in instants])
            tolerance = (
                edges.mean(axis=0).sum() + Z * math.sqrt(edges.var(axis=0).sum())
            ) / observed
            assert abs(level - rate * per_customer) < tolerance, (row["touchpoint"], kind)
            assert tolerance < 0.01 * level, "the edges are a small part of the whole"


def test_stations_integrate_exactly_what_the_records_say() -> None:
    """The waiting and busy areas a station integrates during the run equal the overlap of every
    customer's time in queue and in service with the observed window, from the records. A longer
    run of the same seed (same sample path up to the first horizon) supplies the customers still
    in the system at the horizon."""
    desk = station(servers=2, mean=3.0, patience={"kind": "exponential", "mean": 4.0})
    counter = station(servers=1, mean=1.8)
    scenario = make_scenario(
        {"desk": desk, "counter": counter, "kiosk": station(servers=None, mean=2.0)},
        per_day=800.0,
        horizon_days=2.0,
        warmup_days=0.3,
    )
    short = simulate(scenario, seed=14)
    long = simulate(scenario, seed=14, horizon_days=2.5)
    lo, hi = 0.3 * 1440, 2.0 * 1440
    for i, row in enumerate(short.touchpoints):
        m = long.moments[long.moments["touchpoint"] == i]
        if row["servers"] == "unlimited":
            # self-service is integrated from the records afterwards: visits the horizon cut
            # short are not in them, so they are missing from its area (a small edge effect)
            m = m[m["arrival"] + m["service"] <= hi]
        for kind, level in (("wait", row["mean_queue"]), ("service", row["mean_in_service"])):
            a, b = _intervals(m, kind)
            area = np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0, None).sum()
            assert level * (hi - lo) == pytest.approx(area, rel=1e-9, abs=1e-9), (i, kind)
        if row["servers"] != "unlimited":
            assert row["utilisation"] == pytest.approx(row["mean_in_service"] / row["servers"])
    assert short.touchpoints[0]["abandonment"] > 0.01 and short.touchpoints[1]["mean_queue"] > 0.1


def test_journeys_per_customer_are_geometric() -> None:
    p = 0.6
    scenario = make_scenario(
        {"kiosk": station(servers=None)}, per_day=50.0, horizon_days=200.0, baseline_return=p
    )
    result = simulate(scenario, seed=3)
    cohort = result.customers[result.customers["acquired"] < 40 * 1440]
    assert cohort["churned"].all(), "every early customer has finished within the horizon"
    n = len(cohort)
    sd = math.sqrt(p) / (1 - p)
    assert abs(cohort["journeys"].mean() - 1 / (1 - p)) < Z * sd / math.sqrt(n)
    # the whole distribution, not just the mean: a chi-square test against the geometric law
    counts = np.bincount(cohort["journeys"], minlength=8)[1:8]
    expected = n * (1 - p) * p ** np.arange(7)
    expected[-1] = n - expected[:-1].sum()
    counts[-1] = n - counts[:-1].sum()
    assert stats.chisquare(counts, expected).pvalue > 1e-4


def test_outcome_mix_without_waiting_matches_base_probabilities() -> None:
    scenario = make_scenario({"kiosk": station(servers=None)}, per_day=2000.0, horizon_days=5.0)
    result = simulate(scenario, seed=5)
    moments = result.moments
    n = len(moments)
    kiosk = result.touchpoints[0]  # Little's law for self-service: L = lambda x mean service time
    assert kiosk["mean_in_service"] == pytest.approx(
        kiosk["arrivals_per_hour"] / 60 * kiosk["mean_service"], rel=0.02
    )
    for outcome, p in enumerate((0.1, 0.6, 0.3)):
        share = np.mean(moments["outcome"] == outcome)
        assert abs(share - p) < Z * math.sqrt(p * (1 - p) / n)


def test_longer_waits_raise_the_misery_share() -> None:
    """Fewer servers, longer waits, more misery; and within one run misery rises with the wait."""

    def run(servers: int):
        desk = station(servers=servers, mean=4.0, wait={"tolerance": 2.0, "doubling": 5.0})
        return simulate(make_scenario({"desk": desk}, per_day=600.0, horizon_days=6.0), seed=9)

    results = [run(c) for c in (5, 3, 2)]
    waits = [r.touchpoints[0]["mean_wait"] for r in results]
    misery = [r.touchpoints[0]["misery"] for r in results]
    assert waits[0] < waits[1] < waits[2]
    assert misery[0] < misery[1] < misery[2]
    m = results[-1].moments
    bins = [(0.0, 2.0), (2.0, 7.0), (7.0, 15.0), (15.0, math.inf)]
    groups = [m["outcome"][(m["wait"] >= lo) & (m["wait"] < hi)] for lo, hi in bins]
    assert min(len(g) for g in groups) > 200
    shares = [np.mean(g == MISERY) for g in groups]
    assert all(a < b for a, b in itertools.pairwise(shares)), shares


def test_short_patience_raises_abandonment() -> None:
    def run(patience: float):
        desk = station(servers=3, mean=4.0, patience={"kind": "exponential", "mean": patience})
        return simulate(make_scenario({"desk": desk}, per_day=1000.0, horizon_days=4.0), seed=4)

    impatient, patient = run(1.0), run(20.0)
    a, b = impatient.touchpoints[0], patient.touchpoints[0]
    se = math.sqrt(a["abandonment"] * (1 - a["abandonment"]) / a["visits"])
    assert a["abandonment"] > b["abandonment"] + Z * se
    assert a["mean_wait"] < b["mean_wait"]
