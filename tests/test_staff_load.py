"""Staff under load: the servers' recent busy share moves a touchpoint's outcomes where the
scenario says so. The recorded load is recomputed from the records alone, the outcome mix at
each load band matches the ordered-logit law, the reference engine gives the same records, and
a scenario that does not ask for it runs as before."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import scenario_data, station
from tests.test_reference_engine import assert_same_records
from truthsim import simulate
from truthsim.scenario import Scenario
from truthsim.scenario.errors import ScenarioError
from truthsim.scenario.loader import scenario_from_dict

WINDOW, THRESHOLD, DOUBLING = 60.0, 0.5, 0.2
BASE = (0.1, 0.6, 0.3)  # misery, mediocrity, magic for a customer served by rested staff


def loaded(
    days: float = 40.0,
    per_day: float = 200.0,
    baseline_return: float = 0.0,
    gap_days: float = 1.0,
    **load: float,
) -> Scenario:
    """One desk of two servers whose load swings with the hour (busy afternoons, quiet nights);
    waiting never matters here, so only the load moves the outcomes."""
    desk = station(
        servers=2,
        mean=10.0,
        outcomes=dict(zip(("misery", "mediocrity", "magic"), BASE, strict=True)),
        wait={"tolerance": 5.0, "doubling": None},
        load={"window": WINDOW, "threshold": THRESHOLD, "doubling": DOUBLING, **load},
        shifts={"misery": -0.3, "mediocrity": 0.0, "magic": 0.1},
    )
    data = scenario_data(
        {"desk": desk},
        per_day=per_day,
        horizon_days=days,
        baseline_return=baseline_return,
        gap_days=gap_days,
    )
    data["arrivals"]["hourly_profile"] = [0.2] * 8 + [1.0] * 6 + [2.6] * 6 + [0.6] * 4
    return Scenario.model_validate(data)


def law(load: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(misery) and P(magic) at each load: the cut-points pushed by ln 2 / doubling per unit
    of busy share beyond the threshold."""
    push = math.log(2.0) / DOUBLING * np.maximum(load - THRESHOLD, 0.0)
    low = 1.0 / (1.0 + np.exp(-(math.log(BASE[0] / (1 - BASE[0])) + push)))
    high_p = BASE[0] + BASE[1]
    high = 1.0 / (1.0 + np.exp(-(math.log(high_p / (1 - high_p)) + push)))
    return low, 1.0 - high


@pytest.fixture(scope="module")
def run():
    return simulate(loaded(), 5)


def test_the_recorded_load_is_the_busy_share_of_the_last_hour(run) -> None:
    """Recomputed from the moments alone: each service's start and end, and the servers on
    shift (two, all day): the minutes of service in the hour before a service began, over the
    two servers' 120 minutes, for every moment served."""
    m = run.moments
    served = m[~m["abandoned"]]
    start = served["arrival"] + served["wait"]
    end = start + served["service"]
    order = np.argsort(start, kind="stable")
    start, end, recorded = start[order], end[order], served["load"][order]
    expected = np.empty(len(start))
    for i in range(len(start)):
        since = start[i] - WINDOW
        earlier = slice(0, i)
        overlap = np.minimum(end[earlier], start[i]) - np.maximum(start[earlier], since)
        expected[i] = min(np.sum(np.maximum(overlap, 0.0)) / (2 * WINDOW), 1.0)
    np.testing.assert_allclose(recorded, expected, atol=1e-9)
    assert recorded.max() > 0.9 and recorded.min() < 0.2  # the load swings through the bands


def test_the_outcome_mix_at_each_load_band_follows_the_law(run) -> None:
    """Misery and magic at each band of load against the law summed over the band's moments:
    every z within 2 (here about 8,100 moments; the law's own chances per moment give the
    standard error). Beyond the threshold misery grows and magic shrinks."""
    m = run.moments[~run.moments["abandoned"]]
    load = m["load"]
    misery_p, magic_p = law(load)
    shares = []
    for low, high in ((0.0, THRESHOLD), (THRESHOLD, 0.7), (0.7, 0.85), (0.85, 1.01)):
        band = (load > low) & (load <= high) if low > 0 else load <= high
        assert band.sum() > 300, (low, high, band.sum())
        for code, p in ((0, misery_p[band]), (2, magic_p[band])):
            observed = np.sum(m["outcome"][band] == code)
            z = (observed - p.sum()) / math.sqrt(np.sum(p * (1 - p)))
            assert abs(z) <= 2.0, (low, high, code, observed, p.sum(), z)
        shares.append(np.mean(m["outcome"][band] == 0))
    assert shares[0] < shares[1] < shares[2] < shares[3]


def test_the_reference_engine_gives_the_same_records_with_load() -> None:
    fast = assert_same_records(loaded(days=3.0), 2)
    assert "load" in fast.moments.dtype.names and fast.moments["load"].max() > THRESHOLD


def test_without_load_the_records_have_no_load_column() -> None:
    data = loaded(days=2.0).model_dump(mode="json")
    data["touchpoints"]["desk"]["load"] = None
    result = simulate(Scenario.model_validate(data), 5)
    assert "load" not in result.moments.dtype.names


def test_load_needs_servers() -> None:
    data = loaded(days=2.0).model_dump(mode="json")
    data["touchpoints"]["desk"]["servers"] = "unlimited"
    with pytest.raises(ScenarioError, match="self-service has none") as refused:
        scenario_from_dict(data)
    assert "touchpoints.desk" in str(refused.value)


def test_the_leverage_maps_array_form_pushes_as_the_rule_does() -> None:
    """The leverage map's scores read a moment's chances from the array form of the rule; with
    load it pushes as OutcomeModel does, wait and load together."""
    from truthsim.behaviour.outcome import OutcomeModel
    from truthsim.behaviour.outcome_score import cumulative, load_push

    rule = OutcomeModel.build(BASE, 5.0, 10.0, (THRESHOLD, DOUBLING))
    rng = np.random.default_rng(3)
    wait, load = rng.uniform(0.0, 30.0, 500), rng.uniform(0.0, 1.0, 500)
    pushed = load_push(load, THRESHOLD, DOUBLING)
    assert np.array_equal(pushed, [rule.push(0.0, 1.0, x) for x in load])  # to the last bit
    lower, upper, _ = cumulative(rule.low, rule.high, np.full(500, 5.0), rule.per_minute, wait,
                                 pushed)  # fmt: skip
    want = np.array([rule.probabilities(w, 1.0, x) for w, x in zip(wait, load, strict=True)])
    np.testing.assert_allclose(lower, want[:, 0], rtol=1e-12)
    np.testing.assert_allclose(upper, want[:, 0] + want[:, 1], rtol=1e-12)


def test_the_summary_and_the_run_command_show_outcomes_by_load(run, tmp_path) -> None:
    from click.testing import CliRunner

    from truthsim.cli import main
    from truthsim.engine.result import result_files

    low, high = run.load_bands
    assert (low["band"], high["band"]) == ("load <= 50%", "load > 50%")
    assert low["moments"] + high["moments"] == np.count_nonzero(~run.moments["abandoned"])
    assert high["misery"] > 2 * low["misery"] and high["mean_load"] > THRESHOLD > low["mean_load"]
    assert "load_bands.csv" in result_files(run)
    path = tmp_path / "loaded.yaml"
    path.write_text(__import__("yaml").safe_dump(loaded(days=5.0).model_dump(mode="json")))
    out = CliRunner().invoke(main, ["run", str(path), "-q"])
    assert out.exit_code == 0, out.output
    assert "Outcomes by the servers' load" in out.output and "load > 50%" in out.output


@pytest.mark.slow
def test_an_extra_servers_gain_splits_into_its_wait_and_load_effects() -> None:
    """Waiting does no harm at this desk, so what an extra server keeps comes through relieved
    staff: the load effect's interval lies above zero and holds nearly all of the gain; the two
    parts add up to the whole, replication by replication, and the answer says so."""
    from truthsim import Execution
    from truthsim.experiments import compare
    from truthsim.report.answer import answer_sentences

    scenario = loaded(days=30.0, per_day=30.0, baseline_return=0.85, gap_days=7.0)
    data = scenario.model_dump(mode="json")
    data["improvements"] = {
        "extra_server": {"changes": {"touchpoints.desk.servers": "+1"}, "cost": {"one_off": 1e3}}
    }
    result = compare(Scenario.model_validate(data), replications=4, seed=3,
                     execution=Execution(jobs=1))  # fmt: skip
    split = result.value["staffing_split"]["extra_server"]
    total, wait, load = split["total"], split["wait"], split["load"]
    assert split["touchpoints"] == ["desk"] and split["replications"] == 4
    (variant,) = result.variants  # the split's whole gain is the table's, on the same runs
    assert total["mean"] == pytest.approx(variant.retained.mean, rel=1e-12)
    assert load["low"] > 0 and abs(wait["mean"]) < 0.1 * total["mean"], split
    words = " ".join(answer_sentences(result.to_dict()))
    assert "through staff less stretched at desk" in words


def test_the_split_pairs_only_the_replications_shared_with_the_baseline() -> None:
    """A sequential selection may drop the baseline before a staffing variant: the split then
    uses the replications the two share, as the answer's table does (on main the arrays of
    different lengths raised a shape error)."""
    from truthsim import Execution
    from truthsim.experiments.comparing import WhatIf, named
    from truthsim.experiments.criteria import Criteria
    from truthsim.experiments.staff_split import staffing_splits

    data = loaded(days=5.0).model_dump(mode="json")
    data["improvements"] = {"extra_server": {"changes": {"touchpoints.desk.servers": "+1"}}}
    scenario = Scenario.model_validate(data)
    whatif = WhatIf(scenario, named(scenario, None, 1, False), Criteria(), 3, None,
                    Execution(jobs=1), first=3, most=10, sequential=False)  # fmt: skip
    del whatif.pool.runs[0][2:]  # the baseline dropped after 2 replications
    split = staffing_splits(whatif, 0.95)["extra_server"]
    assert split["replications"] == 2 and split["total"]["n"] == 2
