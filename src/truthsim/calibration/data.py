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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from truthsim.calibration.tables import Flaw, Table, data_error
from truthsim.scenario.model import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

FILES = ("moments.csv", "journeys.csv", "cohort.csv", "arrivals.csv")
MOMENT_COLUMNS = (
    ("customer", "journey", "touchpoint", "outcome"),
    ("wait", "abandoned", "failed", "recovered", "service", "arrival"),
)
JOURNEY_COLUMNS = (("customer", "journey", "start"), ("segment", "end", "returned"))
COHORT_COLUMNS = (("period", "active"), ("segment", "customers"))
ARRIVAL_COLUMNS = (("day", "hour", "arrivals"), ())


@dataclass
class Moments:
    """One row per moment; ``outcome`` -1 where no feedback was given."""

    customer: np.ndarray
    journey: np.ndarray
    touchpoint: np.ndarray
    outcome: np.ndarray
    wait: np.ndarray  #: minutes, NaN where not recorded
    abandoned: np.ndarray
    failed: np.ndarray
    recovered: np.ndarray
    service: np.ndarray  #: minutes, NaN where not recorded
    order: np.ndarray  #: arrival time or row: the order of a journey's moments
    columns: frozenset[str] = field(default_factory=frozenset)

    def __len__(self) -> int:
        return len(self.customer)


@dataclass
class Journeys:
    """One row per journey; ``returned`` 1, 0 or -1 (not known: derived or censored)."""

    customer: np.ndarray
    journey: np.ndarray
    segment: np.ndarray  #: -1 where not given
    start: np.ndarray  #: minutes
    end: np.ndarray  #: minutes, the start where not given
    returned: np.ndarray
    columns: frozenset[str] = field(default_factory=frozenset)

    def __len__(self) -> int:
        return len(self.customer)


@dataclass
class Cohort:
    """Customers of one cohort still active, by period since acquisition (period 0: all)."""

    active: np.ndarray
    segment: int | None
    pooled: bool = False  #: the pooled table of ``truthsim run --out`` (see ``_cohort``)


@dataclass
class Arrivals:
    """New customers per hour of each day."""

    day: np.ndarray
    hour: np.ndarray
    count: np.ndarray


@dataclass
class CalibrationData:
    """Everything read from a data folder; absent files are None."""

    folder: Path
    moments: Moments | None = None
    journeys: Journeys | None = None
    cohort: Cohort | None = None
    arrivals: Arrivals | None = None
    customer_ids: list[str] = field(default_factory=list)
    end: float = 0.0  #: the end of the data, in minutes (the latest time it shows)
    notes: list[str] = field(default_factory=list)

    def files(self) -> list[str]:
        present = [self.moments, self.journeys, self.cohort, self.arrivals]
        return [name for name, data in zip(FILES, present, strict=True) if data is not None]


def read_data(folder: str | Path, scenario: Scenario) -> CalibrationData:
    """Read and check every data file in ``folder`` against ``scenario``'s names.

    Raises :class:`~truthsim.errors.DataError` listing each problem with file, row, column
    and fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise data_error([Flaw(str(folder), "is not a folder; give the folder of the CSV files")])
    present = {name: folder / name for name in FILES if (folder / name).is_file()}
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
    flaws: list[Flaw] = []
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
        data.moments = _moments(read["moments.csv"], touchpoints, ids, flaws, stamped)
    if "journeys.csv" in read:
        data.journeys = _journeys(read["journeys.csv"], segments, ids, flaws, stamped)
    if "cohort.csv" in read:
        data.cohort = _cohort(read["cohort.csv"], segments, flaws)
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
        data.arrivals = _arrivals(read["arrivals.csv"], flaws)
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


def _customers(table: Table, ids: dict[str, int], flaws: list[Flaw]) -> np.ndarray:
    out = np.empty(len(table), dtype=np.int64)
    for i, cell in enumerate(table.text("customer")):
        if cell == "":
            flaws.append(
                Flaw(table.name, "is empty; every row needs its customer", table.row(i), "customer")
            )
        out[i] = ids.setdefault(cell, len(ids))
    return out


def _moments(
    table: Table,
    touchpoints: list[str],
    ids: dict[str, int],
    flaws: list[Flaw],
    stamped: list[bool],
) -> Moments:
    n = len(table)
    wait = (
        table.numbers("wait", flaws, blank=True, low=0.0)
        if table.has("wait")
        else np.full(n, np.nan)
    )
    service = (
        table.numbers("service", flaws, blank=True, low=0.0)
        if table.has("service")
        else np.full(n, np.nan)
    )
    flags = {
        name: (table.booleans(name, flaws) == 1) if table.has(name) else np.zeros(n, dtype=bool)
        for name in ("abandoned", "failed", "recovered")
    }
    order = np.arange(n, dtype=float)
    if table.has("arrival"):
        arrival, is_stamp = table.times("arrival", flaws, blank=True)
        stamped.append(is_stamp)
        order = np.where(np.isnan(arrival), order, arrival)
    bad_recovery = np.flatnonzero(flags["recovered"] & ~flags["failed"])
    if table.has("failed"):
        for i in bad_recovery[:50]:
            flaws.append(
                Flaw(
                    table.name,
                    "a moment is recovered only after a failure; set failed to "
                    "true or recovered to false",
                    table.row(int(i)),
                    "recovered",
                )
            )
    return Moments(
        customer=_customers(table, ids, flaws),
        journey=table.integers("journey", flaws),
        touchpoint=table.names("touchpoint", touchpoints, "touchpoint", flaws),
        outcome=table.names("outcome", OUTCOMES, "outcome", flaws, blank=True).astype(np.int8),
        wait=wait,
        abandoned=flags["abandoned"],
        failed=flags["failed"],
        recovered=flags["recovered"],
        service=service,
        order=order,
        columns=frozenset(table.columns),
    )


def _journeys(
    table: Table,
    segments: list[str],
    ids: dict[str, int],
    flaws: list[Flaw],
    stamped: list[bool],
) -> Journeys:
    start, is_stamp = table.times("start", flaws)
    stamped.append(is_stamp)
    end = start.copy()
    if table.has("end"):
        given, _ = table.times("end", flaws, blank=True)
        end = np.where(np.isnan(given), start, given)
        for i in np.flatnonzero(end < start)[:50]:
            flaws.append(
                Flaw(
                    table.name,
                    "the journey ends before it starts; fix start or end",
                    table.row(int(i)),
                    "end",
                )
            )
    if table.has("segment"):
        segment = table.names("segment", segments, "segment", flaws)
    elif len(segments) == 1:
        segment = np.zeros(len(table), dtype=np.int64)
    else:
        flaws.append(
            Flaw(
                table.name,
                f"has no column 'segment', and the scenario has {len(segments)} "
                f"segments ({', '.join(segments)}); add a segment column naming each journey's",
                row=1,
            )
        )
        segment = np.zeros(len(table), dtype=np.int64)
    returned = (
        table.booleans("returned", flaws, blank=True)
        if table.has("returned")
        else np.full(len(table), -1, dtype=np.int8)
    )
    return Journeys(
        customer=_customers(table, ids, flaws),
        journey=table.integers("journey", flaws),
        segment=segment,
        start=start,
        end=end,
        returned=returned,
        columns=frozenset(table.columns),
    )


def _cohort(table: Table, segments: list[str], flaws: list[Flaw]) -> Cohort:
    period = table.integers("period", flaws)
    active = table.numbers("active", flaws, low=0.0)
    if table.has("customers"):
        # `truthsim run --out` pools every cohort: period k counts the customers observed for
        # k periods (fewer as k grows), so it is one cohort only when that count never changes
        observed = table.numbers("customers", flaws, blank=True)
        if len(np.unique(observed[np.isfinite(observed)])) > 1:
            return Cohort(active, 0, pooled=True)
    segment: int | None = 0 if len(segments) == 1 else None
    if table.has("segment"):
        named = set(table.names("segment", segments, "segment", flaws).tolist())
        if len(named) > 1:
            flaws.append(
                Flaw(
                    table.name,
                    "holds more than one segment; give one cohort (one segment) per file",
                    column="segment",
                )
            )
        segment = named.pop() if named else segment
    elif len(segments) > 1:
        flaws.append(
            Flaw(
                table.name,
                f"has no column 'segment', and the scenario has "
                f"{len(segments)} segments; add a segment column naming the cohort's",
                row=1,
            )
        )
    if flaws:
        return Cohort(active, segment)
    order = np.argsort(period, kind="stable")
    period, active, lines = period[order], active[order], table.lines[order]
    if period[0] != 0 or np.any(np.diff(period) != 1):
        flaws.append(
            Flaw(
                table.name,
                "periods must run 0, 1, 2, ... without gaps or repeats "
                f"(found {', '.join(str(p) for p in period[:10])})",
                column="period",
            )
        )
        return Cohort(active, segment)
    if active[0] <= 0:
        flaws.append(
            Flaw(
                table.name,
                "period 0 is the whole cohort; it needs at least one customer",
                int(lines[0]),
                "active",
            )
        )
    for k in np.flatnonzero(np.diff(active) > 0)[:20]:
        flaws.append(
            Flaw(
                table.name,
                f"the cohort grows from {active[k]:g} to {active[k + 1]:g} in period "
                f"{period[k + 1]}; a cohort only loses customers (new customers belong to a "
                "later cohort)",
                int(lines[k + 1]),
                "active",
            )
        )
    return Cohort(active, segment)


def _arrivals(table: Table, flaws: list[Flaw]) -> Arrivals:
    day = table.integers("day", flaws)
    hour = table.integers("hour", flaws)
    for i in np.flatnonzero(hour > 23)[:20]:
        flaws.append(
            Flaw(
                table.name,
                f"hour {hour[i]} is not an hour of the day (0-23)",
                table.row(int(i)),
                "hour",
            )
        )
    count = table.numbers("arrivals", flaws, low=0.0)
    return Arrivals(day, hour, count)


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
    if data.journeys is not None:
        data.journeys.start = data.journeys.start - origin
        data.journeys.end = data.journeys.end - origin
    if data.moments is not None and "arrival" in data.moments.columns:
        data.moments.order = data.moments.order - origin
    data.end = float(np.nanmax(joined)) - origin


def _check_sequences(journeys: Journeys, table: Table, ids: list[str], flaws: list[Flaw]) -> None:
    """Each customer's journeys once each, in time order; no 'did not return' before another."""
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
