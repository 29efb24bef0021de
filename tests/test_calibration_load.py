"""Calibrating staff under load: each moment's busy share is measured from the data themselves
(the array form equals the rule's busy_share, with a fixed or scheduled staff), the load's
doubling is fitted jointly with the outcome mix and the wait effect and recovers the truth
within 3 standard errors, it is written into the calibrated scenario, and a scenario without
load calibrates exactly as before. Asked to, calibration profiles the threshold too."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.conftest import scenario_data, station
from tests.test_staff_load import DOUBLING, THRESHOLD, WINDOW, loaded
from truthsim.behaviour.load import busy_share
from truthsim.calibration import calibrate, synthesize, write_synthetic
from truthsim.calibration.data import read_data
from truthsim.calibration.load import busy_shares, moment_loads, servers_at
from truthsim.calibration.writing import calibrated_yaml
from truthsim.scenario import Scenario
from truthsim.scenario.loader import parse_scenario
from truthsim.scenario.staffing import Schedule

pytest.importorskip("statsmodels")

LOAD = "touchpoints.desk.load.doubling"


def changed(scenario: Scenario, **desk: Any) -> Scenario:
    """``scenario`` with the desk's fields replaced."""
    data = scenario.model_dump(mode="json")
    data["touchpoints"]["desk"].update(desk)
    return Scenario.model_validate(data)


def firm(scenario: Scenario, folder: Path, seed: int, response_rate: float = 0.5) -> Path:
    """The data a firm running ``scenario`` would have (half its customers answer surveys)."""
    data = synthesize(scenario, seed, response_rate=response_rate, margin_days=0.5)
    write_synthetic(data, folder, force=True)
    return folder


def rule_loads(start: np.ndarray, end: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """busy_share itself, moment by moment, over every service in the data."""
    services = list(zip(start.tolist(), end.tolist(), strict=True))
    return np.array(
        [busy_share(services, s, WINDOW, int(n)) for s, n in zip(start, servers, strict=True)]
    )


@pytest.mark.parametrize("servers", [2, {"schedule": [[0, 1], [9, 3], [17, 2]]}])
def test_the_busy_share_from_the_data_is_the_rules(tmp_path, servers) -> None:
    """Every served moment, answered or not, gives a service; the array form over them equals
    busy_share over them (the scenario's servers, a number or a schedule, at each start), and
    the load the engine recorded up to the data's rounding."""
    scenario = changed(loaded(days=3.0), servers=servers)
    data = read_data(firm(scenario, tmp_path, 4), scenario)
    m = data.moments
    assert m is not None and np.any(m.outcome < 0)  # some moments without an answer count
    loads, source = moment_loads(m, 0, scenario.touchpoints["desk"].servers, WINDOW)
    assert loads is not None and "services" in source
    served = ~m.abandoned
    start = m.order[served] + m.wait[served]
    end = start + m.service[served]
    on_shift = servers_at(scenario.touchpoints["desk"].servers, start, None)
    want = rule_loads(start, end, on_shift)
    np.testing.assert_allclose(loads[served], want, rtol=0, atol=1e-9)
    assert np.all(np.isnan(loads[~served]))
    assert want.max() > THRESHOLD and want.min() < 0.2
    if isinstance(servers, dict):
        assert set(on_shift.tolist()) == {1.0, 2.0, 3.0}
    # the engine's own record of the same moments (times in the files are rounded)
    from truthsim import simulate

    recorded = simulate(scenario, 4, horizon_days=3.5).moments
    # services begun two hours before the end of the data: all of their window is in it
    cutoff = 3 * 1440.0 - 120.0
    recorded = recorded[~recorded["abandoned"]]
    began = recorded["arrival"] + recorded["wait"]
    recorded = recorded[began < cutoff][np.argsort(began[began < cutoff])]
    early = start < cutoff
    # (a service that began as a shift came on is written a moment earlier, rounded)
    staff = scenario.touchpoints["desk"].servers
    steady = servers_at(staff, start - 0.01, None) == servers_at(staff, start + 0.01, None)
    order = np.argsort(start[early])
    ours, theirs = loads[served][early][order], recorded["load"]
    kept = steady[early][order]
    np.testing.assert_allclose(ours[kept], theirs[kept], atol=1e-3)
    assert kept.sum() > 0.95 * len(kept)


def test_the_array_form_holds_at_the_edges() -> None:
    """Services that touch the window's start or the moment's own start, a moment beginning as
    another does (it does not count), no one on shift (fully busy), and more service than the
    servers could give (at most 1)."""
    start = np.array([0.0, 10.0, 10.0, 50.0, 70.0, 70.0, 130.0])
    end = np.array([10.0, 70.0, 40.0, 130.0, 75.0, 200.0, 131.0])
    servers = np.array([1, 1, 2, 2, 1, 0, 1])
    want = rule_loads(start, end, servers)
    got = busy_shares(start, end, start, WINDOW, servers)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert got[5] == 1.0 and got[4] == 1.0


def test_a_schedule_is_read_at_the_hour_and_weekday_timestamps_show() -> None:
    """Times written as timestamps are minutes from the data's first one: the schedule is read
    at the clock and weekday they show (the simulation's day 0 is a Monday)."""
    schedule = Schedule(schedule=[[0, 1], [9, 3]], days={"sat": [[0, 5]]})
    saturday = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)  # a Saturday
    origin = (saturday - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() / 60
    times = np.array([0.0, 600.0, 1440.0 + 60.0, 1440.0 + 600.0, 2 * 1440.0 + 600.0])
    assert servers_at(schedule, times, origin).tolist() == [5, 5, 1, 3, 3]
    # minutes as the simulation has them: day 5 is a Saturday
    assert servers_at(schedule, times + 5 * 1440.0, None).tolist() == [5, 5, 1, 3, 3]
    assert servers_at(4, times, origin).tolist() == [4] * 5


@pytest.mark.slow
@pytest.mark.parametrize("waits", [False, True])
def test_the_load_doubling_is_recovered_with_the_wait_effect(tmp_path, waits) -> None:
    """A desk whose load swings through the threshold, 20 days of data, half answering: the
    calibration starts from a doubling of 0.6 and finds the truth (0.2) within 3 standard errors
    and inside its 95% interval; where waiting also harms, the wait's doubling too. The fitted
    doubling is written into the calibrated scenario and its YAML, and drawn with the mix."""
    truth = loaded(days=20.0)
    if waits:
        truth = changed(truth, wait={"tolerance": 5.0, "doubling": 10.0})
    start = changed(truth, load={"window": WINDOW, "threshold": THRESHOLD, "doubling": 0.6})
    result = calibrate(start, firm(truth, tmp_path, 1), half_life=False, rhythm=False)
    p = result.parameter(LOAD)
    assert abs(p.estimate - DOUBLING) <= 3 * p.se, (p.estimate, p.se)
    assert p.low <= DOUBLING <= p.high
    assert p.se < 0.05 and "services" in p.source and "threshold 0.5" in p.method
    if waits:
        w = result.parameter("touchpoints.desk.wait.doubling")
        assert abs(w.estimate - 10.0) <= 3 * w.se, (w.estimate, w.se)
    for outcome, share in zip(("misery", "magic"), (0.1, 0.3), strict=True):
        q = result.parameter(f"touchpoints.desk.outcomes.{outcome}")
        assert abs(q.estimate - share) <= 3 * q.se, (outcome, q.estimate, q.se)
    load = result.scenario.touchpoints["desk"].load
    assert load is not None and load.doubling == pytest.approx(p.estimate, abs=1e-6)
    assert (load.window, load.threshold) == (WINDOW, THRESHOLD)
    written = yaml.safe_dump(start.model_dump(mode="json"), sort_keys=False,
                             default_flow_style=None)  # fmt: skip
    text = calibrated_yaml(result, written)  # the scenario's own file, edited in place
    assert "# fitted values:" not in text and f"doubling {p.estimate:.4g} (95% interval" in text
    assert parse_scenario(text).touchpoints["desk"].load == load
    drawn = [t for d in result.fit.draws for t in d.targets if LOAD in t[2]]
    assert drawn and drawn[0][0] == "doubling"


@pytest.mark.slow
def test_the_threshold_is_profiled_when_asked(tmp_path) -> None:
    """With ``load_threshold`` the threshold is fitted too, from a start of 0.7: the truth (0.5)
    inside its profile-likelihood interval, the doubling's interval (over every threshold in
    it) holding the truth, both written into the calibrated scenario."""
    truth = loaded(days=20.0)
    start = changed(truth, load={"window": WINDOW, "threshold": 0.7, "doubling": 0.6})
    folder = firm(truth, tmp_path, 3)
    result = calibrate(start, folder, half_life=False, rhythm=False, load_threshold=True)
    threshold = result.parameter("touchpoints.desk.load.threshold")
    doubling = result.parameter(LOAD)
    assert threshold.low <= THRESHOLD <= threshold.high, threshold
    assert abs(threshold.estimate - THRESHOLD) <= 3 * threshold.se
    assert threshold.high - threshold.low < 0.4
    assert doubling.low <= DOUBLING <= doubling.high, doubling
    assert "threshold profiled" in doubling.method
    load = result.scenario.touchpoints["desk"].load
    assert load is not None
    assert load.threshold == pytest.approx(threshold.estimate, abs=1e-6)
    assert load.doubling == pytest.approx(doubling.estimate, abs=1e-6)


@pytest.mark.slow
def test_without_data_to_measure_load_the_fit_is_the_one_without_load(tmp_path) -> None:
    """moments.csv without arrivals: the busy share cannot be measured, so the load's doubling
    is kept as written, with the reason, and the rest is fitted as for a desk without load."""
    truth = loaded(days=6.0)
    folder = firm(truth, tmp_path, 2)
    lines = (folder / "moments.csv").read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("arrival")
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines]
    (folder / "moments.csv").write_text("\n".join(rows) + "\n")
    with_load = calibrate(truth, folder, half_life=False, rhythm=False)
    without = calibrate(changed(truth, load=None), folder, half_life=False, rhythm=False)
    reason = next(u.reason for u in with_load.unidentified if u.path == LOAD)
    assert "'arrival'" in reason
    assert with_load.scenario.touchpoints["desk"].load.doubling == DOUBLING  # type: ignore[union-attr]
    mine = {p.path: p.estimate for p in with_load.parameters if "outcomes" in p.path}
    theirs = {p.path: p.estimate for p in without.parameters if "outcomes" in p.path}
    assert mine == theirs


def waited(days: float = 8.0) -> Scenario:
    """A desk where waiting harms and load does not move outcomes (the scenario has none)."""
    desk = station(
        servers=2,
        mean=10.0,
        outcomes={"misery": 0.1, "mediocrity": 0.6, "magic": 0.3},
        wait={"tolerance": 5.0, "doubling": 10.0},
    )
    data = scenario_data({"desk": desk}, per_day=200.0, horizon_days=days)
    data["arrivals"]["hourly_profile"] = [0.2] * 8 + [1.0] * 6 + [2.6] * 6 + [0.6] * 4
    return Scenario.model_validate(data)


#: the desk's outcome mix and wait effect, as calibration fitted them before load could move
#: outcomes (estimate, low, high, se)
BEFORE = {
    "touchpoints.desk.outcomes.misery": (
        0.08748730935378793, 0.061170044966251204, 0.12363600388278133, 0.015733494557765165
    ),
    "touchpoints.desk.outcomes.mediocrity": (
        0.6304524024677338, 0.5706802475821724, 0.6864746638117495, 0.02966191309574492
    ),
    "touchpoints.desk.outcomes.magic": (
        0.28206028817847834, 0.22719969167567536, 0.34426654881853175, 0.029955038163957615
    ),
    "touchpoints.desk.wait.doubling": (
        10.248465355194979, 8.142778834195724, 12.464680405971386, 0.7802624476713994
    ),
    "touchpoints.desk.wait.tolerance": (
        2.649207867370068, 0.0, 13.006321358928947, 3.3180000912060503
    ),
}  # fmt: skip


@pytest.mark.slow
def test_a_scenario_without_load_calibrates_as_before(tmp_path) -> None:
    """The same data and scenario give the values calibration gave before load was added (to
    rounding far below any standard error: the same code path), and no load anywhere."""
    data = synthesize(waited(), 11, response_rate=0.5, margin_days=1.0)
    write_synthetic(data, tmp_path, force=True)
    result = calibrate(waited(), tmp_path, half_life=False, rhythm=False)
    for path, values in BEFORE.items():
        p = result.parameter(path)
        got = (p.estimate, p.low, p.high, p.se)
        assert got == pytest.approx(values, rel=1e-9, abs=1e-12), path
    assert not any(".load" in p.path for p in result.parameters)
    assert not any(".load" in u.path for u in result.unidentified)
    assert result.scenario.touchpoints["desk"].load is None
    assert math.isfinite(result.parameter("touchpoints.desk.wait.doubling").se)


@pytest.mark.slow
def test_the_command_line_fits_the_threshold_when_asked(tmp_path) -> None:
    """truthsim calibrate --fit-load-threshold: the calibrated file carries a fitted threshold
    (the start's 0.7 moved toward the truth, 0.5) and the doubling."""
    from click.testing import CliRunner

    from truthsim.cli import main

    truth = loaded(days=20.0)
    start = changed(truth, load={"window": WINDOW, "threshold": 0.7, "doubling": 0.6})
    folder = firm(truth, tmp_path / "data", 3)
    path = tmp_path / "start.yaml"
    path.write_text(yaml.safe_dump(start.model_dump(mode="json")))
    out = tmp_path / "calibrated.yaml"
    args = ["calibrate", str(path), "--data", str(folder), "-o", str(out), "--no-half-life",
            "--no-rhythm", "--fit-load-threshold"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    load = yaml.safe_load(out.read_text())["touchpoints"]["desk"]["load"]
    assert abs(load["threshold"] - THRESHOLD) < abs(0.7 - THRESHOLD), load
    assert abs(load["doubling"] - 0.2) < abs(0.6 - 0.2), load  # nearer the truth than the start
