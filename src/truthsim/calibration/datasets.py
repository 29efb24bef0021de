"""What a firm's calibration data hold once read: moments, journeys, a cohort and arrivals,
and which columns each file has (required, then optional)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILES = ("moments.csv", "journeys.csv", "cohort.csv", "arrivals.csv", "transactions.csv")
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
    pooled: bool = False  #: the pooled table of ``truthsim run --out`` (see :func:`~truthsim.calibration.file_readers.cohort_of`)


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
    #: with transactions.csv: each journey's amount (NaN where none was given), or None
    amounts: np.ndarray | None = None
    #: where the journeys came from: journeys.csv or transactions.csv
    journeys_file: str = "journeys.csv"
    #: the clock's origin as minutes since 1970 (UTC) where times were dates, else None
    origin: float | None = None

    def files(self) -> list[str]:
        present = [self.moments, self.journeys, self.cohort, self.arrivals]
        names = [name for name, data in zip(FILES, present, strict=False) if data is not None]
        return [self.journeys_file if n == "journeys.csv" else n for n in names]
