"""transactions.csv, the CRM's plain transaction log: bad data is refused by file, row and column
with a fix (exit 2 from `truthsim calibrate`, DataError from the API), never a traceback; valid
data become journeys (same-day purchases one journey unless keep_same_day) and calibrate as the
same journeys written as journeys.csv do."""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import quiet_scenario
from truthsim.calibration import calibrate
from truthsim.calibration.btyd import mbgnbd
from truthsim.calibration.data import read_data
from truthsim.cli import main
from truthsim.errors import DataError
from truthsim.scenario import Scenario

pytest.importorskip("statsmodels")

NAME = "transactions.csv"
MINUTES_PER_DAY = 1440.0


def scenario_data(segments: tuple[str, ...] = ("everyone",)) -> dict:
    """Moments that never matter, exponential gaps with a Gamma spread of rates and a Beta
    baseline: the MBG/NBD model."""
    share = 1.0 / len(segments)
    segment = {
        "share": share,
        "value_per_journey": 10.0,
        "baseline_return": {"churn_alpha": 0.6, "churn_beta": 2.5},
        "days_between_journeys": {"kind": "exponential", "mean": 30.0, "rate_shape": 0.8},
    }
    return quiet_scenario(
        "mbg",
        {name: dict(segment) for name in segments},
        horizon_days=100,
        arrivals={"per_day": 10},
        memory={"reference_return": 0.5},
    )


SCENARIO = Scenario.model_validate(scenario_data())
TWO_SEGMENTS = Scenario.model_validate(scenario_data(("regular", "occasional")))


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "mbg.yaml"
    path.write_text(yaml.safe_dump(scenario_data()))
    return path


@pytest.fixture(scope="module")
def two_segment_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario2") / "mbg2.yaml"
    path.write_text(yaml.safe_dump(scenario_data(("regular", "occasional"))))
    return path


def invoke(*args: str) -> tuple[int, str]:
    """The command in-process; a traceback or a RuntimeWarning fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: traceback") from result.exception
    noisy = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not noisy, f"{args}: RuntimeWarning reaches the terminal: {noisy[:3]}"
    return result.exit_code, result.output


def folder_with(tmp_path: Path, text: str, name: str = NAME) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def refused(scenario: Path, folder: Path, tmp_path: Path, *extra: str) -> str:
    """`truthsim calibrate` on the folder: exit 2, no traceback; its output."""
    code, output = invoke(
        "calibrate", str(scenario), "--data", str(folder), "-o", str(tmp_path / "c.yaml"), *extra
    )
    assert code == 2, output
    assert "Traceback" not in output, output
    assert NAME in output, output
    assert not (tmp_path / "c.yaml").exists()
    return output


def api_error(folder: Path, scenario: Scenario = SCENARIO, **kwargs) -> str:
    with pytest.raises(DataError) as caught:
        read_data(folder, scenario, **kwargs)
    return str(caught.value)


# -- bad cells: file, row, column and a fix --------------------------------------------------

BAD_CELLS = [
    # (body rows after the header customer,date,amount; bad row; column; words of the fix)
    ("A,2024-13-01,5", 3, "date", "2024-03-01"),
    ("A,yesterday,5", 3, "date", "2024-03-01"),
    ("A,01/02/2024,5", 3, "date", "2024-03-01"),
    (",2024-01-02,5", 3, "customer", "every row needs its customer"),
    ('A,2024-01-02,"12,50"', 3, "amount", "plainly"),
    ("A,2024-01-02,1_000", 3, "amount", "plainly"),
    ("A,2024-01-02,-5", 3, "amount", "refunds"),
]
BAD_IDS = ["month 13", "yesterday", "slashes", "no customer", "comma", "underscore", "negative"]


@pytest.mark.parametrize(("row", "line", "column", "fix"), BAD_CELLS, ids=BAD_IDS)
def test_a_bad_cell_is_refused_by_the_cli_with_its_place(
    tmp_path: Path, scenario_file: Path, row: str, line: int, column: str, fix: str
) -> None:
    folder = folder_with(tmp_path, f"customer,date,amount\nA,2024-01-01,3\n{row}\nB,2024-01-05,2\n")
    output = refused(scenario_file, folder, tmp_path)
    assert f"{NAME}, row {line}, column '{column}'" in output, output
    assert fix in output, output


@pytest.mark.parametrize(("row", "line", "column", "fix"), BAD_CELLS, ids=BAD_IDS)
def test_a_bad_cell_is_a_data_error_in_the_api(
    tmp_path: Path, row: str, line: int, column: str, fix: str
) -> None:
    folder = folder_with(tmp_path, f"customer,date,amount\nA,2024-01-01,3\n{row}\nB,2024-01-05,2\n")
    message = api_error(folder)
    assert f"{NAME}, row {line}, column '{column}'" in message, message
    assert fix in message, message
    with pytest.raises(DataError):
        calibrate(SCENARIO, folder)


def test_a_bad_timestamp_names_the_timestamp_column(tmp_path: Path) -> None:
    """The time column may be called 'timestamp' (or 'time'); a bad cell there must be placed in
    the column the file has, not in a 'date' column it does not have."""
    folder = folder_with(tmp_path, "customer,timestamp\nA,2024-01-01T10:00\nA,2024-13-01T10:00\n")
    message = api_error(folder)
    assert f"{NAME}, row 3, column 'timestamp'" in message, message


def test_every_bad_row_is_listed_not_only_the_first(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path, "customer,date\nA,2024-01-01\nA,yesterday\n,2024-01-02\nB,2024-02-30\n"
    )
    message = api_error(folder)
    for place in ("row 3, column 'date'", "row 4, column 'customer'", "row 5, column 'date'"):
        assert place in message, message


def test_a_customer_with_more_than_100000_transactions_is_refused(
    tmp_path: Path, scenario_file: Path
) -> None:
    """One account with 100,001 purchases is a till, not a customer."""
    body = "BIG,2024-01-01\n" * 100_001
    folder = folder_with(tmp_path, "customer,date\nA,2024-01-02\n" + body)
    output = refused(scenario_file, folder, tmp_path)
    assert "column 'customer'" in output, output
    assert "BIG" in output and "100,001" in output, output
    assert "leave it out" in output, output
    message = api_error(folder)
    assert "BIG" in message and "100,001" in message, message


def test_exactly_100000_transactions_are_accepted(tmp_path: Path) -> None:
    days = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]
    body = "".join(f"BIG,{days[k % 4]}\n" for k in range(100_000))
    folder = folder_with(tmp_path, "customer,date\nA,2024-01-02\n" + body)
    data = read_data(folder, SCENARIO)
    assert sorted(data.customer_ids) == ["A", "BIG"]
    assert len(data.journeys.start) == 5  # BIG's 100,000 purchases fall on 4 days


# -- exact duplicates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,rows",
    [
        ("customer,timestamp,amount", ["A,2024-01-01T10:00:00,5", "A,2024-01-01T10:00:00,5"]),
        ("customer,timestamp", ["A,2024-01-01T10:00:00", "A,2024-01-01T10:00:00"]),
        ("customer,timestamp,amount", ["A,2024-01-01T10:00:00,", "A,2024-01-01T10:00:00,"]),
    ],
    ids=["with amounts", "no amount column", "amounts left empty"],
)
def test_an_exact_duplicate_with_a_time_of_day_is_flagged(
    tmp_path: Path, scenario_file: Path, header: str, rows: list[str]
) -> None:
    """Two rows alike to the second are a copy, not two purchases: the copy's row is named,
    whether or not the log has amounts."""
    text = "\n".join([header, "B,2024-01-02T09:00:00" + ",1" * ("amount" in header), *rows]) + "\n"
    folder = folder_with(tmp_path, text)
    message = api_error(folder)
    assert f"{NAME}, row 4" in message and "repeats row 3" in message, message
    output = refused(scenario_file, folder, tmp_path)
    assert "row 4" in output, output


@pytest.mark.parametrize("amount", [True, False], ids=["with amounts", "no amount column"])
def test_an_exact_duplicate_with_dates_only_is_accepted_with_a_note(
    tmp_path: Path, amount: bool
) -> None:
    """With dates alone two equal rows may well be two purchases: taken, with a note."""
    extra = ",5" if amount else ""
    header = "customer,date" + (",amount" if amount else "")
    folder = folder_with(
        tmp_path, f"{header}\nA,2024-01-01{extra}\nA,2024-01-01{extra}\nA,2024-01-04{extra}\n"
    )
    data = read_data(folder, SCENARIO)
    assert any("repeat" in note for note in data.notes), data.notes
    assert len(data.journeys.start) == 2


# -- the file's shape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,words",
    [
        ("", ["is empty", "customer, date"]),
        ("customer,date,amount\n", ["row 2", "header but no rows"]),
        ("customer,date\n\n ,  \n", ["row 2", "header but no rows"]),
        ("customer,dates\nA,2024-01-01\n", ["row 1", "no column 'date'", "did you mean 'dates'"]),
        ("customer,day\nA,2024-01-01\n", ["row 1", "no column 'date'"]),
        ("client,date\nA,2024-01-01\n", ["row 1", "no column 'customer'"]),
        (
            "customer,date,timestamp\nA,2024-01-01,2024-01-01\n",
            ["row 1", "both date and timestamp"],
        ),
        ("customer,date,date\nA,2024-01-01,2024-01-01\n", ["row 1", "'date' twice"]),
    ],
    ids=[
        "empty",
        "header only",
        "header and blank rows",
        "dates",
        "day",
        "no customer",
        "date and timestamp",
        "date twice",
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(
    tmp_path: Path, scenario_file: Path, text: str, words: list[str]
) -> None:
    folder = folder_with(tmp_path, text)
    output = refused(scenario_file, folder, tmp_path)
    message = api_error(folder)
    for w in words:
        assert w in output, output
        assert w in message, message


def test_a_date_header_with_capitals_and_spaces_is_read(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "Customer , Date \nA,2024-01-01\nA,2024-01-03\n")
    data = read_data(folder, SCENARIO)
    assert data.journeys.start.tolist() == [0.0, 2 * MINUTES_PER_DAY]


def test_a_segment_that_the_scenario_does_not_have_is_refused(
    tmp_path: Path, two_segment_file: Path
) -> None:
    folder = folder_with(
        tmp_path, "customer,date,segment\nA,2024-01-01,regular\nB,2024-01-02,ocasional\n"
    )
    output = refused(two_segment_file, folder, tmp_path)
    assert f"{NAME}, row 3, column 'segment'" in output, output
    assert "did you mean 'occasional'" in output, output


def test_a_customer_in_two_segments_is_refused(tmp_path: Path, two_segment_file: Path) -> None:
    folder = folder_with(
        tmp_path,
        "customer,date,segment\nA,2024-01-01,regular\nB,2024-01-02,regular\n"
        "A,2024-01-05,occasional\n",
    )
    output = refused(two_segment_file, folder, tmp_path)
    assert f"{NAME}, row 4, column 'segment'" in output, output
    assert "one segment" in output, output
    message = api_error(folder, TWO_SEGMENTS)
    assert "row 4, column 'segment'" in message, message


def test_no_segment_column_with_two_segments_is_refused(
    tmp_path: Path, two_segment_file: Path
) -> None:
    folder = folder_with(tmp_path, "customer,date\nA,2024-01-01\n")
    output = refused(two_segment_file, folder, tmp_path)
    assert "segment" in output and "regular" in output, output


@pytest.mark.parametrize("other", ["journeys.csv", "moments.csv"])
def test_transactions_with_journeys_or_moments_are_refused(
    tmp_path: Path, scenario_file: Path, other: str
) -> None:
    folder = folder_with(tmp_path, "customer,date\nA,2024-01-01\nA,2024-01-03\n")
    (folder / other).write_text(
        "customer,journey,start\nA,0,0\n"
        if other == "journeys.csv"
        else "customer,journey,touchpoint,outcome\nA,0,desk,magic\n"
    )
    output = refused(scenario_file, folder, tmp_path)
    assert other in output, output
    message = api_error(folder)
    assert other in message, message


def test_a_directory_named_transactions_csv_is_refused(tmp_path: Path, scenario_file: Path) -> None:
    folder = tmp_path / "data"
    (folder / NAME).mkdir(parents=True)
    output = refused(scenario_file, folder, tmp_path)
    assert "folder" in output, output
    assert "folder" in api_error(folder)


def test_text_that_is_not_utf8_is_refused(tmp_path: Path, scenario_file: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / NAME).write_bytes("customer,date\nJos\u00e9,2024-01-01\n".encode("latin-1"))
    output = refused(scenario_file, folder, tmp_path)
    assert "UTF-8" in output, output


# -- valid data: journeys --------------------------------------------------------------------


SAME_DAY = (
    "customer,date,amount\n"
    "A,2024-01-01,10\n"
    "A,2024-01-01,5.5\n"
    "A,2024-01-01,4.5\n"
    "A,2024-01-03,7\n"
    "B,2024-01-02,3\n"
)


def test_same_day_purchases_are_one_journey_with_their_amounts_summed(tmp_path: Path) -> None:
    data = read_data(folder_with(tmp_path, SAME_DAY), SCENARIO)
    ids = data.customer_ids
    j = data.journeys
    a = ids.index("A")
    mine = j.customer == a
    assert mine.sum() == 2
    assert (j.start[mine] / MINUTES_PER_DAY).tolist() == [0.0, 2.0]
    assert j.journey[mine].tolist() == [0, 1]
    assert data.amounts is not None
    assert data.amounts[mine].tolist() == [20.0, 7.0]
    assert len(j.start) == 3
    assert any("--keep-same-day" in note for note in data.notes), data.notes
    # dates alone: the data run to the end of their last day
    assert data.end == 3 * MINUTES_PER_DAY


def test_keep_same_day_counts_each_purchase_of_a_day(tmp_path: Path) -> None:
    """keep_same_day ('count each transaction as a journey', as the CLI's help says): A's three
    purchases on 2024-01-01 are three journeys, each with its own amount, also when the log
    has dates alone."""
    data = read_data(folder_with(tmp_path, SAME_DAY), SCENARIO, keep_same_day=True)
    j = data.journeys
    mine = j.customer == data.customer_ids.index("A")
    assert mine.sum() == 4, (j.start[mine] / MINUTES_PER_DAY).tolist()
    assert data.amounts is not None
    assert sorted(data.amounts[mine].tolist()) == [4.5, 5.5, 7.0, 10.0]


def test_keep_same_day_with_times_of_day(tmp_path: Path) -> None:
    text = (
        "customer,timestamp,amount\n"
        "A,2024-01-01T09:00:00,10\n"
        "A,2024-01-01T13:30:00,5\n"
        "A,2024-01-03T08:00:00,7\n"
    )
    merged = read_data(folder_with(tmp_path, text), SCENARIO)
    kept = read_data(folder_with(tmp_path, text), SCENARIO, keep_same_day=True)
    assert merged.amounts.tolist() == [15.0, 7.0]  # type: ignore[union-attr]
    assert merged.journeys.start.tolist() == [0.0, 47 * 60.0]
    assert kept.amounts.tolist() == [10.0, 5.0, 7.0]  # type: ignore[union-attr]
    assert kept.journeys.start.tolist() == [0.0, 4.5 * 60, 47 * 60.0]
    assert kept.journeys.journey.tolist() == [0, 1, 2]
    # a time of day: the data end at the last purchase
    assert kept.end == 47 * 60.0


def test_timestamps_with_zones_are_the_same_instants_in_utc(tmp_path: Path) -> None:
    zoned = (
        "customer,timestamp\n"
        "A,2024-01-01T10:00:00+02:00\n"
        "A,2024-01-05T23:30:00-05:00\n"
        "B,2024-01-02T00:15:00+00:00\n"
    )
    utc = (
        "customer,timestamp\nA,2024-01-01T08:00:00\nA,2024-01-06T04:30:00Z\nB,2024-01-02T00:15:00\n"
    )
    a = read_data(folder_with(tmp_path / "z", zoned), SCENARIO)
    b = read_data(folder_with(tmp_path / "u", utc), SCENARIO)
    assert a.journeys.start.tolist() == b.journeys.start.tolist()
    assert a.journeys.customer.tolist() == b.journeys.customer.tolist()
    assert a.origin == b.origin
    assert a.end == b.end
    assert a.journeys.start.tolist() == [0.0, (5 * 24 - 8 + 4.5) * 60, (16 + 0.25) * 60]


def test_same_day_is_the_day_written_in_the_timestamps_zone(tmp_path: Path) -> None:
    """A customer in New York who buys at 08:00 and at 21:00 on 1 January bought on one day,
    although 21:00 -05:00 is 2 January in UTC: the day is the one the log writes."""
    text = (
        "customer,timestamp\n"
        "A,2024-01-01T08:00:00-05:00\n"
        "A,2024-01-01T21:00:00-05:00\n"
        "A,2024-01-04T08:00:00-05:00\n"
    )
    data = read_data(folder_with(tmp_path, text), SCENARIO)
    assert len(data.journeys.start) == 2, (data.journeys.start / 60).tolist()


# -- valid data: the same fit as journeys.csv --------------------------------------------------

ORIGIN = datetime(2023, 1, 2, tzinfo=timezone.utc)


def stamp(day: float) -> str:
    return (ORIGIN + timedelta(days=float(day))).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture(scope="module")
def mbg_log() -> tuple[np.ndarray, np.ndarray]:
    """An MBG/NBD log of 800 customers acquired over 6 weeks and seen for 300 days, times of day
    to the second (each day offset as an instant)."""
    rng = np.random.default_rng(11)
    params = {"r": 0.8, "alpha": 24.0, "a": 0.6, "b": 2.5}
    acquired = rng.uniform(0, 42, 800)
    customer, time = mbgnbd.simulate(params, 800, 300 - acquired, rng)
    time = np.round((time + acquired[customer]) * 86400) / 86400  # to the second, as written
    return customer, time


def estimates(result) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    return {p.path: (p.estimate, p.se) for p in result.parameters}


def assert_same_fit(a, b) -> None:  # type: ignore[no-untyped-def]
    ea, eb = estimates(a), estimates(b)
    assert sorted(ea) == sorted(eb)
    assert ea, "nothing fitted"
    for path, (value, se) in ea.items():
        assert eb[path][0] == pytest.approx(value, abs=0.01 * se + 1e-9), path


@pytest.mark.slow
@pytest.mark.parametrize("keep_same_day", [False, True], ids=["merged", "kept"])
def test_transactions_fit_as_the_same_journeys_written_as_journeys_csv(
    tmp_path: Path, mbg_log, keep_same_day: bool
) -> None:
    customer, time = mbg_log
    rows = sorted(zip(customer.tolist(), time.tolist(), strict=True))
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / NAME).write_text(
        "customer,timestamp\n" + "".join(f"c{c},{stamp(t)}\n" for c, t in rows)
    )
    # the journeys as a customer-base analyst counts them: one a customer a day, at its first
    lines, last, number = [], None, {}
    for c, t in rows:
        day = (c, int(np.floor(t + 1e-9)))
        if not keep_same_day and day == last:
            continue
        last = day
        k = number[c] = number.get(c, -1) + 1
        lines.append(f"c{c},{k},{stamp(t)}\n")
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "journeys.csv").write_text("customer,journey,start\n" + "".join(lines))
    from_log = calibrate(SCENARIO, tmp_path / "t", keep_same_day=keep_same_day)
    from_journeys = calibrate(SCENARIO, tmp_path / "j")
    assert len(from_log.data.journeys.start) == len(lines)
    assert_same_fit(from_log, from_journeys)


@pytest.mark.slow
def test_cli_calibrates_a_transaction_log(tmp_path: Path, scenario_file: Path, mbg_log) -> None:
    customer, time = mbg_log
    rng = np.random.default_rng(1)
    amount = np.round(rng.gamma(2.0, 10.0, len(customer)), 2)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / NAME).write_text(
        "customer,date,amount\n"
        + "".join(
            f"c{c},{stamp(t)[:10]},{m}\n"
            for c, t, m in zip(customer.tolist(), time.tolist(), amount.tolist(), strict=True)
        )
    )
    out = tmp_path / "fit" / "cal.yaml"
    code, output = invoke("calibrate", str(scenario_file), "--data", str(tmp_path / "d"), "-o",
                          str(out))  # fmt: skip
    assert code == 0, output
    report = json.loads((out.parent / "calibration.json").read_text())
    paths = {p["path"] for p in report["parameters"]}
    assert "segments.everyone.baseline_return.churn_alpha" in paths, paths
    assert NAME in report["data"]["files"], report["data"]
