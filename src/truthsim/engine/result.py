"""The result of one replication: the records, and the summaries read from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.engine.summary import HEADLINE, cohort_table
from truthsim.io import records_to_csv, records_to_npz, rows_to_csv, significant, to_json
from truthsim.scenario.schema import MINUTES_PER_DAY
from truthsim.scenario.touchpoint import OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

    from truthsim.engine.money import PlanningDays

#: record fields that hold integer codes, and which name table each indexes (-1: none)
CODED = {
    "moments": {"touchpoint": "touchpoint", "outcome": "outcome"},
    "journeys": {"segment": "segment"},
    "customers": {"segment": "segment", "churn_cause": "touchpoint"},
    "causes": {"touchpoint": "touchpoint"},
    "internal": {"touchpoint": "touchpoint", "outcome": "outcome"},
    "causes_through": {"touchpoint": "touchpoint"},
    "hourly": {"touchpoint": "touchpoint"},
}
TABLES = (
    "moments",
    "journeys",
    "customers",
    "causes",
    "internal",
    "causes_through",
    "hourly",
    "daily",
    "cohort",
    "touchpoints",
)
#: days in one period of the cohort retention table unless asked otherwise
COHORT_DAYS = 30.0


@dataclass(repr=False)
class SimulationResult:
    """Records (numpy structured arrays) and summary metrics of one simulated replication.

    ``moments``, ``journeys`` and ``customers`` hold one row per moment, journey and customer
    (see :mod:`truthsim.engine.records` for the fields; times in minutes). ``daily`` is the
    daily series. ``headline`` and ``touchpoints`` are the summary metrics after warm-up.
    """

    scenario_name: str
    seed: int | None
    horizon_days: float
    warmup_days: float
    currency: str
    touchpoint_names: list[str]
    segment_names: list[str]
    headline: dict[str, float]
    touchpoints: list[dict[str, Any]]
    moments: np.ndarray = field(repr=False)
    journeys: np.ndarray = field(repr=False)
    customers: np.ndarray = field(repr=False)
    causes: np.ndarray = field(repr=False)
    hourly: np.ndarray = field(repr=False)
    daily: np.ndarray = field(repr=False)
    #: the planning period day by day: revenue, customers active by segment (engine.money)
    period: PlanningDays | None = field(default=None, repr=False)
    #: the rows of the base (a pool or a firm's customers) the replication started with, in
    #: the order of their customer ids (0, 1, ...); None without a base
    base_rows: np.ndarray | None = field(default=None, repr=False)
    #: where load moves outcomes: the outcome mix at low and high load (engine.summary.load_bands)
    load_bands: list[dict[str, Any]] = field(default_factory=list)
    #: where touchpoints need internal ones: the internal moments (as ``moments``; ``customer``
    #: and ``journey`` say whose moment they were behind), else None
    internal: np.ndarray | None = field(default=None, repr=False)
    #: the losses through internal touchpoints (as ``causes``, the touchpoint the internal one
    #: whose moment made the decisive moment worse), else None
    causes_through: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data (no records, no timings)."""
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "warmup_days": self.warmup_days,
            "currency": self.currency,
            "headline": {k: _plain(self.headline[k]) for k in HEADLINE},
            "touchpoints": [{k: _plain(v) for k, v in row.items()} for row in self.touchpoints],
            **({"load_bands": _rows(self.load_bands)} if self.load_bands else {}),
        }

    def records(self) -> dict[str, np.ndarray]:
        records = {
            "moments": self.moments,
            "journeys": self.journeys,
            "customers": self.customers,
            "causes": self.causes,
            "hourly": self.hourly,
            "daily": self.daily,
        }
        if self.internal is not None and self.causes_through is not None:
            records["internal"] = self.internal
            records["causes_through"] = self.causes_through
        return records

    def cohort(self, period_days: float = COHORT_DAYS) -> np.ndarray:
        """Cohort retention: the share of customers still active by period since acquisition
        (see :func:`truthsim.engine.summary.cohort_table`)."""
        if not period_days > 0:
            raise ValueError(f"period_days must be above 0, not {period_days!r}")
        return cohort_table(self.customers, self.horizon_days * MINUTES_PER_DAY, period_days)

    def names(self) -> dict[str, list[str]]:
        """The name tables the records' integer codes index: touchpoint, segment, outcome."""
        return {
            "touchpoint": list(self.touchpoint_names),
            "segment": list(self.segment_names),
            "outcome": list(OUTCOMES),
        }

    def named_records(self, table: str) -> np.ndarray:
        """A record table with touchpoint, segment and outcome codes replaced by their names.

        A churn cause of -1 (lost without a moment to blame, or not lost) becomes "".
        """
        records = self.records()[table]
        coded = CODED.get(table, {})
        if not coded:
            return records
        names = self.names()
        columns = {}
        for field_name in records.dtype.names or ():
            values = records[field_name]
            if field_name in coded:
                table_names = np.array(["", *names[coded[field_name]]])
                values = table_names[values.astype(np.int64) + 1]
            columns[field_name] = values
        dtype = [(n, columns[n].dtype) for n in columns]
        out = np.empty(len(records), dtype=dtype)
        for n, values in columns.items():
            out[n] = values
        return out

    def to_pandas(self, table: str = "moments") -> pd.DataFrame:
        """One record table as a DataFrame (needs pandas): ``moments`` (default), ``journeys``,
        ``customers``, ``daily`` or ``touchpoints`` (the summary per touchpoint).

        Touchpoint, segment and outcome columns are categoricals of their names.
        """
        from truthsim.tables import records_to_pandas

        if table not in TABLES:
            raise ValueError(f"no table '{table}'; choose one of {', '.join(TABLES)}")
        if table not in self.records() and table not in ("cohort", "touchpoints"):
            raise ValueError(f"no table '{table}' in this run: no touchpoint needs an internal one")
        if table == "cohort":
            return records_to_pandas(self.cohort())
        if table == "touchpoints":
            return records_to_pandas(self.touchpoints, categories=("touchpoint", "label"))
        names = self.names()
        coded = {f: names[kind] for f, kind in CODED.get(table, {}).items()}
        return records_to_pandas(self.records()[table], names=coded)

    def __repr__(self) -> str:
        h = self.headline
        return (
            f"<SimulationResult {self.scenario_name!r}: seed {self.seed}, "
            f"{self.horizon_days:g} days, {len(self.customers):,} customers, "
            f"{len(self.moments):,} moments; return rate {h['return_rate']:.1%}, "
            f"active at horizon {h['active_at_horizon']:,.0f}>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        rows = [[HEADLINE[k].split(" (")[0], headline_text(k, v)] for k, v in self.headline.items()]
        return html_table(
            f"{self.scenario_name}: seed {self.seed}, {self.horizon_days:g} days", ["", ""], rows
        )


#: headline figures shown as a share of 100, and the one shown in points
SHARES = ("return_rate", "misery_share", "magic_share", "abandonment_rate")


def headline_text(metric: str, value: Any) -> str:
    """A headline figure as a person reads it: 66.0%, +6.6 points, 2.30 journeys, 2,302,000."""
    value = _plain(value)
    if value is None:
        return "not measured"
    if metric in SHARES:
        return f"{value:.1%}"
    if metric == "net_moment_score":
        return f"{100 * value:+.1f} points"
    if metric == "journeys_per_customer":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    """NaN becomes None (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


RECORD_FORMATS = ("csv", "npz")


def result_files(
    result: SimulationResult, records: str = "csv", cohort_days: float = COHORT_DAYS
) -> dict[str, str | bytes]:
    """The files of one run: summary.json, touchpoints.csv, daily.csv, cohort.csv, load_bands.csv
    where staff load moves outcomes, and the records, as CSV
    files with names (so they read back as data on their own) or as one records.npz with
    integer codes and the name tables they index."""
    if records not in RECORD_FORMATS:
        raise ValueError(f"records must be one of {', '.join(RECORD_FORMATS)}, not {records!r}")
    summary = significant(result.to_dict())
    files: dict[str, str | bytes] = {
        "summary.json": to_json(summary),
        "touchpoints.csv": rows_to_csv(summary["touchpoints"]),
        "daily.csv": records_to_csv(result.daily),
        "cohort.csv": records_to_csv(result.cohort(cohort_days)),
    }
    if result.load_bands:
        files["load_bands.csv"] = rows_to_csv(summary["load_bands"])
    if records == "csv":
        for name in result.records():
            if name != "daily":
                files[f"{name}.csv"] = records_to_csv(result.named_records(name))
    else:
        arrays = {**result.records()}
        arrays.update({f"{k}_names": np.array(v) for k, v in result.names().items()})
        files["records.npz"] = records_to_npz(arrays)
    return files
