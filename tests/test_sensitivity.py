"""Sensitivity and sweeps: parameters the scenario has, ranges in their own terms, SALib indices,
paired differences against a reference point."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import make_scenario, shop, station
from truthsim.experiments import (
    Execution,
    ExperimentError,
    global_sensitivity,
    sensitivity,
    sweep,
    touchpoint_parameters,
)
from truthsim.experiments.global_sensitivity import GlobalSensitivityResult
from truthsim.experiments.parameters import Parameter, parameter_ranges, with_values

FAST = {"replications": 2, "seed": 3, "execution": Execution(jobs=1), "horizon_days": 6}
THREE = [
    "touchpoints.desk.servers",
    "touchpoints.desk.service.mean",
    "touchpoints.kiosk.outcomes.magic",
]


def test_only_parameters_the_scenario_uses() -> None:
    teller = station(servers=2)
    failing = station(servers=1, failure={"rate": 0.1, "recovery": 0.5})
    unrecovered = station(servers=1, failure={"rate": 0.1})
    found = touchpoint_parameters(
        make_scenario({"teller": teller, "lift": failing, "door": unrecovered})
    )
    assert not [p for p in found if p.startswith("touchpoints.teller.failure")], (
        "no failure block, no failure rows"
    )
    assert "touchpoints.lift.failure.recovered_outcomes.magic" in found
    assert "touchpoints.door.failure.rate" in found
    assert not [p for p in found if p.startswith("touchpoints.door.failure.recover")], (
        "failures never recovered: recovery parameters do nothing"
    )
    assert not [p for p in found if p.endswith("mediocrity")]


def test_ranges_in_the_parameters_own_terms() -> None:
    tight = station(
        servers=2,
        outcomes={"misery": 0.5, "mediocrity": 0.0, "magic": 0.5},
        shifts={"misery": -0.45, "mediocrity": 0.0, "magic": 0.3},
        failure={"rate": 0.1, "recovery": 0.9},
    )
    scenario = make_scenario({"desk": tight})  # reference return 0.5
    paths = list(touchpoint_parameters(scenario))
    chosen, skipped = parameter_ranges(scenario, paths, 0.2)
    by = {p.path: p for p in chosen}
    servers = by["touchpoints.desk.servers"]
    assert (servers.low, servers.high, servers.integer) == (1, 3, True), "+/-1 server, not +/-20%"
    misery, magic = by["touchpoints.desk.outcomes.misery"], by["touchpoints.desk.outcomes.magic"]
    assert misery.high + magic.high <= 1 + 1e-12, "shares keep room to sum to 1"
    shift = by["touchpoints.desk.shifts.misery"]
    assert 0.5 + shift.low == pytest.approx(0.001), "-0.54 would take 0.5 below 0: clipped"
    recovery = by["touchpoints.desk.failure.recovery"]
    assert (recovery.low, recovery.high) == (pytest.approx(0.72), 1.0), "1.08 is no probability"
    assert not skipped
    varied = with_values(scenario, {misery.path: misery.low, magic.path: magic.low})
    shares = varied.touchpoints["desk"].outcomes
    assert shares.misery == pytest.approx(misery.low) and shares.magic == pytest.approx(magic.low)
    assert shares.misery + shares.mediocrity + shares.magic == pytest.approx(1.0)
    assert with_values(scenario, {servers.path: 3.0}).touchpoints["desk"].servers == 3


def test_one_at_a_time_states_whole_number_ranges() -> None:
    result = sensitivity(shop(), fraction=0.1, parameters=THREE, **FAST)
    row = next(r for r in result.rows if r.parameter == "touchpoints.desk.servers")
    assert (row.low, row.high, row.integer) == (1, 3, True)
    assert row.label == "desk: staff serving at once"
    assert "1..3" in result.answer()
    assert [r.swing for r in result.rows] == sorted((r.swing for r in result.rows), reverse=True)


@pytest.mark.slow
def test_morris_screens_servers_first_and_is_reproducible() -> None:
    run = lambda: global_sensitivity(shop(), "morris", parameters=THREE, trajectories=4, **FAST)  # noqa: E731
    result = run()
    assert result.samples.shape == (4 * (3 + 1), 3)
    servers = result.samples[:, 0]
    assert set(np.unique(servers)) <= {1.0, 2.0, 3.0} and len(np.unique(servers)) >= 2
    rows = result.summary()
    assert rows[0]["parameter"] == "touchpoints.desk.servers"
    assert rows[0]["mu_star"] - rows[0]["mu_star_conf"] > 0
    assert {"mu_star", "mu_star_conf", "mu", "sigma", "label", "low", "high"} <= set(rows[0])
    again = run()
    assert all(np.array_equal(result.indices[k], again.indices[k]) for k in result.indices)
    assert np.array_equal(result.outputs, again.outputs), "same seed, same numbers"
    data = result.to_dict()
    assert data["method"] == "morris" and data["sample_points"] == 16
    assert len(result.to_records()) == 16


@pytest.mark.slow
def test_sobol_indices_with_intervals_on_whole_numbers() -> None:
    result = global_sensitivity(shop(), "sobol", parameters=THREE, samples=8, **FAST)
    assert result.samples.shape == (8 * (3 + 2), 3)
    assert np.array_equal(result.samples[:, 0], np.round(result.samples[:, 0]))
    assert set(np.unique(result.samples[:, 0])) == {1.0, 2.0, 3.0}, "each server count sampled"
    assert result.summary()[0]["parameter"] == "touchpoints.desk.servers"
    for row in result.summary():
        assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(row)
        assert row["ST_conf"] >= 0
    with pytest.raises(ExperimentError, match="power of 2"):
        global_sensitivity(shop(), "sobol", parameters=THREE, samples=10, **FAST)


@pytest.mark.parametrize(
    ("method", "indices", "expected"),
    [
        # mu* ranks b, c, a; sigma alone would rank a first
        (
            "morris",
            {
                "mu_star": [1.0, 3.0, 2.0],
                "mu_star_conf": [0.1] * 3,
                "mu": [0.0] * 3,
                "sigma": [9.0, 1.0, 2.0],
            },
            ["b", "c", "a"],
        ),
        # the total index ranks c, a, b; the first-order index or its interval would not
        (
            "sobol",
            {
                "S1": [0.5, 0.6, 0.1],
                "S1_conf": [0.3, 0.9, 0.1],
                "ST": [0.4, 0.2, 0.7],
                "ST_conf": [0.1] * 3,
            },
            ["c", "a", "b"],
        ),
    ],
)
def test_global_ranking_follows_mu_star_or_the_total_index(method, indices, expected) -> None:
    parameters = [Parameter(n, n, 1.0, 0.5, 1.5) for n in "abc"]
    result = GlobalSensitivityResult(
        "shop", 1, method, "retained", 0.2, parameters,
        {k: np.array(v) for k, v in indices.items()}, np.zeros((0, 3)), np.zeros((0, 1)),
    )  # fmt: skip
    assert [row["parameter"] for row in result.summary()] == expected
    assert result.answer().startswith(expected[0])


def test_global_without_salib_says_how_to_get_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "SALib", None)
    monkeypatch.setitem(sys.modules, "SALib.sample", None)
    with pytest.raises(ExperimentError, match=r"truthsim\[sensitivity\].*--method oat"):
        global_sensitivity(shop(), "morris", parameters=THREE, **FAST)


def test_sensitivity_results_to_pandas_with_categoricals() -> None:
    pd = pytest.importorskip("pandas")
    result = sensitivity(shop(), parameters=THREE[:2], **FAST)
    frame = result.to_pandas()
    assert isinstance(frame["parameter"].dtype, pd.CategoricalDtype)
    assert list(frame["parameter"]) == [r.parameter for r in result.rows]


def test_sweep_differences_are_paired_against_the_scenarios_own_values() -> None:
    result = sweep(shop(), {"touchpoints.desk.servers": [1, 2, 3]}, **{**FAST, "replications": 4})
    assert result.reference == (2,), "the scenario's own value"
    assert result.is_reference(1) and result.difference(1, "active_at_horizon").mean == 0
    paired = result.difference(2, "active_at_horizon")
    level = result.estimate(2, "active_at_horizon")
    assert paired.half_width < level.half_width, "pairing narrows the interval"
    assert paired.mean == pytest.approx(level.mean - result.estimate(1, "active_at_horizon").mean)
    row = result.summary()[0]
    assert {"active_at_horizon_change", "active_at_horizon_change_low", "active_at_horizon"} <= set(
        row
    )
    records = result.to_records()
    assert records.dtype["touchpoints.desk.servers"].kind == "i", "values stay numbers"
    data = result.to_dict()
    assert data["reference"]["values"] == {"touchpoints.desk.servers": 2}
    assert "differences" in data["points"][0] and "metrics" in data["points"][0]


def test_sweep_reference_outside_the_grid_is_simulated_too() -> None:
    result = sweep(
        shop(),
        {"touchpoints.desk.servers": [3, 4]},
        reference={"touchpoints.desk.servers": 1},
        **FAST,
    )
    assert len(result.points) == 2 and len(result.reference_runs) == 2
    assert result.difference(0, "active_at_horizon").mean > 0, "three beats one server"
    with pytest.raises(ExperimentError, match="does not vary"):
        sweep(shop(), {"touchpoints.desk.servers": [1]}, reference={"arrivals.per_day": 9}, **FAST)


def test_a_notebook_shows_indices_in_words_with_intervals() -> None:
    parameters = [Parameter(n, n.upper(), 1.0, 0.5, 1.5) for n in "ab"]
    result = GlobalSensitivityResult(
        "shop", 1, "morris", "retained", 0.2, parameters,
        {"mu_star": np.array([104.0, 3.0]), "mu_star_conf": np.array([46.0, 1.0]),
         "mu": np.array([100.0, 1.0]), "sigma": np.array([20.0, 2.0])},
        np.zeros((0, 2)), np.zeros((0, 1)),
    )  # fmt: skip
    html = result._repr_html_()
    assert "mu_star_conf" not in html and "mean absolute effect" in html
    assert "104 (58..150)" in html
