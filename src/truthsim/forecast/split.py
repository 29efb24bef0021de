"""A firm's data cut at a moment: what was known then, and what happened after.

The calibration part holds every journey that began before the cut (and their moments); its end
is the cut. The holdout holds, for each customer of the calibration part, the journeys that began
from the cut on; customers first seen after the cut are counted apart (new customers)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from truthsim.calibration.data import CalibrationData
from truthsim.errors import DataError
from truthsim.scenario.schema import MINUTES_PER_DAY

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class Holdout:
    """What happened after the cut: each journey's start (minutes after the cut), whether its
    customer was known before it, that customer (index among the data's), its amount."""

    start: np.ndarray
    known: np.ndarray
    customer: np.ndarray
    amount: np.ndarray | None
    days: float  #: how long the data run after the cut


def cut_at(data: CalibrationData, when: str) -> float:
    """The cut on the data's clock (minutes): ``when`` is a date (the data's times are dates or
    timestamps) or a number of days on the data's own clock."""
    try:
        day = float(when)
    except ValueError:
        day = None
    if day is not None:
        return day * MINUTES_PER_DAY
    if data.origin is None:
        raise DataError(
            f"--holdout-from {when}: the data's times are minutes, not dates; give the cut as "
            "a number of days on their clock"
        )
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise DataError(
            f"--holdout-from {when!r} is not a date; write it as 1997-10-01 (or a number of days)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH).total_seconds() / 60.0 - data.origin


def split(data: CalibrationData, cut: float) -> tuple[CalibrationData, Holdout]:
    """The data known before ``cut`` (minutes on the data's clock), and the holdout after it."""
    journeys = data.journeys
    if journeys is None:
        raise DataError("a holdout needs journeys.csv or transactions.csv")
    if not journeys.start.min() < cut < data.end:
        raise DataError(
            f"the holdout must start inside the data: it starts on day {cut / MINUTES_PER_DAY:g} "
            f"of the data, which run from day {journeys.start.min() / MINUTES_PER_DAY:g} to day "
            f"{data.end / MINUTES_PER_DAY:g}"
        )
    before = journeys.start < cut
    first = np.full(len(data.customer_ids), np.inf)
    np.minimum.at(first, journeys.customer, journeys.start)
    after = ~before
    calibration = copy.copy(data)
    calibration.journeys = _rows(journeys, before)
    calibration.end = cut
    calibration.amounts = data.amounts[before] if data.amounts is not None else None
    if data.moments is not None:
        seen = set(
            zip(journeys.customer[before].tolist(), journeys.journey[before].tolist(), strict=True)
        )
        keep = np.array(
            [
                (c, j) in seen
                for c, j in zip(
                    data.moments.customer.tolist(), data.moments.journey.tolist(), strict=True
                )
            ],
            dtype=bool,
        )
        calibration.moments = _rows(data.moments, keep)
    calibration.cohort = None
    calibration.arrivals = None
    # a return after the cut is not known at the cut
    calibration.journeys.returned = np.where(
        _last_before(journeys, before)[before], -1, calibration.journeys.returned
    ).astype(np.int8)
    holdout = Holdout(
        start=journeys.start[after] - cut,
        known=first[journeys.customer[after]] < cut,
        customer=journeys.customer[after],
        amount=data.amounts[after] if data.amounts is not None else None,
        days=(data.end - cut) / MINUTES_PER_DAY,
    )
    return calibration, holdout


def _rows(table, keep: np.ndarray):  # type: ignore[no-untyped-def]
    """A copy of a table of arrays (Journeys, Moments) with only the rows ``keep``."""
    out = copy.copy(table)
    for name, value in vars(table).items():
        if isinstance(value, np.ndarray) and len(value) == len(keep):
            setattr(out, name, value[keep])
    return out


def _last_before(journeys, before: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per journey, whether it is its customer's last before the cut."""
    order = np.lexsort((journeys.start, journeys.customer))
    last = np.zeros(len(before), dtype=bool)
    c = journeys.customer[order]
    b = before[order]
    nxt_same = np.r_[c[1:] == c[:-1], False]
    nxt_before = np.r_[b[1:], False]
    last[order] = b & ~(nxt_same & nxt_before)
    return last
