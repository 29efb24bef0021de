"""Replications, intervals, paired comparisons, ranking, sweeps and sensitivity."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from scipy import stats

from tests.conftest import make_scenario, shop, station
from truthsim.experiments import (
    ExperimentError,
    compare,
    estimate,
    parse_values,
    parse_vary,
    replicate,
    sensitivity,
    sweep,
)


def test_estimate_by_hand() -> None:
    e = estimate([1.0, 2.0, 4.0, 5.0])
    assert e.mean == 3.0
    assert e.se == pytest.approx(np.std([1, 2, 4, 5], ddof=1) / 2)
    assert e.high - e.mean == pytest.approx(stats.t.ppf(0.975, 3) * e.se)
    assert e.excludes_zero
    assert estimate([2.0]).n == 1 and np.isnan(estimate([2.0]).se)


def test_intervals_cover_the_known_answer_about_95_percent() -> None:
    """Return rate with no shifts is exactly p per decision: 200 intervals of 5 replications."""
    p = 0.6
    scenario = make_scenario(
        {"kiosk": station(servers=None)}, per_day=25.0, horizon_days=8.0, baseline_return=p
    )
    trials = 200
    covered = 0
    for seed in range(trials):
        e = replicate(scenario, replications=5, seed=seed, jobs=1).estimate("return_rate")
        covered += e.low <= p <= e.high
    sd = np.sqrt(trials * 0.95 * 0.05)
    assert abs(covered - 0.95 * trials) <= 4 * sd, covered


def test_replications_are_independent_and_reproducible() -> None:
    scenario = shop()
    a = replicate(scenario, replications=3, seed=4, jobs=1)
    b = replicate(scenario, replications=3, seed=4, jobs=1)
    assert a.to_records().tobytes() == b.to_records().tobytes()
    values = a.values("active_at_horizon")
    assert len(set(values.tolist())) == 3, "each replication has its own streams"


def test_precision_target_adds_replications() -> None:
    scenario = shop()
    loose = replicate(scenario, replications=3, seed=1, jobs=1, precision=1e9)
    assert loose.replications == 3
    tight = replicate(scenario, replications=3, seed=1, jobs=1, precision=1e-9, max_replications=7)
    assert tight.replications == 7
    # the first replications are the same ones: more replications extend, never reshuffle
    assert np.array_equal(tight.values("revenue")[:3], loose.values("revenue"))


def test_a_change_that_changes_nothing_has_exactly_zero_difference() -> None:
    result = compare(shop(), ["nothing_really"], replications=3, seed=2, jobs=1)
    (variant,) = result.variants
    for metric in ("active_at_horizon", "revenue", "return_rate", "net_moment_score"):
        assert np.all(variant.differences(metric) == 0.0), metric
    assert variant.retained.mean == 0.0 and variant.retained.se == 0.0


def test_the_improvement_built_to_be_best_ranks_first() -> None:
    result = compare(shop(), replications=4, seed=3, jobs=1)
    ranked = result.ranking()
    assert ranked[0].name == "three_more_staff"
    assert ranked[0].retained.excludes_zero and ranked[0].retained.low > 0
    assert ranked[-1].name == "nothing_really"
    top = result.summary()[0]
    assert top["cost_per_retained"] == pytest.approx(top["cost"] / top["retained"])
    years = (12 + 1095) / 365  # the horizon and the default three-year run-off
    assert top["cost"] == pytest.approx(90000 * (1 - 1.12**-years) / math.log(1.12))


def test_combinations_add_pairs() -> None:
    result = compare(
        shop(),
        ["three_more_staff", "friendlier_kiosk"],
        replications=2,
        seed=3,
        jobs=1,
        combinations=2,
    )
    names = {v.name for v in result.variants}
    assert names == {"three_more_staff", "friendlier_kiosk", "three_more_staff + friendlier_kiosk"}
    pair = next(v for v in result.variants if "+" in v.name)
    assert pair.cost == pytest.approx(sum(v.cost for v in result.variants if "+" not in v.name))


def test_one_worker_or_two_give_identical_results() -> None:
    one = compare(shop(), replications=3, seed=5, jobs=1)
    two = compare(shop(), replications=3, seed=5, jobs=2)
    assert one.to_dict() == two.to_dict()
    assert one.to_records().tobytes() == two.to_records().tobytes()


def test_unknown_improvement_is_explained() -> None:
    with pytest.raises(ExperimentError, match="did you mean 'friendlier_kiosk'"):
        compare(shop(), ["friendly_kiosk"], replications=2, jobs=1)


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


def test_sweep_runs_the_full_grid_on_common_random_numbers() -> None:
    result = sweep(
        shop(),
        {"touchpoints.desk.servers": [1, 3], "arrivals.per_day": [100, 150]},
        replications=2,
        seed=1,
        jobs=1,
    )
    assert result.points == [(1, 100), (1, 150), (3, 100), (3, 150)]
    active = [e.mean for e in result.response("active_at_horizon")]
    assert active[1] < active[3] and active[0] < active[2], "more staff keeps more customers"
    records = result.to_records()
    assert len(records) == 8 and set(records["touchpoints.desk.servers"].tolist()) == {1, 3}
    # the same arrivals at every point with the same per_day: customers acquired match exactly
    assert result.estimate(0, "new_customers").mean == result.estimate(2, "new_customers").mean


def test_sensitivity_ranks_servers_first() -> None:
    chosen = [
        "touchpoints.desk.servers",
        "touchpoints.desk.service.mean",
        "touchpoints.kiosk.outcomes.magic",
    ]
    result = sensitivity(shop(), fraction=0.2, replications=2, seed=1, jobs=1, parameters=chosen)
    assert {r.parameter for r in result.rows} == set(chosen)
    assert result.rows[0].parameter == "touchpoints.desk.servers"
    assert result.rows[0].low_effect.mean < 0 < result.rows[0].high_effect.mean
    assert [r.swing for r in result.rows] == sorted((r.swing for r in result.rows), reverse=True)
    assert len(result.to_records()) == len(result.rows)


def test_to_pandas_or_a_clear_message(monkeypatch) -> None:
    result = replicate(shop(), replications=2, seed=1, jobs=1)
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'truthsim\[pandas\]'"):
        result.to_pandas()
