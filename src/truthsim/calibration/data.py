"""A firm's data for calibration: which files, which columns, and the checks they must pass.

Each file is optional. Its columns are a subset of the record files ``truthsim run --out``
writes, with touchpoint, segment and outcome as names, so a simulated run is valid input:

- ``moments.csv``: customer, journey, touchpoint, outcome (misery/mediocrity/magic, or empty
  where the customer gave no feedback), optionally wait (minutes), abandoned, failed,
  recovered, service (minutes) and arrival (minutes or a timestamp, for the order of moments).
- ``journeys.csv``: customer, journey, start (minutes or a timestamp), optionally segment, end
  and returned (true/false, or empty: then taken from whether a later journey follows, and
  censored at the end of the data).
- ``cohort.csv``: period, active (one cohort's customers still active, period 0 = acquired),
  optionally segment and customers (the cohort's size; the pooled table ``truthsim run --out``
  writes, whose customers fall with the period, is left out when journeys.csv is given).
- ``arrivals.csv``: day, hour, arrivals (new customers that hour).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np

from truthsim.calibration.datasets import (
    ARRIVAL_COLUMNS,
    COHORT_COLUMNS,
    FILES,
    JOURNEY_COLUMNS,
    MOMENT_COLUMNS,
    Arrivals,
    CalibrationData,
    Cohort,
    Journeys,
    Moments,
)
from truthsim.calibration.file_readers import arrivals_of, cohort_of, journeys_of, moments_of
from truthsim.calibration.tables import Flaw, Table, data_error
from truthsim.calibration.transactions import journeys_of_log, read_log
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

__all__ = ["FILES", "Arrivals", "CalibrationData", "Cohort", "Journeys", "Moments", "read_data"]


def read_data(
    folder: str | Path, scenario: Scenario, *, keep_same_day: bool = False
) -> CalibrationData:
    """Read and check every data file in ``folder`` against ``scenario``'s names.

    A transaction log (transactions.csv) stands for journeys.csv: its customers' journeys, one a
    day unless ``keep_same_day`` (see :mod:`truthsim.calibration.transactions`).

    Raises :class:`~truthsim.errors.DataError` listing each problem with file, row, column
    and fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise data_error([Flaw(str(folder), "is not a folder; give the folder of the CSV files")])
    flaws: list[Flaw] = []
    present = {}
    for name in FILES:
        path = folder / name
        if path.is_file():
            present[name] = path
        elif path.is_symlink() or path.exists():  # never skipped in silence, never opened
            flaws.append(Flaw(name, f"is {_kind_of(path)}, not a file; put the CSV file there"))
    if flaws:
        raise data_error(flaws)
    if not present:
        raise data_error(
            [
                Flaw(
                    str(folder),
                    f"holds none of {', '.join(FILES)}; `truthsim synthesize SCENARIO --out "
                    "DIR` writes an example of each",
                )
            ]
        )
    if "transactions.csv" in present:
        return _from_transactions(folder, present, scenario, keep_same_day)
    touchpoints = scenario.touchpoint_order()
    segments = list(scenario.segments)
    tables = {
        "moments.csv": MOMENT_COLUMNS,
        "journeys.csv": JOURNEY_COLUMNS,
        "cohort.csv": COHORT_COLUMNS,
        "arrivals.csv": ARRIVAL_COLUMNS,
    }
    read = {name: Table(path, *tables[name]) for name, path in present.items()}
    data = CalibrationData(folder)
    ids: dict[str, int] = {}
    stamped: list[bool] = []
    if "moments.csv" in read:
        data.moments = moments_of(read["moments.csv"], touchpoints, ids, flaws, stamped)
    if "journeys.csv" in read:
        data.journeys = journeys_of(read["journeys.csv"], segments, ids, flaws, stamped)
    if "cohort.csv" in read:
        data.cohort = cohort_of(read["cohort.csv"], segments, flaws)
        if data.cohort.pooled:
            pooled = (
                "cohort.csv is a table of cohorts pooled by days since acquisition, as "
                "`truthsim run --out` writes it (its 'customers' column: those observed that "
                "long); the sBG law needs one cohort followed through its return decisions"
            )
            if "journeys.csv" in read:
                data.notes.append(pooled + "; it is left out, journeys.csv says more")
                data.cohort = None
            else:
                flaws.append(
                    Flaw(
                        "cohort.csv",
                        pooled + ": write period, active for one cohort (period 0 = all "
                        "acquired), or give journeys.csv",
                        column="customers",
                    )
                )
    if "arrivals.csv" in read:
        data.arrivals = arrivals_of(read["arrivals.csv"], flaws)
    if len(set(stamped)) > 1:
        flaws.append(
            Flaw(
                "journeys.csv",
                "start is written as timestamps in one file and minutes in the other; write "
                "times the same way in moments.csv and journeys.csv",
                column="start",
            )
        )
    if flaws:
        raise data_error(flaws)
    data.customer_ids = list(ids)
    _align_clock(data, any(stamped))
    if data.journeys is not None:
        _check_sequences(data.journeys, read["journeys.csv"], data.customer_ids, flaws)
    if flaws:
        raise data_error(flaws)
    return data


def _from_transactions(
    folder: Path, present: dict[str, Path], scenario: Scenario, keep_same_day: bool
) -> CalibrationData:
    """The data of a transaction log (with arrivals.csv, if given, beside it)."""
    others = sorted(set(present) - {"transactions.csv", "arrivals.csv"})
    if others:
        raise data_error(
            [
                Flaw(
                    "transactions.csv",
                    f"stands for journeys.csv and cannot go with {', '.join(others)} (moments "
                    "name their journeys by number): give journeys.csv instead, or leave "
                    f"{', '.join(others)} out",
                )
            ]
        )
    flaws: list[Flaw] = []
    data = CalibrationData(folder, journeys_file="transactions.csv")
    log = read_log(present["transactions.csv"], list(scenario.segments), flaws)
    if "arrivals.csv" in present:
        data.arrivals = arrivals_of(Table(present["arrivals.csv"], *ARRIVAL_COLUMNS), flaws)
    if flaws:
        raise data_error(flaws)
    data.journeys, amounts = journeys_of_log(log, keep_same_day, flaws, data.notes)
    if flaws:
        raise data_error(flaws)
    data.amounts = amounts if log.has_amount else None
    data.customer_ids = list(log.ids)
    origin = float(data.journeys.start.min())
    data.origin = origin
    data.journeys.start = data.journeys.start - origin
    data.journeys.end = data.journeys.end - origin
    # dates alone: the data run to the end of their last day
    data.end = float(data.journeys.end.max()) + (0.0 if log.timed else MINUTES_PER_DAY)
    return data


def _kind_of(path: Path) -> str:
    """What stands at ``path`` instead of a regular file, in words."""
    if path.is_symlink() and not path.exists():
        return f"a link to {os.readlink(path)}, which does not exist"
    if path.is_dir():
        return "a folder"
    mode = path.stat().st_mode
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _align_clock(data: CalibrationData, stamped: bool) -> None:
    """Times as minutes from the earliest timestamp (minutes stay as written); the end of the
    data is the latest time it shows."""
    times = []
    if data.journeys is not None:
        times += [data.journeys.start, data.journeys.end]
    if data.moments is not None and "arrival" in data.moments.columns:
        times.append(data.moments.order)
    if not times:
        return
    joined = np.concatenate(times)
    origin = float(np.nanmin(joined)) if stamped else 0.0
    data.origin = origin if stamped else None
    if data.journeys is not None:
        data.journeys.start = data.journeys.start - origin
        data.journeys.end = data.journeys.end - origin
    if data.moments is not None and "arrival" in data.moments.columns:
        data.moments.order = data.moments.order - origin
    data.end = float(np.nanmax(joined)) - origin


def _check_sequences(journeys: Journeys, table: Table, ids: list[str], flaws: list[Flaw]) -> None:
    """Each customer's journeys once each, without gaps, in time order; no 'did not return'
    before another."""
    order = np.lexsort((journeys.journey, journeys.customer))
    c, j = journeys.customer[order], journeys.journey[order]
    same = c[1:] == c[:-1]
    for k in np.flatnonzero(same & (j[1:] == j[:-1]))[:20]:
        i = order[k + 1]
        flaws.append(
            Flaw(
                table.name,
                f"customer {ids[c[k]]} has journey {j[k]} twice; number "
                "each customer's journeys 0, 1, 2, ... once each",
                table.row(int(i)),
                "journey",
            )
        )
    for k in np.flatnonzero(same & (j[1:] > j[:-1] + 1))[:20]:
        i = order[k + 1]
        missing = (
            f"journey {j[k] + 1}" if j[k + 1] == j[k] + 2 else f"journeys {j[k] + 1}-{j[k + 1] - 1}"
        )
        flaws.append(
            Flaw(
                table.name,
                f"customer {ids[c[k]]} has journeys {j[k]} and {j[k + 1]} but not {missing}; "
                "a missing journey would leave its moments out of the customer's memory: add "
                "it, or number each customer's journeys 0, 1, 2, ... without gaps",
                table.row(int(i)),
                "journey",
            )
        )
    start = journeys.start[order]
    for k in np.flatnonzero(same & (start[1:] < start[:-1]))[:20]:
        i = order[k + 1]
        flaws.append(
            Flaw(
                table.name,
                f"customer {ids[c[k]]}'s journey {j[k + 1]} starts before "
                f"journey {j[k]}; number journeys in time order",
                table.row(int(i)),
                "start",
            )
        )
    returned = journeys.returned[order]
    for k in np.flatnonzero(same & (returned[:-1] == 0))[:20]:
        i = order[k]
        flaws.append(
            Flaw(
                table.name,
                f"customer {ids[c[k]]} did not return after journey "
                f"{j[k]}, yet journey {j[k + 1]} follows; fix returned (or leave it "
                "empty to derive it)",
                table.row(int(i)),
                "returned",
            )
        )
    segment = journeys.segment[order]
    for k in np.flatnonzero(same & (segment[1:] != segment[:-1]))[:20]:
        i = order[k + 1]
        flaws.append(
            Flaw(
                table.name,
                f"customer {ids[c[k]]} changes segment between journeys; "
                "a customer belongs to one segment",
                table.row(int(i)),
                "segment",
            )
        )
