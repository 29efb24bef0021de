"""Forecasts of a firm's own customers, held against the MBG/NBD model they are exactly.

With moments that never matter, exponential gaps with a Gamma spread of rates
(``{kind: exponential, mean: M, rate_shape: r}``) and a Beta baseline (``{churn_alpha: a,
churn_beta: b}``), truthsim's customer is the MBG/NBD customer (Batislam et al. 2007) with
(r, alpha = r M, a, b), times in days. So a transaction log simulated by
``mbgnbd.simulate`` must calibrate back to its parameters, and a forecast at the true values
must match MBG/NBD's closed forms (P(alive) exactly, expected journeys within Monte Carlo
error)."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import quiet_scenario
from truthsim.calibration import calibrate
from truthsim.calibration.btyd import Summary, bgnbd, mbgnbd
from truthsim.cli import main
from truthsim.errors import DataError
from truthsim.experiments import Execution
from truthsim.forecast import Forecast, forecast
from truthsim.io import OutputExistsError
from truthsim.scenario import Scenario

pytest.importorskip("statsmodels")

ORIGIN = datetime(2023, 1, 2)
TRUE = {"r": 0.8, "M": 30.0, "a": 0.6, "b": 2.5}
SEGMENT = "segments.everyone"


def params_of(r: float, M: float, a: float, b: float) -> dict[str, float]:
    return {"r": r, "alpha": r * M, "a": a, "b": b}


def scenario_data(r: float, M: float, a: float, b: float) -> dict:
    segment = {
        "share": 1.0,
        "value_per_journey": 10.0,
        "baseline_return": {"churn_alpha": a, "churn_beta": b},
        "days_between_journeys": {"kind": "exponential", "mean": M, "rate_shape": r},
    }
    return quiet_scenario(
        "mbg",
        {"everyone": segment},
        horizon_days=100,
        arrivals={"per_day": 10},
        memory={"reference_return": 0.5},
    )


def scenario(r: float, M: float, a: float, b: float) -> Scenario:
    return Scenario.model_validate(scenario_data(r, M, a, b))


AT_TRUTH = scenario(**TRUE)
#: where a calibration starts: away from the truth
START = scenario(1.0, 20.0, 0.5, 1.5)


def simulate_log(
    n: int, acquired_over: float, horizon: float, seed: int, params: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(customer, day) of an MBG/NBD log: customers acquired uniformly over the first
    ``acquired_over`` days, each seen until day ``horizon``."""
    rng = np.random.default_rng(seed)
    acquired = rng.uniform(0, acquired_over, n)
    customer, time = mbgnbd.simulate(params or params_of(**TRUE), n, horizon - acquired, rng)
    return customer, time + acquired[customer]


def write_log(folder: Path, customer: np.ndarray, day: np.ndarray, timed: bool) -> Path:
    """transactions.csv from day offsets: timestamps to the microsecond (two purchases in one
    second would be an exact duplicate row, which the reader refuses), or dates alone."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "transactions.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer", "timestamp" if timed else "date"])
        for c, t in zip(customer.tolist(), day.tolist(), strict=True):
            when = ORIGIN + timedelta(days=t)
            out.writerow(
                [f"c{c}", when.isoformat(timespec="microseconds") if timed else when.date()]
            )
    return folder


def read_back(folder: Path) -> tuple[dict[str, list[float]], bool]:
    """Each customer's distinct times (days since ORIGIN) as the file has them."""
    times: dict[str, set[float]] = defaultdict(set)
    with (folder / "transactions.csv").open(newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        timed = header[1] == "timestamp"
        for c, cell in rows:
            when = datetime.fromisoformat(cell)
            times[c].add((when - ORIGIN).total_seconds() / 86400.0)
    return {c: sorted(v) for c, v in times.items()}, timed


def summary_of(times: dict[str, list[float]], end: float, ids: list[str]) -> Summary:
    """MBG/NBD's (x, t_x, T) in days, customers in ``ids`` order."""
    x = np.array([len(times[c]) - 1 for c in ids], dtype=float)
    first = np.array([times[c][0] for c in ids])
    last = np.array([times[c][-1] for c in ids])
    return Summary(x, last - first, end - first)


def end_of(times: dict[str, list[float]], timed: bool) -> float:
    """truthsim's day 0: the last time seen, or the end of the last date seen."""
    latest = max(v[-1] for v in times.values())
    return latest if timed else latest + 1.0


def covers(p, value: float) -> bool:  # type: ignore[no-untyped-def]
    return p.low <= value <= p.high


def rhythm_covered(cal) -> bool:  # type: ignore[no-untyped-def]
    """The mean gap's interval covers M, or (gamma family) its shape's interval covers 1."""
    kind = cal.fit.diagnostics.get(f"{SEGMENT}.days_between_journeys.kind")
    here = f"{SEGMENT}.days_between_journeys"
    if kind == "exponential":
        return covers(cal.parameter(f"{here}.mean"), TRUE["M"])
    if kind == "gamma":
        return covers(cal.parameter(f"{here}.shape"), 1.0)
    return False


# -- 1. calibration recovers the MBG/NBD parameters --------------------------------------------


@pytest.mark.slow
def test_calibration_recovers_mbgnbd_parameters(tmp_path: Path) -> None:
    """3,000 customers acquired over 8 weeks, seen for a year, every purchase timed to the
    second and counted (keep_same_day): the 95% intervals cover the truth."""
    customer, day = simulate_log(3000, 56, 365, seed=1)
    folder = write_log(tmp_path / "d", customer, day, timed=True)
    cal = calibrate(START, folder, keep_same_day=True)
    here = f"{SEGMENT}.days_between_journeys"
    kind = cal.fit.diagnostics.get(f"{here}.kind")
    assert kind in ("exponential", "gamma"), kind
    assert covers(cal.parameter(f"{here}.rate_shape"), TRUE["r"]), cal.parameter(
        f"{here}.rate_shape"
    )
    assert covers(cal.parameter(f"{SEGMENT}.baseline_return.churn_alpha"), TRUE["a"])
    assert covers(cal.parameter(f"{SEGMENT}.baseline_return.churn_beta"), TRUE["b"])
    assert rhythm_covered(cal), [(p.path, p.low, p.high) for p in cal.parameters]
    # and it is MBG/NBD's own maximum on the same summary
    times, timed = read_back(folder)
    ids = sorted(times)
    direct = mbgnbd.fit(summary_of(times, end_of(times, timed), ids)).params
    if kind == "exponential":
        assert cal.parameter(f"{here}.rate_shape").estimate == pytest.approx(direct["r"], rel=2e-3)
        assert cal.parameter(f"{here}.mean").estimate == pytest.approx(
            direct["alpha"] / direct["r"], rel=2e-3
        )
        churn = cal.parameter(f"{SEGMENT}.baseline_return.churn_alpha").estimate
        assert churn == pytest.approx(direct["a"], rel=2e-3)


@pytest.mark.xfail(
    strict=False,
    reason="dates alone: gaps are whole days and same-day purchases merge, which the rhythm's "
    "continuous-time likelihood does not model; AIC picks gamma gaps with shape ~1.17 (95% "
    "interval 1.15..1.20, excluding 1) on 3,000 customers",
)
@pytest.mark.slow
def test_calibration_recovers_mbgnbd_parameters_from_dates_alone(tmp_path: Path) -> None:
    """The same log written with dates alone (the common CRM export), same-day purchases one
    journey (the default)."""
    customer, day = simulate_log(3000, 56, 365, seed=1)
    folder = write_log(tmp_path / "d", customer, day, timed=False)
    cal = calibrate(START, folder)
    here = f"{SEGMENT}.days_between_journeys"
    assert covers(cal.parameter(f"{SEGMENT}.baseline_return.churn_alpha"), TRUE["a"])
    assert covers(cal.parameter(f"{SEGMENT}.baseline_return.churn_beta"), TRUE["b"])
    assert covers(cal.parameter(f"{here}.rate_shape"), TRUE["r"])
    assert rhythm_covered(cal), [(p.path, p.low, p.high) for p in cal.parameters]


SEEDS = 20


@pytest.mark.slow
def test_interval_coverage_is_consistent_with_95_percent(tmp_path: Path) -> None:
    """20 logs of 250 customers each (timestamps, each purchase kept): each parameter's
    interval covers the truth in at least 17 of them (P(X <= 16) = 1.6% for X ~ Binomial(20,
    0.95)); fewer means intervals too narrow or fits biased. (40 seeds of 300 customers gave
    37-40 of 40.)"""
    hits: dict[str, int] = defaultdict(int)
    misses: dict[str, list[int]] = defaultdict(list)
    here = f"{SEGMENT}.days_between_journeys"
    for seed in range(SEEDS):
        customer, day = simulate_log(250, 56, 365, seed=100 + seed)
        folder = write_log(tmp_path / str(seed), customer, day, timed=True)
        cal = calibrate(START, folder, keep_same_day=True)
        fitted = {p.path: p for p in cal.parameters}
        checks = {
            "rate_shape": f"{here}.rate_shape" in fitted
            and covers(fitted[f"{here}.rate_shape"], TRUE["r"]),
            "churn_alpha": covers(fitted[f"{SEGMENT}.baseline_return.churn_alpha"], TRUE["a"]),
            "churn_beta": covers(fitted[f"{SEGMENT}.baseline_return.churn_beta"], TRUE["b"]),
            "rhythm": rhythm_covered(cal),
        }
        for name, ok in checks.items():
            hits[name] += ok
            if not ok:
                misses[name].append(seed)
    low = 17
    assert all(
        hits[name] >= low for name in ("rate_shape", "churn_alpha", "churn_beta", "rhythm")
    ), (
        dict(hits),
        dict(misses),
    )


# -- 2. the forecast at the true values is MBG/NBD's closed form -------------------------------

DAYS = 60


@pytest.mark.slow
@pytest.mark.parametrize("timed", [True, False], ids=["timestamps, each kept", "dates, merged"])
def test_forecast_at_the_truth_matches_the_closed_form(tmp_path: Path, timed: bool) -> None:
    customer, day = simulate_log(1200, 56, 300, seed=5)
    folder = write_log(tmp_path / "d", customer, day, timed=timed)
    times, _ = read_back(folder)
    result = forecast(
        AT_TRUTH, folder, DAYS, fit=False, replications=80, seed=3, keep_same_day=timed
    )
    assert sorted(result.ids) == sorted(times)
    summary = summary_of(times, end_of(times, timed), result.ids)
    params = params_of(**TRUE)
    # P(alive) is a closed form on both sides
    np.testing.assert_allclose(
        result.customers["p_alive"], mbgnbd.p_alive(params, summary), rtol=0, atol=1e-6
    )
    # expected journeys: the replications' mean within Monte Carlo error of E[Y(t) | x, t_x, T]
    closed = mbgnbd.conditional_expected(params, DAYS, summary)
    last = result.periods[-1]
    assert last["day_end"] == DAYS
    assert len(result.periods) == math.ceil(DAYS / 7)
    total = float(result.customers["expected_journeys"].sum())
    assert total == pytest.approx(last["cumulative_mean"], rel=1e-9)
    se = (last["cumulative_high"] - last["cumulative_low"]) / (2 * 1.98)
    assert abs(total - closed.sum()) <= 4 * se, (total, closed.sum(), se)
    # per customer: noisy, but lined up by id it follows the closed form
    assert np.corrcoef(result.customers["expected_journeys"], closed)[0, 1] > 0.9
    # revenue: 10 a journey (a journey takes a minute, so it ends inside the period it starts)
    revenue = float(result.customers["expected_revenue"].sum())
    assert revenue == pytest.approx(10 * total, rel=0.01)


@pytest.mark.slow
def test_forecast_of_each_period_follows_the_closed_form(tmp_path: Path) -> None:
    """The cumulative curve at each period's end, not only the last."""
    customer, day = simulate_log(1000, 56, 300, seed=6)
    folder = write_log(tmp_path / "d", customer, day, timed=True)
    times, timed = read_back(folder)
    result = forecast(AT_TRUTH, folder, 28, fit=False, replications=80, seed=4, keep_same_day=True)
    summary = summary_of(times, end_of(times, timed), result.ids)
    for row in result.periods:
        closed = mbgnbd.conditional_expected(params_of(**TRUE), row["day_end"], summary).sum()
        se = (row["cumulative_high"] - row["cumulative_low"]) / (2 * 1.98)
        assert abs(row["cumulative_mean"] - closed) <= 4 * se, (row, closed)


# -- 3. holdout -----------------------------------------------------------------------------------

CUT_DAY = 200


@pytest.fixture(scope="module")
def holdout_log(tmp_path_factory) -> Path:
    """1,200 customers acquired over 250 days (some after the cut), seen until day 300, dates."""
    customer, day = simulate_log(1200, 250, 300, seed=8)
    return write_log(tmp_path_factory.mktemp("holdout") / "d", customer, day, timed=False)


def cut_date(days: int = CUT_DAY) -> str:
    return (ORIGIN + timedelta(days=days)).date().isoformat()


@pytest.fixture(scope="module")
def held(holdout_log: Path) -> Forecast:
    return forecast(START, holdout_log, holdout_from=cut_date(), replications=10, seed=2)


@pytest.mark.slow
def test_holdout_cuts_at_the_date(holdout_log: Path, held: Forecast) -> None:
    times, _ = read_back(holdout_log)
    days = {c: [round(t) for t in v] for c, v in times.items()}
    end = max(v[-1] for v in days.values()) + 1
    known = sorted(c for c, v in days.items() if v[0] < CUT_DAY)
    assert len(known) < len(days), "the log should have customers first seen after the cut"
    assert sorted(held.ids) == known
    h = held.holdout
    assert h is not None
    assert h["customers"] == len(known)
    assert held.days == end - CUT_DAY == h["days"]
    # actual journeys per period of 7 days after the cut, of the customers known at the cut
    periods = math.ceil((end - CUT_DAY) / 7)
    assert len(held.periods) == periods
    actual = np.zeros(periods)
    per_customer = defaultdict(int)
    new = 0
    for c, v in days.items():
        for d in v:
            if d >= CUT_DAY:
                if c in known:
                    actual[(d - CUT_DAY) // 7] += 1
                    per_customer[c] += 1
                else:
                    new += 1
    assert [p["actual"] for p in held.periods] == actual.tolist()
    assert [p["actual_cumulative"] for p in held.periods] == np.cumsum(actual).tolist()
    assert h["actual_journeys"] == actual.sum()
    assert h["new_customers_journeys"] == new
    got = dict(zip(held.ids, held.customers["actual_journeys"].tolist(), strict=True))
    assert got == {c: float(per_customer[c]) for c in known}
    # the fit saw the data before the cut only
    assert held.calibration is not None
    assert held.calibration.data.end == CUT_DAY * 1440.0
    assert held.calibration.data.journeys.start.max() < CUT_DAY * 1440.0


@pytest.mark.slow
def test_holdout_has_the_bgnbd_reference(holdout_log: Path, held: Forecast) -> None:
    times, _ = read_back(holdout_log)
    before = {c: [t for t in v if t < CUT_DAY] for c, v in times.items()}
    before = {c: v for c, v in before.items() if v}
    summary = summary_of(before, float(CUT_DAY), held.ids)
    reference = bgnbd.fit(summary).params
    h = held.holdout
    assert h is not None
    got = h["bgnbd"]["parameters"]
    for name in ("r", "alpha", "a", "b"):
        assert got[name] == pytest.approx(reference[name], rel=1e-3), name
    expected = bgnbd.conditional_expected(reference, held.days, summary)
    np.testing.assert_allclose(
        held.customers["bgnbd_expected_journeys"], expected, rtol=1e-3, atol=1e-6
    )
    assert h["bgnbd"]["forecast_journeys"] == pytest.approx(expected.sum(), rel=1e-3)
    assert held.periods[-1]["bgnbd_cumulative"] == pytest.approx(expected.sum(), rel=1e-3)
    for key in ("cumulative_mean_absolute_percentage_error", "per_customer_correlation"):
        assert math.isfinite(h[key]) and math.isfinite(h["bgnbd"][key]), key


@pytest.mark.slow
def test_holdout_from_a_number_of_days_is_the_same_cut(holdout_log: Path, held: Forecast) -> None:
    again = forecast(START, holdout_log, holdout_from=str(CUT_DAY), replications=10, seed=2)
    assert again.ids == held.ids
    assert [p["actual"] for p in again.periods] == [p["actual"] for p in held.periods]
    assert again.periods == held.periods


@pytest.mark.slow
def test_holdout_days_shorter_than_the_holdout(holdout_log: Path) -> None:
    short = forecast(
        START, holdout_log, 30, holdout_from=cut_date(), replications=4, seed=2, fit=False
    )
    assert short.days == 30
    assert short.periods[-1]["day_end"] == 30
    assert len(short.periods) == 5


@pytest.mark.slow
def test_save_writes_the_three_files(tmp_path: Path, held: Forecast) -> None:
    out = tmp_path / "out"
    written = held.save(out)
    names = {p.name for p in written}
    assert names == {"forecast.json", "forecast.csv", "customers_forecast.csv"}
    report = json.loads((out / "forecast.json").read_text())
    assert report["holdout"]["bgnbd"]["parameters"].keys() == {"r", "alpha", "a", "b"}
    assert report["customers"] == len(held.ids)
    assert len(report["periods"]) == len(held.periods)
    with (out / "forecast.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(held.periods)
    assert {"actual", "actual_cumulative", "bgnbd_cumulative", "cumulative_mean"} <= set(rows[0])
    with (out / "customers_forecast.csv").open(newline="") as handle:
        customers = list(csv.DictReader(handle))
    assert [r["customer"] for r in customers] == held.ids
    assert set(customers[0]) == {
        "customer",
        "p_alive",
        "expected_journeys",
        "expected_revenue",
        "actual_journeys",
        "bgnbd_expected_journeys",
    }
    with pytest.raises(OutputExistsError):
        held.save(out)
    held.save(out, force=True)


@pytest.mark.parametrize(
    "when,words",
    [
        ("notadate", "not a date"),
        ("2022-01-01", "inside the data"),
        ("2030-01-01", "inside the data"),
        ("-5", "inside the data"),
        ("nan", "inside the data"),
    ],
)
def test_a_bad_holdout_is_a_data_error(holdout_log: Path, when: str, words: str) -> None:
    with pytest.raises(DataError, match=words):
        forecast(START, holdout_log, holdout_from=when, replications=2, fit=False)


# -- the command line --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    """A scenario file and a small log of 300 customers (dates)."""
    tmp = tmp_path_factory.mktemp("cli")
    path = tmp / "mbg.yaml"
    path.write_text(yaml.safe_dump(scenario_data(1.0, 20.0, 0.5, 1.5)))
    customer, day = simulate_log(300, 150, 240, seed=9)
    return path, write_log(tmp / "d", customer, day, timed=False)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["forecast", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: traceback") from result.exception
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.mark.slow
def test_cli_forecast_with_a_holdout(tmp_path: Path, small) -> None:
    scenario_file, data = small
    out = tmp_path / "out"
    code, output = invoke(
        str(scenario_file), "--data", str(data), "--holdout-from", cut_date(180), "-r", "4",
        "--seed", "1", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert "holdout:" in output and "BG/NBD" in output, output
    assert {p.name for p in out.iterdir()} >= {
        "forecast.json",
        "forecast.csv",
        "customers_forecast.csv",
    }
    again = tmp_path / "json"
    code, output = invoke(
        str(scenario_file), "--data", str(data), "--holdout-from", cut_date(180), "-r", "4",
        "--seed", "1", "--json",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["holdout"]["customers"] > 0
    assert not again.exists()


@pytest.mark.slow
def test_cli_forecast_of_days_ahead(tmp_path: Path, small) -> None:
    scenario_file, data = small
    code, output = invoke(
        str(scenario_file), "--data", str(data), "--days", "30", "-r", "4", "--as-written",
        "--json",
    )  # fmt: skip
    assert code == 0, output
    report = json.loads(output)
    assert report["days"] == 30 and report["holdout"] is None
    assert report["periods"][-1]["day_end"] == 30
    code, output = invoke(str(scenario_file), "--data", str(data), "--days", "14", "-r", "3")
    assert code == 0, output


@pytest.mark.parametrize(
    "extra,words",
    [
        ([], "--days"),
        (["--holdout-from", "2020-01-01"], "inside the data"),
        (["--holdout-from", "2040-01-01"], "inside the data"),
        (["--holdout-from", "notadate"], "not a date"),
        (["--days", "0"], "--days"),
        (["--days", "-3"], "--days"),
        (["--days", "30", "-r", "1"], "-r"),
    ],
    ids=["neither", "before", "after", "notadate", "zero days", "negative days", "1 replication"],
)
def test_cli_forecast_refuses_bad_flags(small, extra: list[str], words: str) -> None:
    scenario_file, data = small
    code, output = invoke(str(scenario_file), "--data", str(data), *extra)
    assert code == 2, output
    assert words in output, output


def test_cli_forecast_of_bad_data_names_the_place(tmp_path: Path, small) -> None:
    scenario_file, _ = small
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "transactions.csv").write_text("customer,date\nA,2024-01-01\nA,nope\n")
    code, output = invoke(str(scenario_file), "--data", str(tmp_path / "bad"), "--days", "7")
    assert code == 2, output
    assert "transactions.csv, row 3, column 'date'" in output, output


# -- 4. reproducible ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repro_log(tmp_path_factory) -> Path:
    customer, day = simulate_log(300, 56, 200, seed=12)
    return write_log(tmp_path_factory.mktemp("repro") / "d", customer, day, timed=False)


def assert_same(a: Forecast, b: Forecast) -> None:
    assert a.periods == b.periods
    assert a.ids == b.ids
    assert a.customers.keys() == b.customers.keys()
    for k in a.customers:
        assert np.array_equal(a.customers[k], b.customers[k]), k


def test_same_seed_same_forecast(repro_log: Path) -> None:
    one = forecast(AT_TRUTH, repro_log, 30, fit=False, replications=12, seed=7)
    two = forecast(AT_TRUTH, repro_log, 30, fit=False, replications=12, seed=7)
    assert_same(one, two)
    other = forecast(AT_TRUTH, repro_log, 30, fit=False, replications=12, seed=8)
    assert other.periods != one.periods


def test_one_or_two_jobs_give_the_same_forecast(repro_log: Path) -> None:
    one = forecast(
        AT_TRUTH, repro_log, 30, fit=False, replications=7, seed=7, execution=Execution(jobs=1)
    )
    two = forecast(
        AT_TRUTH, repro_log, 30, fit=False, replications=7, seed=7, execution=Execution(jobs=2)
    )
    assert_same(one, two)


@pytest.mark.slow
def test_same_seed_same_holdout_forecast(repro_log: Path) -> None:
    one = forecast(START, repro_log, holdout_from=cut_date(150), replications=5, seed=3)
    two = forecast(
        START,
        repro_log,
        holdout_from=cut_date(150),
        replications=5,
        seed=3,
        execution=Execution(jobs=2),
    )
    assert_same(one, two)
    assert one.holdout == two.holdout


def test_date_type_is_iso(tmp_path: Path) -> None:
    """The helper writes ISO dates (a guard on this file's own log writer)."""
    folder = write_log(tmp_path, np.array([0, 0]), np.array([0.2, 1.5]), timed=False)
    text = (folder / "transactions.csv").read_text().splitlines()
    assert text[1:] == [f"c0,{date(2023, 1, 2)}", f"c0,{date(2023, 1, 3)}"]
