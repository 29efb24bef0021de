"""Every engine feature on a small scenario, against a value computed without the engine.

Exact checks (times, counts, identities) where the model fixes the answer; otherwise two-sided
tests at Z standard errors, with the standard error computed from the same run, and where a
feature's effect is subtle the test also shows that the model *without* the feature is rejected.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from tests.conftest import make_scenario, station
from tests.reference import MAGIC, MISERY, ordered_logit, z_score
from truthsim.engine import simulate

Z = 4.0
DAY = 1440.0


def segment(share: float, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "share": share,
        "value_per_journey": 100.0,
        "baseline_return": 0.0,
        "days_between_journeys": {"kind": "fixed", "value": 1.0},
    }
    data.update(extra)
    return data


def binomial_z(count: int, n: int, p: float) -> float:
    return z_score(count, n * p, n * p * (1 - p))


# -- patience: abandonment and the wait a customer tolerates ----------------------------------


def test_segment_patience_scales_when_customers_abandon() -> None:
    """Patience fixed at 4 minutes, times 0.5 or 1.5: abandoned waits are exactly 2 or 6."""
    desk = station(servers=1, mean=3.0, patience={"kind": "fixed", "value": 4.0})
    scenario = make_scenario(
        {"desk": desk, "after": station(servers=None)},
        per_day=400.0,
        horizon_days=4.0,
        segments={"hasty": segment(0.5, patience=0.5), "patient": segment(0.5, patience=1.5)},
    )
    result = simulate(scenario, seed=3)
    m, c = result.moments, result.customers
    of = c["segment"][m["customer"]]
    desk_visits = m["touchpoint"] == 0
    for index, limit in ((0, 2.0), (1, 6.0)):
        here = desk_visits & (of == index)
        left = here & m["abandoned"]
        assert np.count_nonzero(left) > 30, index
        np.testing.assert_allclose(m["wait"][left], limit, rtol=1e-9)
        assert np.all(m["wait"][here & ~m["abandoned"]] <= limit + 1e-9)
    gone = m[m["abandoned"]]
    assert np.all(gone["outcome"] == MISERY) and np.all(gone["service"] == 0.0)
    # abandoning ends the journey: no moment after it, no revenue, not completed
    quit_journeys = set(zip(gone["customer"].tolist(), gone["journey"].tolist(), strict=True))
    after = m[m["touchpoint"] == 1]
    assert not quit_journeys & set(
        zip(after["customer"].tolist(), after["journey"].tolist(), strict=True)
    )
    j = result.journeys
    quit_rows = np.array(
        [
            (cu, jo) in quit_journeys
            for cu, jo in zip(j["customer"].tolist(), j["journey"].tolist(), strict=True)
        ]
    )
    assert np.all(~j["completed"][quit_rows]) and np.all(j["revenue"][quit_rows] == 0.0)
    assert np.all(j["completed"][~quit_rows]) and np.all(j["revenue"][~quit_rows] == 100.0)


def _waiting_desk(
    doubling: float, outcomes: dict[str, float], hasty: float, days: float, per_day: float
):
    """One desk, tolerance 4 minutes; hasty customers tolerate a quarter of that."""
    desk = station(
        servers=1, mean=2.0, outcomes=outcomes, wait={"tolerance": 4.0, "doubling": doubling}
    )
    return make_scenario(
        {"desk": desk},
        per_day=per_day,
        horizon_days=days,
        segments={
            "hasty": segment(hasty, patience=0.25),
            "patient": segment(1.0 - hasty, patience=1.0),
        },
    )


def test_segment_patience_sets_the_wait_that_sours_a_moment() -> None:
    """Odds doubling every 0.002 minutes: past its own tolerance (4 x patience) a moment is
    misery, before it never (base misery 1e-9)."""
    outcomes = {"misery": 1e-9, "mediocrity": 0.6 - 1e-9, "magic": 0.4}
    result = simulate(_waiting_desk(0.002, outcomes, 0.5, 4.0, 650.0), seed=5)
    m = result.moments
    of = result.customers["segment"][m["customer"]]
    for index, tolerance in ((0, 1.0), (1, 4.0)):
        here = of == index
        within = here & (m["wait"] <= tolerance)
        beyond = here & (m["wait"] > tolerance + 0.1)
        assert np.count_nonzero(within) > 100 and np.count_nonzero(beyond) > 100, index
        assert not np.any(m["outcome"][within] == MISERY), index
        assert np.all(m["outcome"][beyond] == MISERY), index
    between = (of == 0) & (m["wait"] > 1.1) & (m["wait"] < 4.0)
    assert np.count_nonzero(between) > 50, "waits that only the less patient find too long"


def test_outcomes_follow_the_ordered_logit_of_each_customers_wait() -> None:
    """Expected misery and magic, moment by moment from the wait and the segment's tolerance,
    against the counts; a model that ignored the segment's patience is rejected."""
    probabilities = (0.1, 0.5, 0.4)
    outcomes = dict(zip(("misery", "mediocrity", "magic"), probabilities, strict=True))
    result = simulate(_waiting_desk(3.0, outcomes, 0.75, 20.0, 500.0), seed=6)
    m = result.moments
    of = result.customers["segment"][m["customer"]]
    factor = np.array([0.25, 1.0])[of]

    def worst_z(factors: np.ndarray) -> float:
        p = np.array(
            [
                ordered_logit(probabilities, w, 4.0 * f, 3.0)
                for w, f in zip(m["wait"].tolist(), factors.tolist(), strict=True)
            ]
        )
        zs = []
        for outcome in (MISERY, MAGIC):
            for index in (0, 1):
                q = p[of == index, outcome]
                observed = np.count_nonzero(m["outcome"][of == index] == outcome)
                zs.append(abs(z_score(observed, q.sum(), (q * (1 - q)).sum())))
        return max(zs)

    assert worst_z(factor) < Z
    assert worst_z(np.ones_like(factor)) > 2 * Z, "the test can tell patience is ignored"


# -- failures and recovery --------------------------------------------------------------------


def test_failures_recoveries_and_what_a_recovered_failure_feels_like() -> None:
    kiosk = station(
        servers=None,
        failure={
            "rate": 0.2,
            "recovery": 0.4,
            "recovered_outcomes": {"misery": 0.05, "mediocrity": 0.15, "magic": 0.8},
            "recovered_shift": 0.0,
        },
    )
    result = simulate(make_scenario({"kiosk": kiosk}, per_day=3000.0, horizon_days=3.0), seed=8)
    m = result.moments
    n = len(m)
    failed, recovered = m["failed"], m["recovered"]
    assert abs(binomial_z(np.count_nonzero(failed), n, 0.2)) < Z
    assert abs(binomial_z(np.count_nonzero(recovered), np.count_nonzero(failed), 0.4)) < Z
    assert not np.any(recovered & ~failed)
    assert np.all(m["outcome"][failed & ~recovered] == MISERY), "an unrecovered failure is misery"
    for group, mix in ((recovered, (0.05, 0.15, 0.8)), (~failed, (0.1, 0.6, 0.3))):
        counts = np.bincount(m["outcome"][group], minlength=3)
        assert stats.chisquare(counts, np.array(mix) * counts.sum()).pvalue > 1e-4, counts


# -- word of mouth ----------------------------------------------------------------------------


def test_word_of_mouth_deters_and_refers_as_many_as_its_poisson_means() -> None:
    """Each miserable journey deters Poisson(4 x 0.25) prospects, each magical one (no misery,
    two magic moments not counting a recovered failure's magic, which is not retold) refers
    Poisson(2 x 0.15) customers who arrive exactly 1.5 days later."""
    recovering = {
        "rate": 0.3,
        "recovery": 0.8,
        "recovered_outcomes": {"misery": 0.0, "mediocrity": 0.1, "magic": 0.9},
    }
    tps = {
        "kiosk": station(
            servers=None,
            outcomes={"misery": 0.3, "mediocrity": 0.3, "magic": 0.4},
            failure=recovering,
        ),
        "lounge": station(servers=None, outcomes={"misery": 0.1, "mediocrity": 0.3, "magic": 0.6}),
    }
    wom = {
        "misery_tells": 4.0,
        "deterred_share": 0.25,
        "magic_tells": 2.0,
        "referred_share": 0.15,
        "magic_moments": 2,
        "referral_delay_days": {"kind": "fixed", "value": 1.5},
    }
    horizon = 15.0
    per_day = 200.0
    result = simulate(
        make_scenario(tps, per_day=per_day, horizon_days=horizon, word_of_mouth=wom), seed=4
    )
    j, c, m = result.journeys, result.customers, result.moments
    miserable = np.count_nonzero(j["misery"] > 0)
    deterred = result.headline["deterred_prospects"]
    assert miserable > 500
    # a handful told in the last minutes may still wait for a prospect to deter: far below one SE
    assert abs(z_score(deterred, miserable * 1.0, miserable * 1.0)) < Z
    assert result.daily["deterred"].sum() == deterred

    recovered_magic = np.zeros(len(j), dtype=int)
    row_of = {
        (a, b): k
        for k, (a, b) in enumerate(zip(j["customer"].tolist(), j["journey"].tolist(), strict=True))
    }
    for a, b in zip(
        m["customer"][m["recovered"] & (m["outcome"] == MAGIC)].tolist(),
        m["journey"][m["recovered"] & (m["outcome"] == MAGIC)].tolist(),
        strict=True,
    ):
        if (a, b) in row_of:
            recovered_magic[row_of[(a, b)]] += 1

    def referrals_z(told: np.ndarray) -> tuple[float, np.ndarray]:
        magical = j[(j["misery"] == 0) & (told >= 2)]
        in_time = magical[magical["end"] + 1.5 * DAY < horizon * DAY]
        return z_score(len(referred), 0.3 * len(in_time), 0.3 * len(in_time)), magical

    referred = c[c["referred"]]
    z, magical = referrals_z(j["magic"] - recovered_magic)
    assert len(magical) > 300 and np.count_nonzero(recovered_magic) > 200
    assert abs(z) < Z
    assert abs(referrals_z(j["magic"])[0]) > Z, "the test can tell recovered magic is retold"
    assert result.headline["referred_customers"] == len(referred)
    # every referred customer arrives 1.5 days after a magical journey ended
    ends = np.sort(magical["end"])
    at = np.clip(np.searchsorted(ends, referred["acquired"] - 1.5 * DAY), 1, len(ends) - 1)
    gap = np.minimum(
        np.abs(ends[at] - (referred["acquired"] - 1.5 * DAY)),
        np.abs(ends[at - 1] - (referred["acquired"] - 1.5 * DAY)),
    )
    assert np.all(gap < 1e-6)
    # prospects are new customers or deterred ones: Poisson(per_day x horizon) in all
    prospects = np.count_nonzero(~c["referred"]) + deterred
    mean = per_day * horizon
    assert abs(z_score(prospects, mean, mean)) < Z


# -- a finite market --------------------------------------------------------------------------


def test_prospects_find_the_market_thinned_by_the_customers_it_already_has() -> None:
    """In a market of M people with A(t) of them customers, prospects arrive at rate lambda and
    become customers with chance (M - A(t)) / M: new customers are a Poisson count with mean
    the integral of lambda (M - A(t)) / M, A(t) read from the records."""
    market, per_day, horizon = 400, 120.0, 30.0
    scenario = make_scenario(
        {"kiosk": station(servers=None)},
        per_day=per_day,
        horizon_days=horizon,
        baseline_return=0.85,
        gap_days=2.0,
        arrivals={"per_day": per_day, "market_size": market},
    )
    result = simulate(scenario, seed=14)
    c = result.customers
    times = np.concatenate([c["acquired"], c["churn_time"][c["churned"]], [horizon * DAY]])
    steps = np.concatenate([np.ones(len(c)), -np.ones(np.count_nonzero(c["churned"])), [0.0]])
    order = np.argsort(times, kind="stable")
    times, active = times[order], np.cumsum(steps[order])
    spans = np.diff(np.concatenate([[0.0], times]))
    before = np.concatenate([[0.0], active[:-1]])  # customers during each span
    rate = per_day / DAY

    def z(size: float) -> float:
        mean = float(np.sum(rate * spans * np.clip(size - before, 0, None) / size))
        return z_score(len(c), mean, mean)

    assert before.max() > 0.6 * market, "the market fills up enough to matter"
    assert abs(z(market)) < Z
    assert abs(z(1.5 * market)) > Z, "the test can tell a market half as large again"


# -- the hourly profile -----------------------------------------------------------------------


def test_arrivals_and_returns_follow_the_hourly_profile() -> None:
    weights = [0.0] * 24
    weights[8:12] = [1.0, 2.0, 3.0, 2.0]
    weights[18] = 2.0
    shares = np.array(weights) / sum(weights)
    scenario = make_scenario(
        {"kiosk": station(servers=None, mean=0.5)},
        per_day=300.0,
        horizon_days=12.0,
        baseline_return=0.6,
        gap_days=2.0,
        arrivals={"per_day": 300.0, "hourly_profile": weights},
    )
    result = simulate(scenario, seed=10)
    j = result.journeys
    for label, starts in (
        ("new", j["start"][j["journey"] == 0]),
        ("returning", j["start"][j["journey"] > 0]),
    ):
        hours = ((starts % DAY) // 60).astype(int)
        counts = np.bincount(hours, minlength=24)
        assert np.all(counts[shares == 0] == 0), label
        open_hours = shares > 0
        expected = shares[open_hours] * len(starts)
        assert stats.chisquare(counts[open_hours], expected).pvalue > 1e-4, (label, counts)
        # within an hour, arrivals spread evenly
        minutes = starts[hours == 10] % 60 / 60
        assert stats.kstest(minutes, "uniform").pvalue > 1e-4, label
    # returning customers keep the day their gap gives and take a time of day from the profile
    first, second = j[j["journey"] == 0], j[j["journey"] == 1]
    by_customer = dict(zip(first["customer"].tolist(), first["end"].tolist(), strict=True))
    ends = np.array([by_customer[c] for c in second["customer"].tolist()])
    day_gap = second["start"] // DAY - (ends + 2 * DAY) // DAY
    assert set(np.unique(day_gap).tolist()) <= {0.0, 1.0}
    new_per_day = result.daily["new"]
    assert abs(z_score(new_per_day.sum(), 300.0 * 12, 300.0 * 12)) < Z
    assert math.isclose(result.headline["new_customers"], len(result.customers))


# -- steps: a choice, an optional step, delays ------------------------------------------------


def test_choice_optional_and_delayed_steps() -> None:
    fixed = {"kind": "fixed", "value": 2.0}
    tps = {name: station(servers=None, service=fixed) for name in "abcdef"}
    journey = [
        "a",
        {"choice": {"b": 0.2, "c": 0.3, "f": 0.5}},
        {"touchpoint": "d", "probability": 0.4, "delay": {"kind": "fixed", "value": 10.0}},
        {"touchpoint": "e", "delay": {"kind": "fixed", "value": 30.0}},
    ]
    scenario = make_scenario(tps, per_day=1500.0, horizon_days=2.0, journey=journey)
    result = simulate(scenario, seed=12)
    m, j = result.moments, result.journeys
    order = np.lexsort((m["arrival"], m["journey"], m["customer"]))
    m = m[order]
    done = {
        (int(c), int(k)): (s, e)
        for c, k, s, e in zip(j["customer"], j["journey"], j["start"], j["end"], strict=True)
    }
    visits: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for c, k, t, a in zip(
        m["customer"].tolist(),
        m["journey"].tolist(),
        m["touchpoint"].tolist(),
        m["arrival"].tolist(),
        strict=True,
    ):
        visits.setdefault((c, k), []).append((t, a))
    names = result.touchpoint_names
    b, c_, d, f = (names.index(x) for x in "bcdf")
    chose = {b: 0, c_: 0, f: 0}
    visited_d = 0
    for key, (start, end) in done.items():
        path = visits[key]
        kinds = [t for t, _ in path]
        assert kinds[0] == names.index("a") and math.isclose(path[0][1], start, abs_tol=1e-9)
        assert kinds[1] in chose and kinds[-1] == names.index("e")
        assert math.isclose(path[1][1], start + 2.0, abs_tol=1e-9)
        chose[kinds[1]] += 1
        if d in kinds:
            visited_d += 1
            assert len(kinds) == 4
            assert math.isclose(path[2][1], path[1][1] + 2.0 + 10.0, abs_tol=1e-9)
            assert math.isclose(path[3][1], path[2][1] + 2.0 + 30.0, abs_tol=1e-9)
        else:  # the skipped step's delay still passes on the way
            assert len(kinds) == 3
            assert math.isclose(path[2][1], path[1][1] + 2.0 + 10.0 + 30.0, abs_tol=1e-9)
        assert math.isclose(end, path[-1][1] + 2.0, abs_tol=1e-9)
    n = len(done)
    assert n > 1000
    for where, p in ((b, 0.2), (c_, 0.3), (f, 0.5)):
        assert abs(binomial_z(chose[where], n, p)) < Z, where
    assert abs(binomial_z(visited_d, n, 0.4)) < Z


def test_a_complaint_comes_its_delay_after_the_journey_and_ends_it() -> None:
    fixed = {"kind": "fixed", "value": 2.0}
    tps = {
        "shop": station(servers=None, service=fixed, outcomes={"misery": 0.5, "mediocrity": 0.5,
                                                               "magic": 0.0}),
        "desk": station(servers=None, service={"kind": "fixed", "value": 1.0}),
    }  # fmt: skip
    scenario = make_scenario(
        tps,
        per_day=500.0,
        horizon_days=2.0,
        journey=["shop"],
        complaints={"touchpoint": "desk", "share": 1.0, "delay": {"kind": "fixed", "value": 30.0}},
    )
    result = simulate(scenario, seed=15)
    m, j = result.moments, result.journeys
    shop, desk = m[m["touchpoint"] == 0], m[m["touchpoint"] == 1]
    assert len(desk) > 300
    at = {(a, b): t for a, b, t in zip(shop["customer"], shop["journey"], shop["arrival"],
                                       strict=True)}  # fmt: skip
    for row in desk:
        assert math.isclose(row["arrival"], at[(row["customer"], row["journey"])] + 32.0)
    ends = {(a, b): e for a, b, e in zip(j["customer"], j["journey"], j["end"], strict=True)}
    complained = {(a, b) for a, b in zip(desk["customer"], desk["journey"], strict=True)}
    for key, end in ends.items():
        assert math.isclose(end, at[key] + (33.0 if key in complained else 2.0)), key


# -- several segments -------------------------------------------------------------------------


def test_segments_have_their_share_value_and_rhythm() -> None:
    segments = {
        "few": segment(
            0.2,
            value_per_journey=500.0,
            baseline_return=0.9,
            days_between_journeys={"kind": "fixed", "value": 0.5},
        ),
        "some": segment(
            0.3,
            value_per_journey=50.0,
            baseline_return=0.5,
            days_between_journeys={"kind": "fixed", "value": 2.0},
        ),
        "many": segment(
            0.5,
            value_per_journey=10.0,
            baseline_return=0.2,
            days_between_journeys={"kind": "fixed", "value": 3.0},
        ),
    }
    scenario = make_scenario(
        {"kiosk": station(servers=None)}, per_day=300.0, horizon_days=10.0, segments=segments
    )
    result = simulate(scenario, seed=13)
    c, j = result.customers, result.journeys
    counts = np.bincount(c["segment"], minlength=3)
    assert stats.chisquare(counts, np.array([0.2, 0.3, 0.5]) * len(c)).pvalue > 1e-4
    value = np.array([500.0, 50.0, 10.0])
    assert np.all(j["segment"] == c["segment"][j["customer"]])
    np.testing.assert_array_equal(j["revenue"], value[j["segment"]])
    np.testing.assert_allclose(np.bincount(j["customer"], j["revenue"], len(c)), c["revenue"])
    np.testing.assert_array_equal(np.bincount(j["customer"], minlength=len(c)), c["journeys"])
    order = np.lexsort((j["journey"], j["customer"]))
    s = j[order]
    same = s["customer"][1:] == s["customer"][:-1]
    gaps = (s["start"][1:] - s["end"][:-1])[same]
    np.testing.assert_allclose(gaps, np.array([0.5, 2.0, 3.0])[s["segment"][1:][same]] * DAY)
    for index, p in enumerate((0.9, 0.5, 0.2)):
        here = j["segment"] == index
        assert abs(binomial_z(np.count_nonzero(j["returned"][here]), np.count_nonzero(here), p)) < Z
