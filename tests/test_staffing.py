"""Staffing by the hour: schedules, shift changes, hourly utilisation, and '+1 from 7 to 10'."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_scenario, station
from tests.test_theory import batch_means, erlang_c
from truthsim import apply_changes, simulate
from truthsim.engine.hourly import busy_by_hour, capacity_by_hour
from truthsim.scenario.staffing import Schedule, add_in_hours

Z = 4.0
DAY = 1440.0


def shifts_scenario(**extra):
    """Two servers for twelve hours, five for the next twelve; lambda 1.4/min, mu 1/min."""
    desk = station(servers={"schedule": [[0, 2], [12, 5]]}, mean=1.0, **extra)
    return make_scenario({"desk": desk}, per_day=1.4 * DAY, horizon_days=40.0, warmup_days=1.0)


@pytest.fixture(scope="module")
def shifts():
    return simulate(shifts_scenario(), seed=21)


@pytest.mark.slow
def test_each_constant_stretch_behaves_as_its_own_mm_c_queue(shifts) -> None:
    """Long stretches, fast service: the stationary-independent-period approximation holds up to
    the transient after each change (relaxation time about 37 minutes at rho = 0.7 with two
    servers), which the first three hours of a stretch leave out."""
    m = shifts.moments[shifts.moments["arrival"] >= DAY]
    clock = m["arrival"] % DAY
    for (start, end), servers in (((180, 720), 2), ((900, 1440), 5)):
        here = m[(clock >= start) & (clock < end)]
        expected = erlang_c(servers, 1.4) / (servers * 1.0 - 1.4)
        mean, se = batch_means(here["wait"], here["arrival"])
        assert se < max(0.1 * expected, 1e-3), "enough data for the test to mean something"
        assert abs(mean - expected) < Z * se + 1e-9, (servers, mean, expected, se)


@pytest.mark.slow
def test_hourly_utilisation_follows_the_staffing(shifts) -> None:
    hourly = shifts.hourly
    for hour in (3, 8, 15, 20):
        row = hourly[hourly["hour"] == hour][0]
        servers = 2 if hour < 12 else 5
        assert row["servers"] == pytest.approx(servers)
        expected = 1.4 / servers
        se = math.sqrt(expected / row["arrivals"])  # busy time: ~1 exponential minute per visit
        assert abs(row["utilisation"] - expected) < Z * se, (hour, row["utilisation"])
    table = shifts.touchpoints[0]
    assert table["servers"] == "2-5 by hour"
    assert table["peak_utilisation"] > 0.6 > table["utilisation"], "the peak beside the average"
    assert 0 <= table["peak_hour"] < 12


def test_servers_coming_on_shift_take_the_queue_at_once() -> None:
    """One server until 8:00 for twice the calls it can take, so a queue stands at 8:00; the
    four servers arriving then each start on a waiting customer at 8:00 exactly."""
    desk = station(servers={"schedule": [[0, 1], [8, 5]]}, mean=1.0)
    scenario = make_scenario({"desk": desk}, per_day=2.0 * DAY, horizon_days=3.0)
    m = simulate(scenario, seed=5).moments
    for day in range(3):
        shift = day * DAY + 8 * 60.0
        waiting = m[(m["arrival"] < shift) & (m["arrival"] + m["wait"] >= shift)]
        started = np.isclose(waiting["arrival"] + waiting["wait"], shift, rtol=0, atol=1e-9)
        assert len(waiting) > 10, "a queue stands when the shift begins"
        assert np.count_nonzero(started) == 4, (day, np.count_nonzero(started))


def test_a_server_whose_shift_ends_finishes_the_customer_first() -> None:
    """Two servers until 1:00, then one: services running at 1:00 complete; no new service
    starts until only one is busy."""
    fixed = {"kind": "fixed", "value": 25.0}
    desk = station(servers={"schedule": [[0, 2], [1, 1]]}, service=fixed)
    scenario = make_scenario({"desk": desk}, per_day=2.5 * DAY / 25, horizon_days=0.5)
    m = simulate(scenario, seed=2).moments
    begin = m["arrival"] + m["wait"]
    end = begin + m["service"]
    assert np.all(m["service"] == 25.0), "nobody is cut short"
    spanning = (begin < 60) & (end > 60)
    assert np.count_nonzero(spanning) == 2, "both servers were busy at the change"
    for t in np.unique(begin[begin >= 60]):
        in_service = np.count_nonzero((begin <= t) & (end > t))
        assert in_service <= 1, t
    first_after = begin[begin >= 60].min()
    assert first_after == pytest.approx(end[spanning].max()), "the next waits for both to finish"


def test_before_a_days_first_shift_the_night_before_goes_on() -> None:
    """A schedule starting at 6:00 leaves the hours before it to the previous evening's shift,
    the previous weekday's when that day has its own schedule."""
    night = Schedule(schedule=[[6, 2], [22, 1]], days={"tue": [[6, 3]]})
    assert night.at(3 * 60) == 1 and night.at(7 * 60) == 2 and night.at(23 * 60) == 1
    assert night.at(DAY + 3 * 60) == 1, "Tuesday before 6:00: Monday's last shift"
    assert night.at(2 * DAY + 3 * 60) == 3, "Wednesday before 6:00: Tuesday's only shift"
    assert list(night.changes(DAY)) == [(0.0, 1), (360.0, 2), (1320.0, 1)]


def test_weekday_schedules_and_staffed_time_integrate_exactly() -> None:
    schedule = Schedule(
        schedule=[(0, 1), (9, 3), (17.5, 1)], days={"sat": [(0, 1)], "sun": [(0, 0), (10, 1)]}
    )
    assert schedule.at(DAY * 5 + 600) == 1 and schedule.at(DAY * 4 + 600) == 3
    week = schedule.server_minutes(0.0, 7 * DAY)
    weekday = 9 * 60 + 8.5 * 60 * 3 + 6.5 * 60
    assert week == pytest.approx(5 * weekday + 24 * 60 + 14 * 60)
    hours = capacity_by_hour(schedule.changes(7 * DAY), 0.0, 7 * DAY)
    assert hours.sum() == pytest.approx(week)
    assert hours[17] == pytest.approx(5 * (30 * 3 + 30 * 1) + 60 + 60)
    busy = busy_by_hour(np.array([50.0, 1439.0]), np.array([20.0, 120.0]), 0.0, 2 * DAY)
    assert busy[0] == pytest.approx(10 + 60) and busy[1] == pytest.approx(10 + 59)
    assert busy[23] == pytest.approx(1.0)


def test_plus_one_from_7_to_10() -> None:
    assert add_in_hours(2, 1, 7, 10).schedule == [(0, 2), (7, 3), (10, 2)]
    night = add_in_hours(Schedule(schedule=[(0, 1), (8, 3)]), -1, 22, 6)
    assert night.schedule == [(0, 0), (6, 1), (8, 3), (22, 2)]
    scenario = make_scenario({"desk": station(servers=2)})
    changed = apply_changes(scenario, {"touchpoints.desk.servers": "+1 from 7 to 10"})
    assert changed.touchpoints["desk"].servers.schedule == [(0, 2), (7, 3), (10, 2)]
    again = apply_changes(changed, {"touchpoints.desk.servers": "+1"})
    assert again.touchpoints["desk"].servers.schedule == [(0, 3), (7, 4), (10, 3)]
    with pytest.raises(Exception, match="between 0 and"):
        apply_changes(scenario, {"touchpoints.desk.servers": "-3 from 7 to 10"})


def test_one_more_agent_at_the_peak_cuts_the_peak_wait() -> None:
    profile = [0.2] * 7 + [4, 4, 4] + [0.5] * 14
    desk = station(servers=2, mean=4.0)
    scenario = make_scenario(
        {"desk": desk},
        per_day=150.0,
        horizon_days=20.0,
        arrivals={"per_day": 150.0, "hourly_profile": profile},
    )
    base = simulate(scenario, seed=6)
    more = simulate(
        apply_changes(scenario, {"touchpoints.desk.servers": "+1 from 7 to 10"}), seed=6
    )
    hour = 8
    before = base.hourly[base.hourly["hour"] == hour][0]
    after = more.hourly[more.hourly["hour"] == hour][0]
    assert after["servers"] == pytest.approx(3) and before["servers"] == pytest.approx(2)
    assert after["mean_wait"] < 0.5 * before["mean_wait"]
    quiet = base.hourly[base.hourly["hour"] == 14][0], more.hourly[more.hourly["hour"] == 14][0]
    assert quiet[0]["servers"] == quiet[1]["servers"] == pytest.approx(2)


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ({"schedule": [[0, 1], [7, 3], [5, 2]]}, "must increase"),
        ({"schedule": [[0, 0]]}, "nobody ever serves"),
        ({"schedule": [[24, 1]]}, "up to (not including) 24"),
        ({"schedule": [[0, 1]], "days": {"sunday": [[0, 1]]}}, "did you mean 'sun'"),
    ],
)
def test_a_bad_schedule_is_explained(schedule, fragment: str) -> None:
    import yaml

    from truthsim.scenario import ScenarioError, parse_scenario

    data = make_scenario({"desk": station(servers=1)}).model_dump(mode="json")
    data["touchpoints"]["desk"]["servers"] = schedule
    with pytest.raises(ScenarioError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_scenario(yaml.safe_dump(data), "s.yaml")


def test_staff_hours_an_improvement_adds_are_costed() -> None:
    from truthsim.experiments.valuation import improvement_cost, yearly_cost

    scenario = make_scenario(
        {"desk": station(servers=2)},
        horizon_days=10.0,
        value={"discount_rate": 0.0},  # undiscounted, the horizon alone
        improvements={
            "morning_agent": {
                "changes": {"touchpoints.desk.servers": "+1 from 7 to 10"},
                "cost": {"one_off": 100.0, "per_staffed_hour": 25.0},
            }
        },
    )
    assert improvement_cost(scenario, "morning_agent") == pytest.approx(100 + 25 * 3 * 10)
    # a budget holder's running cost: the hours of a year
    assert yearly_cost(scenario, "morning_agent") == pytest.approx((100, 25 * 3 * 365))


def test_validate_costs_staffed_hours(tmp_path) -> None:
    """On main an improvement costed per staffed hour was listed as costing nothing."""
    from click.testing import CliRunner

    from truthsim.cli import main

    result = CliRunner().invoke(main, ["validate", "airline"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("reservation_agent:"))
    assert "EUR 0 once + 245,280/year, of which 8,760 staffed hours a year at 28.00" in line
