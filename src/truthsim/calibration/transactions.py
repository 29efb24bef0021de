"""A plain transaction log, the most common export of a CRM: one row per purchase.

``transactions.csv``: customer, date (or timestamp), optionally amount and segment. Each
customer's transactions become their journeys in time order; transactions of one customer on
one day are one journey by default (their amounts summed), as customer-base analysts count them,
or each its own (``keep_same_day``). Read a row at a time into compact arrays, so that a log of
ten million rows fits in well under a gigabyte; every problem is named by file, row and column.
"""

from __future__ import annotations

import csv
import math
from array import array
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from truthsim.calibration.datasets import Journeys
from truthsim.calibration.tables import MAX_BYTES, SHOWN, Flaw, _number, data_error
from truthsim.scenario.errors import suggest

NAME = "transactions.csv"
TIME_COLUMNS = ("date", "timestamp", "time")
COLUMNS = ("customer", *TIME_COLUMNS, "amount", "segment")
#: transactions one customer may have: more is an aggregate account (cash sales, a test id)
MAX_PER_CUSTOMER = 100_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Log:
    """The log's rows as arrays: customer index, minutes, amount (NaN where none), segment."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.customer = array("q")
        self.minutes = array("d")
        self.amount = array("d")
        self.segment = array("q")
        self.day = array("q")  #: the day as written (in the timestamp's own zone), an ordinal
        self.lines = array("q")
        self.timed = False  #: whether some time carries an hour (not a date alone)
        self.has_amount = False


def read_log(path: Path, segments: list[str], flaws: list[Flaw]) -> Log:
    """Read transactions.csv row by row; each bad cell a flaw (at most a screenful kept)."""
    if path.stat().st_size > MAX_BYTES:
        raise data_error([Flaw(NAME, f"is larger than {MAX_BYTES // 1024**3} GiB")])
    log = Log()
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            columns = _columns(header, segments)
            _rows(rows, columns, segments, log, flaws)
    except UnicodeDecodeError:
        raise data_error([Flaw(NAME, "is not UTF-8 text; save it as UTF-8 CSV")]) from None
    except csv.Error as error:
        raise data_error([Flaw(NAME, f"is not valid CSV: {error}")]) from None
    if not log.lines and not flaws:
        raise data_error([Flaw(NAME, "has a header but no rows", row=2)])
    return log


def _columns(header: list[str] | None, segments: list[str]) -> dict[str, Any]:
    if header is None:
        raise data_error(
            [Flaw(NAME, "is empty; it needs a header row: customer, date (and amount, segment)")]
        )
    names = [h.strip().lower() for h in header]
    twice = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if twice:
        raise data_error([Flaw(NAME, f"has the column '{n}' twice; keep one", 1, n) for n in twice])
    times = [n for n in TIME_COLUMNS if n in names]
    problems = []
    if "customer" not in names:
        problems.append(f"has no column 'customer'{suggest('customer', names)}")
    if len(times) != 1:
        what = "no column 'date'" if not times else f"both {' and '.join(times)}"
        problems.append(f"has {what}{suggest('date', names) if not times else ''}")
    if "segment" not in names and len(segments) > 1:
        problems.append(
            f"has no column 'segment', and the scenario has {len(segments)} segments "
            f"({', '.join(segments)})"
        )
    if problems:
        raise data_error(
            [
                Flaw(
                    NAME,
                    "; ".join(problems) + f" (its columns: {', '.join(names)}); write customer, "
                    "date (a day or a timestamp), optionally amount and segment",
                    row=1,
                )
            ]
        )
    out = {n: names.index(n) for n in ("customer", "amount", "segment") if n in names}
    out["time"] = names.index(times[0])
    out["time_name"] = times[0]
    out["width"] = len(names)
    return out


def _rows(rows, columns: dict[str, Any], segments: list[str], log: Log, flaws: list[Flaw]) -> None:  # type: ignore[no-untyped-def]
    """Each row into the log; a bad one becomes a flaw (the first SHOWN of them kept, counted
    after that). A cache turns each distinct date into minutes once."""
    times: dict[str, tuple[float, int]] = {}
    segment_of = {name: i for i, name in enumerate(segments)}
    c, t, width = columns["customer"], columns["time"], columns["width"]
    time_name = columns["time_name"]
    a, s = columns.get("amount"), columns.get("segment")
    log.has_amount = a is not None
    ids, counts = log.ids, log.customer
    bad = 0
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        problem = None
        if len(row) != width:
            problem = (f"has {len(row)} cells; the header has {width}", None)
        else:
            cell = row[t].strip()
            known = times.get(cell)
            if known is None:
                known = times[cell] = _minutes(cell, log)
            minutes, day = known
            customer = row[c].strip()
            amount = _number(row[a].strip()) if a is not None and row[a].strip() else math.nan
            if not customer:
                problem = ("is empty; every row needs its customer", "customer")
            elif math.isnan(minutes):
                problem = (
                    f"'{cell}' is not a date; write it as 2024-03-01 or 2024-03-01 14:30, the "
                    "same way in every row",
                    time_name,
                )
            elif a is not None and row[a].strip() and not math.isfinite(amount):
                problem = (
                    f"'{row[a].strip()}' is not a number; write the amount plainly",
                    "amount",
                )
            elif amount < 0:
                problem = (
                    f"{row[a].strip()} is negative; net refunds into their purchase or leave "
                    "them out",
                    "amount",
                )
            elif s is not None and row[s].strip() not in segment_of:
                shown = row[s].strip()
                problem = (
                    f"'{shown}' is not a segment{suggest(shown, segments)}; the scenario's "
                    f"segments: {', '.join(segments)}",
                    "segment",
                )
        if problem is not None:
            bad += 1
            if bad <= SHOWN:
                flaws.append(Flaw(NAME, problem[0], line, problem[1]))
            continue
        counts.append(ids.setdefault(customer, len(ids)))
        log.minutes.append(minutes)
        log.day.append(day)
        log.amount.append(amount)
        log.segment.append(segment_of[row[s].strip()] if s is not None else 0)
        log.lines.append(line)
    if bad > SHOWN:
        flaws.append(Flaw(NAME, f"... and {bad - SHOWN} more rows like these"))


def _minutes(cell: str, log: Log) -> tuple[float, int]:
    """Minutes since 1970 (UTC where no zone is given) of a date or timestamp, and its day as
    written (an ordinal: a day in the timestamp's own zone); NaN if neither."""
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        return math.nan, 0
    day = moment.date().toordinal()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if len(cell) > 10:
        log.timed = True
    try:
        return (moment - _EPOCH).total_seconds() / 60.0, day
    except OverflowError:
        return math.nan, 0


def journeys_of_log(
    log: Log, keep_same_day: bool, flaws: list[Flaw], notes: list[str]
) -> tuple[Journeys, np.ndarray]:
    """The log's journeys (one per customer and day unless ``keep_same_day``) and each one's
    amount (NaN where the log has none)."""
    customer = (
        np.frombuffer(log.customer, dtype=np.int64) if log.customer else np.zeros(0, np.int64)
    )
    minutes = np.frombuffer(log.minutes, dtype=np.float64) if log.minutes else np.zeros(0)
    amount = np.frombuffer(log.amount, dtype=np.float64) if log.amount else np.zeros(0)
    segment = np.frombuffer(log.segment, dtype=np.int64) if log.segment else np.zeros(0, np.int64)
    lines = np.frombuffer(log.lines, dtype=np.int64) if log.lines else np.zeros(0, np.int64)
    written_day = np.frombuffer(log.day, dtype=np.int64) if log.day else np.zeros(0, np.int64)
    order = np.lexsort((lines, minutes, customer))
    customer, minutes, amount, segment, lines, written_day = (
        x[order] for x in (customer, minutes, amount, segment, lines, written_day)
    )
    _check_customers(customer, segment, lines, log, flaws)
    same_time = (customer[1:] == customer[:-1]) & (minutes[1:] == minutes[:-1])
    same_amount = (amount[1:] == amount[:-1]) | (np.isnan(amount[1:]) & np.isnan(amount[:-1]))
    twins = same_time & same_amount
    if log.timed and twins.any():
        for k in np.flatnonzero(twins)[:SHOWN]:
            flaws.append(
                Flaw(
                    NAME,
                    f"repeats row {lines[k]} exactly (customer, time and amount); remove the "
                    "copy, or tell the two purchases apart by their times",
                    int(lines[k + 1]),
                )
            )
    elif twins.any():
        notes.append(
            f"{NAME}: {int(twins.sum()):,} rows repeat another's customer, date and amount; with "
            "dates alone they are taken as separate purchases of that day"
        )
    # one journey a customer a day (the day as written), or each transaction its own
    key = written_day if not keep_same_day else np.arange(len(customer))
    new = np.r_[True, (customer[1:] != customer[:-1]) | (key[1:] != key[:-1])]
    starts = np.flatnonzero(new)
    if len(starts) < len(customer) and not keep_same_day:
        notes.append(
            f"{NAME}: {len(customer) - len(starts):,} transactions on a day their customer "
            "already bought are counted in that day's journey (--keep-same-day counts each)"
        )
    journey_customer = customer[starts]
    first = np.r_[True, journey_customer[1:] != journey_customer[:-1]]
    number = np.arange(len(starts)) - np.flatnonzero(first)[np.cumsum(first) - 1]
    totals = np.add.reduceat(np.nan_to_num(amount), starts) if len(starts) else np.zeros(0)
    known = np.add.reduceat(np.isfinite(amount).astype(int), starts) if len(starts) else np.zeros(0)
    values = np.where(known > 0, totals, np.nan)
    journeys = Journeys(
        customer=journey_customer,
        journey=number,
        segment=segment[starts],
        start=minutes[starts],
        end=minutes[starts],
        returned=np.full(len(starts), -1, dtype=np.int8),
        columns=frozenset({"customer", "start", "segment"}),
    )
    return journeys, values


def _check_customers(
    customer: np.ndarray, segment: np.ndarray, lines: np.ndarray, log: Log, flaws: list[Flaw]
) -> None:
    """A customer in one segment, and no more than MAX_PER_CUSTOMER transactions."""
    if not len(customer):
        return
    names = list(log.ids)
    counts = np.bincount(customer)
    for c in np.flatnonzero(counts > MAX_PER_CUSTOMER)[:SHOWN]:
        flaws.append(
            Flaw(
                NAME,
                f"customer {names[c]} has {counts[c]:,} transactions, more than "
                f"{MAX_PER_CUSTOMER:,}: likely an account that is not one customer (cash sales, "
                "a test id); leave it out or give it a segment of its own",
                column="customer",
            )
        )
    moved = (customer[1:] == customer[:-1]) & (segment[1:] != segment[:-1])
    for k in np.flatnonzero(moved)[:SHOWN]:
        flaws.append(
            Flaw(
                NAME,
                f"customer {names[customer[k]]} is in another segment than in row {lines[k]}; a "
                "customer belongs to one segment",
                int(lines[k + 1]),
                "segment",
            )
        )
