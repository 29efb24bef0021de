"""Replications, intervals, paired comparisons, ranking, sweeps and sensitivity."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from scipy import stats

from tests.conftest import make_scenario, shop, station
from truthsim.experiments import (
    Execution,
    ExperimentError,
    compare,
    estimate,
    parse_values,
    parse_vary,
    replicate,
    sensitivity,
    sweep,
)
from truthsim.scenario import Scenario, apply_changes


def test_estimate_by_hand() -> None:
    e = estimate([1.0, 2.0, 4.0, 5.0])
    assert e.mean == 3.0
    assert e.se == pytest.approx(np.std([1, 2, 4, 5], ddof=1) / 2)
    assert e.high - e.mean == pytest.approx(stats.t.ppf(0.975, 3) * e.se)
    assert e.excludes_zero
    assert estimate([2.0]).n == 1 and np.isnan(estimate([2.0]).se)


def coverage_bounds(trials: int, confidence: float = 0.95, z: float = 4.0) -> tuple[float, float]:
    """Counts of covering intervals a correct procedure gives, at ``z`` binomial standard errors.

    Two-sided, and only useful when the upper bound is below ``trials``: otherwise intervals
    that are too wide (covering every time) could not fail.
    """
    sd = math.sqrt(trials * confidence * (1 - confidence))
    low, high = confidence * trials - z * sd, confidence * trials + z * sd
    assert high < trials, "too few trials to reject intervals that are too wide"
    return low, high


@pytest.mark.slow
def test_intervals_cover_the_known_answer_95_percent() -> None:
    """Magic share with nothing to change it has mean exactly 0.3 in every replication (outcomes
    are independent of whether a moment happens): 400 intervals of 3 replications. With so few
    replications the t quantile (4.30) and 1.96 give very different intervals."""
    p = 0.3
    scenario = make_scenario(
        {"kiosk": station(servers=None)}, per_day=10.0, horizon_days=8.0, baseline_return=0.6
    )
    trials = 400
    low, high = coverage_bounds(trials)
    covered = normal_covered = 0
    for seed in range(trials):
        e = replicate(scenario, replications=3, seed=seed, execution=Execution(jobs=1)).estimate(
            "magic_share"
        )
        covered += e.low <= p <= e.high
        normal_covered += abs(e.mean - p) <= 1.96 * e.se
    assert low <= covered <= high, (covered, low, high)
    assert not low <= normal_covered <= high, "the test can tell a normal quantile from t"


@pytest.mark.slow
def test_replications_are_independent_and_reproducible() -> None:
    scenario = shop()
    a = replicate(scenario, replications=3, seed=4, execution=Execution(jobs=1))
    b = replicate(scenario, replications=3, seed=4, execution=Execution(jobs=1))
    assert a.to_records().tobytes() == b.to_records().tobytes()
    values = a.values("active_at_horizon")
    assert len(set(values.tolist())) == 3, "each replication has its own streams"


@pytest.mark.slow
def test_precision_sizes_the_run_in_two_stages() -> None:
    """A first stage of at least 10, then Stein's total from the first stage's spread, capped."""
    import math

    from scipy import stats

    from truthsim.experiments.stats import robust_df, stein_estimate

    scenario = shop()
    loose = replicate(scenario, replications=3, seed=1, execution=Execution(jobs=1), precision=1e9)
    assert loose.replications == 10 and loose.two_stage == ("active_at_horizon", 10)
    tight = replicate(
        scenario,
        replications=3,
        seed=1,
        execution=Execution(jobs=1),
        precision=1e-9,
        max_replications=7,
    )
    assert tight.replications == 7, "the cap holds, even below the usual first stage"
    goal = 12.0  # about 17 replications in all
    sized = replicate(scenario, replications=3, seed=1, execution=Execution(jobs=1), precision=goal)
    first = loose.values("active_at_horizon")
    t = stats.t.ppf(0.975, robust_df(first))
    assert sized.replications == max(10, math.ceil((t * np.std(first, ddof=1) / goal) ** 2)) > 10
    # the first replications are the same ones: more replications extend, never reshuffle
    assert np.array_equal(sized.values("revenue")[:10], loose.values("revenue"))
    assert sized.estimate("active_at_horizon") == stein_estimate(
        sized.values("active_at_horizon"), 10
    )
    assert sized.estimate("revenue") == estimate(sized.values("revenue")), "other metrics: plain t"
    with pytest.raises(ExperimentError, match="max_replications must be at least 2"):
        replicate(
            scenario,
            replications=1,
            seed=1,
            execution=Execution(jobs=1),
            precision=1.0,
            max_replications=1,
        )
    quiet = make_scenario({"desk": station(servers=1)}, per_day=0.05, horizon_days=2)
    with pytest.raises(ExperimentError, match="journeys_per_customer is undefined in 8 of 10"):
        replicate(quiet, replications=3, seed=1, execution=Execution(jobs=1), precision=0.5,
                  metric="journeys_per_customer")  # fmt: skip


@pytest.mark.slow
def test_a_change_that_changes_nothing_has_exactly_zero_difference() -> None:
    result = compare(
        shop(), ["nothing_really"], replications=3, seed=2, execution=Execution(jobs=1)
    )
    (variant,) = result.variants
    for metric in ("active_at_horizon", "revenue", "return_rate", "net_moment_score"):
        assert np.all(variant.differences(metric) == 0.0), metric
    assert variant.retained.mean == 0.0 and variant.retained.se == 0.0


@pytest.mark.slow
def test_the_improvement_built_to_be_best_ranks_first() -> None:
    result = compare(shop(), replications=4, seed=3, execution=Execution(jobs=1))
    ranked = result.ranking()
    assert ranked[0].name == "three_more_staff"
    assert ranked[0].retained.excludes_zero and ranked[0].retained.low > 0
    assert ranked[-1].name == "nothing_really"
    top = result.summary()[0]
    assert top["cost_per_retained"] == pytest.approx(top["cost"] / top["retained"])
    years = 12 / 365  # the planning period: the horizon
    assert top["cost"] == pytest.approx(60000 + 90000 * (1 - 1.12**-years) / math.log(1.12))


@pytest.mark.slow
def test_combinations_add_pairs() -> None:
    result = compare(
        shop(),
        ["three_more_staff", "friendlier_kiosk"],
        replications=2,
        seed=3,
        execution=Execution(jobs=1),
        combinations=2,
    )
    names = {v.name for v in result.variants}
    assert names == {"three_more_staff", "friendlier_kiosk", "three_more_staff + friendlier_kiosk"}
    pair = next(v for v in result.variants if "+" in v.name)
    assert pair.cost == pytest.approx(sum(v.cost for v in result.variants if "+" not in v.name))


@pytest.mark.slow
def test_one_worker_or_two_give_identical_results() -> None:
    one = compare(shop(), replications=3, seed=5, execution=Execution(jobs=1))
    two = compare(shop(), replications=3, seed=5, execution=Execution(jobs=2))
    assert one.to_dict() == two.to_dict()
    assert one.to_records().tobytes() == two.to_records().tobytes()


def test_unknown_improvement_is_explained() -> None:
    with pytest.raises(ExperimentError, match="did you mean 'friendlier_kiosk'"):
        compare(shop(), ["friendly_kiosk"], replications=2, execution=Execution(jobs=1))


def test_parse_values() -> None:
    assert parse_values("2..5") == [2, 3, 4, 5]
    assert parse_values("0.1..0.3:0.1") == [0.1, 0.2, 0.3]
    assert parse_values("1, 2.5,unlimited") == [1, 2.5, "unlimited"]
    assert parse_vary("touchpoints.desk.servers=1..2") == ("touchpoints.desk.servers", [1, 2])
    for bad in ("5..2", "1..3:0", ""):
        with pytest.raises(ExperimentError):
            parse_values(bad)
    with pytest.raises(ExperimentError, match="PATH=VALUES"):
        parse_vary("touchpoints.desk.servers")


@pytest.mark.slow
def test_sweep_runs_the_full_grid_on_common_random_numbers() -> None:
    result = sweep(
        shop(),
        {"touchpoints.desk.servers": [1, 3], "arrivals.per_day": [100, 150]},
        replications=2,
        seed=1,
        execution=Execution(jobs=1),
    )
    assert result.points == [(1, 100), (1, 150), (3, 100), (3, 150)]
    active = [e.mean for e in result.response("active_at_horizon")]
    assert active[1] < active[3] and active[0] < active[2], "more staff keeps more customers"
    records = result.to_records()
    assert len(records) == 8 and set(records["touchpoints.desk.servers"].tolist()) == {1, 3}
    # the same arrivals at every point with the same per_day: customers acquired match exactly
    assert result.estimate(0, "new_customers").mean == result.estimate(2, "new_customers").mean


@pytest.mark.slow
def test_sensitivity_ranks_servers_first() -> None:
    chosen = [
        "touchpoints.desk.importance",  # before servers in name order, far behind in swing
        "touchpoints.desk.servers",
        "touchpoints.desk.service.mean",
        "touchpoints.kiosk.outcomes.magic",
    ]
    result = sensitivity(
        shop(), fraction=0.2, replications=2, seed=1, execution=Execution(jobs=1), parameters=chosen
    )
    assert {r.parameter for r in result.rows} == set(chosen)
    assert result.rows[0].parameter == "touchpoints.desk.servers"
    assert result.rows[0].low_effect.mean < 0 < result.rows[0].high_effect.mean
    assert [r.swing for r in result.rows] == sorted((r.swing for r in result.rows), reverse=True)
    assert len(result.to_records()) == len(result.rows)


def test_to_pandas_or_a_clear_message(monkeypatch) -> None:
    result = replicate(shop(), replications=2, seed=1, execution=Execution(jobs=1))
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'truthsim\[pandas\]'"):
        result.to_pandas()


@pytest.mark.slow
def test_a_combination_makes_every_change_of_its_improvements() -> None:
    """Three improvements on different parameters; in every pair and in the triple, each change
    shows in the variant's own touchpoint rows, and the variant's replications are exactly those
    of the scenario with all its changes applied by hand."""
    improvements = {
        "more_staff": {"changes": {"touchpoints.desk.servers": "+3"}, "cost": {"one_off": 10}},
        "magic_kiosk": {
            "changes": {"touchpoints.kiosk.outcomes.magic": 0.9},
            "cost": {"one_off": 20},
        },
        "fast_kiosk": {
            "changes": {"touchpoints.kiosk.service.mean": "x0.5"},
            "cost": {"one_off": 40},
        },
    }
    scenario = Scenario.model_validate(
        {**shop().model_dump(mode="json"), "improvements": improvements}
    )
    result = compare(
        scenario,
        replications=2,
        seed=6,
        execution=Execution(jobs=1),
        combinations=3,
        horizon_days=4,
    )
    assert len(result.variants) == 7
    ranked = result.ranking()
    means = [v.retained.mean for v in ranked]
    assert means == sorted(means, reverse=True)
    changes = {name: imp["changes"] for name, imp in improvements.items()}
    for variant in result.variants:
        made = set(variant.improvements)
        assert variant.cost == sum(improvements[n]["cost"]["one_off"] for n in made)
        # the row's figures by definition, from the paired replications
        base = result.baseline.runs
        kept = [a.headline["active_at_horizon"] - b.headline["active_at_horizon"]
                for a, b in zip(variant.runs, base, strict=True)]  # fmt: skip
        gained = [a.headline["revenue"] - b.headline["revenue"]
                  for a, b in zip(variant.runs, base, strict=True)]  # fmt: skip
        valued = [variant.value.revenue(a) - variant.value.revenue(b)
                  for a, b in zip(variant.runs, base, strict=True)]  # fmt: skip
        row = variant.row()
        assert row["retained"] == pytest.approx(np.mean(kept))
        assert row["revenue_change"] == pytest.approx(np.mean(gained))
        # net value: discounted revenue less the cost, over the same planning period
        assert row["net_value"] == pytest.approx(np.mean(valued) - variant.cost)
        joint = variant.confidence  # each interval's share of the table's joint confidence
        # four families (intervals of customers and of net value, two selections), 7 rows each
        assert variant.confidence == pytest.approx(1 - 0.05 / 4 / 7)
        net = estimate(np.array(valued) - variant.cost, joint)
        assert row["net_value_low"] == pytest.approx(net.low)
        if estimate(np.array(kept), joint).low > 0:
            assert row["cost_per_retained"] == pytest.approx(variant.cost / np.mean(kept))
        else:
            assert row["cost_per_retained"] is None, "not measurable without a positive interval"
        for run in variant.runs:
            desk, kiosk = (
                next(r for r in run.touchpoints if r["touchpoint"] == t) for t in ("desk", "kiosk")
            )
            assert desk["servers"] == (5 if "more_staff" in made else 2)
            assert (kiosk["magic"] > 0.8) == ("magic_kiosk" in made), variant.name
            assert (kiosk["mean_service"] < 0.7) == ("fast_kiosk" in made), variant.name
        by_hand = scenario
        for name in variant.improvements:
            by_hand = apply_changes(by_hand, changes[name])
        direct = replicate(
            by_hand, replications=2, seed=6, execution=Execution(jobs=1), horizon_days=4
        )
        for plain, valued_run in zip(direct.runs, variant.runs, strict=True):
            assert plain.headline == valued_run.headline


def test_size_limits_count_variants_and_simulations() -> None:
    from truthsim.experiments.limits import (
        MAX_REPLICATIONS,
        MAX_SIMULATIONS,
        MAX_VARIANTS,
        check_size,
    )

    check_size(MAX_VARIANTS, MAX_SIMULATIONS // MAX_VARIANTS, False)  # at the limits: allowed
    with pytest.raises(ExperimentError, match="1,001 variants is more than 1,000"):
        check_size(MAX_VARIANTS + 1, 1, False)
    with pytest.raises(ExperimentError, match="simulations, more than"):
        check_size(MAX_VARIANTS, MAX_SIMULATIONS // MAX_VARIANTS + 1, False)
    check_size(10 * MAX_VARIANTS, MAX_REPLICATIONS, True)  # opted in
    with pytest.raises(ExperimentError, match="replications per variant"):
        check_size(1, MAX_REPLICATIONS + 1, True)  # never, even opted in


def test_replicate_refuses_too_many_replications_before_running(monkeypatch) -> None:
    from truthsim.experiments import replication

    def ran(*args, **kwargs):
        raise AssertionError("simulated before checking the size")

    monkeypatch.setattr(replication, "run_replications", ran)
    with pytest.raises(ExperimentError, match="replications per variant"):
        replicate(make_scenario(), replications=10_001, execution=Execution(jobs=1))
    with pytest.raises(ExperimentError, match="replications per variant"):
        replicate(
            make_scenario(),
            replications=2,
            precision=1.0,
            max_replications=10_001,
            execution=Execution(jobs=1),
        )
