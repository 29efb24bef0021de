"""A model that cannot mislead: true churn causes, a finite market, bounded memory, honest
recovery, and delays that belong to the way between steps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import make_scenario, station
from truthsim import ScenarioError, load_scenario, simulate
from truthsim.behaviour.attribution import History, blame, decisive_moments
from truthsim.behaviour.memory import additive, peak_end
from truthsim.cli import main
from truthsim.engine.plan import Plan
from truthsim.scenario.probability import logit, shift_to_log_odds, sigmoid

Z = 4.0  # standard errors a fixed-seed statistical check may miss by


# -- counterfactual churn causes: the rule on hand-built histories ----------------------------


def history(*journeys: list[float], fades: list[float] | None = None, cap: float = math.inf):
    """A customer's history as the engine records it: impacts per journey, touchpoint = index."""
    h = History()
    experience = 0.0
    for k, impacts in enumerate(journeys):
        if k:
            factor = (fades or [1.0] * len(journeys))[k - 1]
            h.fades.append(factor)
            experience *= factor
        remembered = additive(impacts)
        h.add(tuple(impacts), tuple(range(len(impacts))), remembered, experience)
        experience = min(experience + remembered, cap)
    return h


B = logit(0.55)  # a leisure traveller: 45% leave even when nothing happens


def test_a_misery_is_to_blame_only_when_the_customer_would_otherwise_have_come_back() -> None:
    h = history([0.0, -1.0])  # a mediocre moment, then a misery
    with_misery, without = sigmoid(B - 1.0), sigmoid(B)
    u = (with_misery + without) / 2  # left because of the misery
    assert blame(h, B, math.inf, u, additive) == [(0, 1, 1.0)]
    u = (without + 1) / 2  # would have left anyway
    assert blame(h, B, math.inf, u, additive) == []


def test_two_decisive_moments_share_the_loss_and_two_needed_together_get_none() -> None:
    h = history([-0.5, 0.0, -0.5])
    both, one = sigmoid(B - 1.0), sigmoid(B - 0.5)
    u = (both + one) / 2  # either misery alone removed: the customer returns
    assert blame(h, B, math.inf, u, additive) == [(0, 0, 0.5), (0, 2, 0.5)]
    u = (one + sigmoid(B)) / 2  # only removing both would have kept them: no single moment
    assert blame(h, B, math.inf, u, additive) == []


def test_a_misery_of_an_earlier_journey_still_in_memory_can_be_to_blame() -> None:
    h = history([-2.0], [0.0, 0.1], fades=[0.5])
    factual = sigmoid(B + (-2.0 * 0.5 + 0.1))
    u = (factual + sigmoid(B + 0.1)) / 2
    assert blame(h, B, math.inf, u, additive) == [(0, 0, 1.0)]


def test_the_counterfactual_replays_saturation_and_the_memory_model() -> None:
    # saturated at the cap, the misery took the customer below it; without it, back at the cap
    h = history([1.0], [-0.4], cap=0.5)
    assert h.before == [0.0, 0.5]
    u = (sigmoid(B + 0.1) + sigmoid(B + 0.5)) / 2
    assert decisive_moments(h, B, 0.5, u, additive) == [(1, 0)]
    # peak-end: removing a mediocre last moment after a great peak *raises* the memory
    impacts = (0.5, 0.1)
    h = History()
    h.add(impacts, (0, 1), peak_end(impacts), 0.0)
    u = (sigmoid(B + 0.3) + sigmoid(B + 0.5)) / 2
    assert blame(h, B, math.inf, u, peak_end) == [(0, 1, 1.0)]


# -- counterfactual churn causes: in the engine ------------------------------------------------


def one_moment(misery_shift: float, baseline: float, **extra) -> dict:
    """Every customer makes one journey (the next would fall after the horizon) of one moment."""
    desk = station(
        servers=None,
        outcomes={"misery": 0.5, "mediocrity": 0.5, "magic": 0.0},
        shifts={"misery": misery_shift, "mediocrity": 0.0, "magic": 0.0},
    )
    return dict(
        touchpoints={"desk": desk},
        per_day=400.0,
        horizon_days=10.0,
        baseline_return=baseline,
        gap_days=1000.0,
        **extra,
    )


def test_only_the_losses_a_misery_decided_are_blamed_on_it() -> None:
    """Old rule: every lost customer with a misery was blamed on it. Now only those who would
    have come back without it: (sigma(b) - sigma(b+s)) / (1 - sigma(b+s)) of them."""
    scenario = make_scenario(**one_moment(-0.25, 0.55))  # shifts quoted against reference 0.5
    result = simulate(scenario, seed=5)
    s = shift_to_log_odds(-0.25, 0.5)
    lost = result.customers[result.customers["churned"]]
    miserable = np.isin(
        lost["customer"], result.moments["customer"][result.moments["outcome"] == 0]
    )
    n = int(miserable.sum())
    caused = result.touchpoints[0]["churn_caused"]
    expected = (sigmoid(B) - sigmoid(B + s)) / (1 - sigmoid(B + s))
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(caused / n - expected) < Z * se, (caused, n, expected)
    assert caused < 0.5 * n, "most miserable customers who left would have left anyway"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["airline", "hotel", "telecom"])
def test_causes_and_the_unblamed_add_up_to_every_customer_lost(name: str) -> None:
    result = simulate(load_scenario(name), seed=3, horizon_days=80)
    h = result.headline
    caused = sum(row["churn_caused"] for row in result.touchpoints)
    assert h["churned"] > 100
    assert caused + h["churned_unblamed"] == pytest.approx(h["churned"], abs=1e-6)
    assert 0 < caused < h["churned"]
    # every recorded cause belongs to a lost customer, and its shares sum to one per customer
    causes = result.causes
    assert result.customers["churned"][causes["customer"]].all()
    per_customer = np.bincount(causes["customer"], weights=causes["share"])
    blamed = per_customer[per_customer > 0]
    assert np.allclose(blamed, 1.0)


@pytest.mark.slow
def test_an_earlier_journey_can_be_blamed_in_the_engine() -> None:
    scenario = load_scenario("airline")
    result = simulate(scenario, seed=3, horizon_days=150)
    causes = result.causes
    last = result.customers["journeys"][causes["customer"]] - 1
    assert np.any(causes["journey"] < last), "moments of earlier journeys are still in memory"


# -- a finite market --------------------------------------------------------------------------

WOM = {"magic_tells": 30, "referred_share": 0.2, "magic_moments": 1}


def magic_desk() -> dict:
    return station(servers=None, outcomes={"misery": 0.0, "mediocrity": 0.0, "magic": 1.0})


def test_word_of_mouth_that_feeds_on_itself_needs_a_market() -> None:
    with pytest.raises(ScenarioError, match="market_size"):
        make_scenario({"desk": magic_desk()}, per_day=2.0, word_of_mouth=WOM)


@pytest.mark.slow
def test_a_market_bounds_the_customer_base() -> None:
    market = 600
    scenario = make_scenario(
        {"desk": magic_desk()},
        per_day=2.0,
        horizon_days=200.0,
        baseline_return=0.5,
        gap_days=5.0,
        word_of_mouth=WOM,
        arrivals={"per_day": 2.0, "market_size": market},
    )
    result = simulate(scenario, seed=2)
    active = result.daily["active"]
    assert active.max() <= market
    assert active.max() > 0.8 * market, "referrals fill the market, then it stops growing"
    assert result.headline["referred_customers"] > 10 * result.headline["new_customers"] / 11


def test_validate_reports_referrals_per_customer_and_warns_above_one(tmp_path) -> None:
    import yaml

    data = make_scenario(
        {"desk": magic_desk()},
        per_day=2.0,
        word_of_mouth=WOM,
        arrivals={"per_day": 2.0, "market_size": 1000},
    ).model_dump(mode="json")
    path = tmp_path / "wom.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "about 6.00 referred customers per customer (more than 1" in result.output


# -- bounded memory ---------------------------------------------------------------------------


def only_magic(**memory) -> dict:
    desk = station(
        servers=None,
        outcomes={"misery": 0.0, "mediocrity": 0.0, "magic": 1.0},
        shifts={"misery": 0.0, "mediocrity": 0.0, "magic": 0.2},
    )
    return dict(
        touchpoints={"desk": desk},
        per_day=300.0,
        horizon_days=60.0,
        baseline_return=0.5,
        gap_days=0.5,
        memory={"reference_return": 0.5, **memory},
    )


@pytest.mark.slow
def test_with_only_magic_a_cohort_keeps_leaving() -> None:
    """Unbounded additive memory made customers all but immortal; the ceiling keeps them mortal."""
    scenario = make_scenario(**only_magic(forgetting_half_life_days=None, ceiling=0.9))
    result = simulate(scenario, seed=4)
    best = sigmoid(logit(0.5) + logit(0.9) - logit(0.5))
    assert result.journeys["return_probability"].max() <= best + 1e-12
    # the first day's cohort: survival after k journeys is at most best**k, and keeps falling
    first = result.customers[result.customers["acquired"] < 1440.0]
    made = first["journeys"][first["churned"]]
    for k in (5, 10, 20):
        share = np.count_nonzero(first["journeys"] > k) / len(first)
        assert share <= best**k + Z * math.sqrt(best**k / len(first)), (k, share)
    assert np.count_nonzero(first["churned"]) > 0.99 * len(first) - np.count_nonzero(
        first["journeys"] > 100
    )
    assert len(made) > 0.9 * len(first)


@pytest.mark.slow
def test_the_ceiling_is_the_most_the_average_customer_can_reach() -> None:
    """With the average customer at 0.7 and a ceiling of 0.9, a customer at the average who has
    known nothing but magic returns with probability 0.9 at most, and reaches it."""
    data = only_magic(forgetting_half_life_days=None, ceiling=0.9)
    data["baseline_return"], data["memory"]["reference_return"] = 0.7, 0.7
    result = simulate(make_scenario(**data), seed=4)
    assert result.journeys["return_probability"].max() == pytest.approx(0.9, abs=1e-12)


def test_unbounded_memory_still_exists_but_validate_warns(tmp_path) -> None:
    import yaml

    data = only_magic(forgetting_half_life_days=None, ceiling=None)
    data.update(per_day=20.0, horizon_days=20.0)
    scenario = make_scenario(**data)
    result = simulate(scenario, seed=4)
    assert result.journeys["return_probability"].max() > 0.999, "the trap, chosen explicitly"
    path = tmp_path / "immortal.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json")))
    out = CliRunner().invoke(main, ["validate", str(path)]).output
    assert "certain to return" in out and "memory has no ceiling" in out


def test_a_ceiling_below_the_average_customer_is_refused() -> None:
    with pytest.raises(ScenarioError, match="ceiling"):
        make_scenario(**only_magic(ceiling=0.4))


# -- honest recovery --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["airline", "hotel", "telecom"])
def test_a_recovered_failure_never_helps_return_more_than_a_clean_moment(name: str) -> None:
    scenario = load_scenario(name)
    plan = Plan(scenario)
    for tp in plan.touchpoints:
        spec = scenario.touchpoints[tp.name]
        clean = sum(p * i for p, i in zip(spec.outcomes.as_tuple(), tp.impact, strict=True))
        rec = spec.failure.recovered_outcomes.as_tuple()
        recovered = sum(p * i for p, i in zip(rec, tp.recovered, strict=True))
        assert recovered <= clean + 1e-12, tp.name


def test_with_full_recovery_more_failures_do_not_raise_retention() -> None:
    def scenario(rate: float):
        desk = station(
            servers=None,
            outcomes={"misery": 0.1, "mediocrity": 0.6, "magic": 0.3},
            shifts={"misery": -0.2, "mediocrity": 0.0, "magic": 0.1},
            failure={"rate": rate, "recovery": 1.0},
        )
        return make_scenario(
            {"desk": desk}, per_day=300.0, horizon_days=10.0, baseline_return=0.5, gap_days=1000
        )

    clean, failing = simulate(scenario(0.0), seed=8), simulate(scenario(1.0), seed=8)
    assert failing.moments["recovered"].all()
    # same customers, same numbers: every recovered moment remembers no more than the clean mean
    plan = Plan(scenario(1.0))
    cap = sum(p * i for p, i in zip((0.1, 0.6, 0.3), plan.touchpoints[0].impact, strict=True))
    assert failing.journeys["remembered"].max() <= cap + 1e-12
    assert failing.journeys["returned"].mean() <= clean.journeys["returned"].mean()


def test_a_scenario_can_still_choose_the_paradox_and_is_told(tmp_path) -> None:
    import yaml

    desk = station(servers=None, failure={"rate": 0.1, "recovery": 0.5, "recovered_shift": 0.2})
    scenario = make_scenario({"desk": desk})
    plan = Plan(scenario)
    assert plan.touchpoints[0].recovered == (shift_to_log_odds(0.2, 0.5),) * 3
    path = tmp_path / "paradox.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json")))
    out = CliRunner().invoke(main, ["validate", str(path)]).output
    assert "recovery paradox on repurchase" in out


# -- delays belong to the way between steps --------------------------------------------------


def test_a_skipped_optional_step_keeps_its_delay() -> None:
    fixed = {"kind": "fixed", "value": 1.0}
    tps = {n: station(servers=None, service=fixed) for n in ("call", "curb", "flight")}
    scenario = make_scenario(tps, per_day=200.0, horizon_days=20.0)
    data = scenario.model_dump()
    data["journey"] = [
        {"touchpoint": "call"},
        {"touchpoint": "curb", "probability": 0.35, "delay": {"kind": "fixed", "value": 1440.0}},
        {"touchpoint": "flight"},
    ]
    result = simulate(type(scenario).model_validate(data), seed=1)
    m = result.moments
    call, flight = m[m["touchpoint"] == 0], m[m["touchpoint"] == 2]
    gaps = (
        flight["arrival"] - call["arrival"][np.searchsorted(call["customer"], flight["customer"])]
    )
    visited = np.isin(flight["customer"], m["customer"][m["touchpoint"] == 1])
    assert np.allclose(gaps[~visited], 1.0 + 1440.0)
    assert np.allclose(gaps[visited], 1.0 + 1440.0 + 1.0)
    assert 0.25 < visited.mean() < 0.45


@pytest.mark.slow
def test_every_airline_trip_flies_a_day_or_more_after_the_call() -> None:
    result = simulate(load_scenario("airline"), seed=2, horizon_days=60)
    m = result.moments
    key = m["customer"].astype(np.int64) * 1000 + m["journey"]
    call = dict(zip(key[m["touchpoint"] == 0], m["arrival"][m["touchpoint"] == 0], strict=True))
    onboard = m["touchpoint"] == result.touchpoint_names.index("onboard")
    waits = m["arrival"][onboard] - np.array([call[k] for k in key[onboard]])
    assert waits.min() >= 1440.0


def test_a_neutral_moment_can_decide_a_loss_under_weakest_link_and_peak_end() -> None:
    from truthsim.behaviour.memory import weakest_link

    # weakest link: the neutral moment is the worst; without it the journey is remembered at +0.5
    h = History()
    h.add((0.5, 0.0), (0, 1), weakest_link((0.5, 0.0)), 0.0)
    u = (sigmoid(B) + sigmoid(B + 0.5)) / 2
    assert blame(h, B, math.inf, u, weakest_link) == [(0, 1, 1.0)]
    assert blame(h, B, math.inf, u, weakest_link, linear=True) == [], "only linear models skip"
    # peak-end: a neutral last moment halves a great peak
    h = History()
    h.add((0.5, 0.0), (0, 1), peak_end((0.5, 0.0)), 0.0)
    u = (sigmoid(B + 0.25) + sigmoid(B + 0.5)) / 2
    assert blame(h, B, math.inf, u, peak_end) == [(0, 1, 1.0)]


def test_near_certain_customers_are_warned_of_when_the_baseline_spreads() -> None:
    """{mean: 0.85, polarisation: 0.3} under a 0.9 ceiling: the average customer stays below
    0.98, but a Beta(1.98, 0.35) baseline puts many customers there (on main: no warning)."""
    from scipy import stats

    from truthsim.scenario.checks import NEAR_CERTAIN, experience_cap, warnings
    from truthsim.scenario.probability import logit, sigmoid

    spread = make_scenario(baseline_return={"mean": 0.85, "polarisation": 0.3},
                           memory={"ceiling": 0.9})  # fmt: skip
    (line,) = [w for w in warnings(spread) if w.startswith("segment everyone")]
    need = sigmoid(logit(NEAR_CERTAIN) - experience_cap(spread))
    a, b = spread.segments["everyone"].baseline_return.beta_parameters()
    assert f"{stats.beta.sf(need, a, b):.0%} of its customers" in line
    alike = make_scenario(baseline_return=0.85, memory={"ceiling": 0.9})
    assert not [w for w in warnings(alike) if w.startswith("segment everyone")]
