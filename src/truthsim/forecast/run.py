"""A firm's customers carried forward: the scenario's dynamics from their own histories.

``forecast`` reads the firm's data, fits the scenario to it (unless asked to keep it as
written), starts every replication from the firm's customers as their histories leave them (see
:mod:`truthsim.calibration.firm`: each one alive with their own chance, their own baseline and
rhythm drawn from what their history says), and runs the days asked for, with new customers or
without. With a holdout it fits on the data before a date and sets the forecast beside what
happened after it, and beside BG/NBD's forecast from the same data (the model customer-base
analysts know).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from truthsim.calibration.calibrate import Calibration, calibrate_data
from truthsim.calibration.data import CalibrationData, read_data
from truthsim.calibration.firm import firm_base
from truthsim.engine import simulate
from truthsim.engine.firm_base import FirmBase
from truthsim.errors import ExperimentError
from truthsim.experiments.backends import Execution, run_tasks
from truthsim.experiments.execution import execution_of
from truthsim.experiments.replication import replication_seed
from truthsim.experiments.stats import estimate
from truthsim.forecast.holdout import Holdout, compare
from truthsim.forecast.split import cut_at, split
from truthsim.io import rows_to_csv, to_json, write_results
from truthsim.scenario.loader import load_scenario
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

#: replications of a forecast unless asked otherwise
REPLICATIONS = 100
#: what a forecast takes from an Execution: it keeps no checkpoints and has no size limits
FORECAST_FIELDS = ("jobs", "backend", "scheduler", "progress")


@dataclass(repr=False)
class Forecast:
    """A forecast: per period and per customer, with the holdout's comparison where one was cut.

    ``periods``: per period of ``period_days``, expected journeys of the firm's customers (and of
    new ones, if asked) with the 95% interval of that expectation and the 90% range of what may
    happen, the same cumulated, and expected revenue. ``customers``: per customer, the chance of
    still being a customer at the end of the data, expected journeys and revenue in the forecast.
    """

    scenario: Scenario
    days: float
    period_days: float
    replications: int
    seed: int
    periods: list[dict[str, float]]
    customers: dict[str, np.ndarray]
    ids: list[str]
    holdout: dict[str, Any] | None = None
    calibration: Calibration | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """forecast.json: everything but the per-customer table (customers_forecast.csv)."""
        return {
            "scenario": self.scenario.name,
            "days": self.days,
            "period_days": self.period_days,
            "replications": self.replications,
            "seed": self.seed,
            "customers": len(self.ids),
            "expected_alive": float(self.customers["p_alive"].sum()),
            "periods": self.periods,
            "holdout": self.holdout,
            "notes": self.notes,
        }

    def customer_rows(self) -> list[dict[str, Any]]:
        """customers_forecast.csv: per customer, the chance of still being a customer at the
        end of the data and the expected journeys and revenue (with the holdout's actual
        journeys and BG/NBD's expectation where one was cut)."""
        columns = [c for c in ("p_alive", "expected_journeys", "expected_revenue",
                               "actual_journeys", "bgnbd_expected_journeys")
                   if c in self.customers]  # fmt: skip
        return [
            {"customer": name, **{c: round(float(self.customers[c][k]), 6) for c in columns}}
            for k, name in enumerate(self.ids)
        ]

    def save(self, directory: str | Path, force: bool = False) -> list[Path]:
        """Write forecast.json, forecast.csv (per period) and customers_forecast.csv, as one
        set (an occupied folder only with ``force``)."""
        return write_results(
            Path(directory),
            {
                "forecast.json": to_json(self.to_dict()),
                "forecast.csv": rows_to_csv(self.periods),
                "customers_forecast.csv": rows_to_csv(self.customer_rows()),
            },
            force,
        )

    def __repr__(self) -> str:
        total = self.periods[-1]["cumulative_mean"] if self.periods else 0.0
        return (
            f"<Forecast {self.scenario.name!r}: {len(self.ids):,} customers, {self.days:g} days, "
            f"{total:,.0f} journeys expected>"
        )


def forecast(
    scenario: Scenario | str | Path,
    data: str | Path | CalibrationData,
    days: float | None = None,
    *,
    holdout_from: str | None = None,
    new_customers: bool = False,
    fit: bool = True,
    period_days: float = 7.0,
    replications: int = REPLICATIONS,
    seed: int | None = None,
    keep_same_day: bool = False,
    execution: Execution | None = None,
    **deprecated: Any,
) -> Forecast:
    """Forecast the firm's customers in ``data`` for ``days`` after the end of the data (or,
    with ``holdout_from``, after that date, to the end of the data unless ``days`` says less).

    ``fit`` calibrates the scenario to the data first (on the data before the holdout); without
    it the scenario's values are used as written. ``new_customers`` adds customers arriving at
    the rate the data show (first journeys per day) to the forecast. ``execution`` says how the
    replications run (see :class:`~truthsim.experiments.Execution`; one worker unless told,
    no checkpoints, no size limits to lift); ``jobs``, ``progress``, ``backend`` and
    ``scheduler`` are its fields' old keywords, deprecated.
    """
    execution = execution_of(
        "forecast", execution, deprecated, uses=FORECAST_FIELDS, default=Execution(jobs=1)
    )
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    found = (
        data
        if isinstance(data, CalibrationData)
        else read_data(data, loaded, keep_same_day=keep_same_day)
    )
    if found.journeys is None:
        raise ExperimentError(
            f"{found.folder}: a forecast needs the customers' journeys: journeys.csv or "
            "transactions.csv"
        )
    held: Holdout | None = None
    if holdout_from is not None:
        found, held = split(found, cut_at(found, holdout_from))
        days = held.days if days is None else min(days, held.days)
    if days is None or not days > 0:
        raise ExperimentError("give the days to forecast (--days), a positive number")
    calibration = calibrate_data(loaded, found) if fit else None
    fitted = calibration.scenario if calibration is not None else loaded
    base = firm_base(found, fitted)
    running = _forecast_scenario(fitted, found, days, new_customers)
    root = loaded.seed if seed is None else seed
    totals = _replicate(running, base, root, replications, days, period_days, execution)
    periods, customers = _summaries(totals, base, period_days, days, replications)
    result = Forecast(
        fitted,
        float(days),
        period_days,
        replications,
        root,
        periods,
        customers,
        base.ids,
        calibration=calibration,
    )
    if calibration is not None:
        result.notes += calibration.fit.notes
    if held is not None:
        result.holdout = compare(result, held, found, base)
    return result


def _forecast_scenario(
    scenario: Scenario, found: CalibrationData, days: float, new_customers: bool
) -> Scenario:
    """The scenario that runs the forecast: the days ahead, no warm-up, the firm's customers
    passed in, new customers at the data's own rate (first journeys per day) or none."""
    data = scenario.model_dump()
    data.update(horizon_days=float(days), warmup_days=0.0, customer_base="none")
    arrivals = data["arrivals"]
    arrivals.update(by_day=None, from_day=None, until_day=None)
    if new_customers:
        j = found.journeys
        assert j is not None
        firsts = np.count_nonzero(j.journey == 0)
        arrivals["per_day"] = max(firsts / max(found.end / MINUTES_PER_DAY, 1.0), 1e-6)
    else:
        arrivals.update(per_day=1.0, until_day=0)
    return Scenario.model_validate(data)


@dataclass(frozen=True)
class _Batch:
    scenario: Scenario
    base: FirmBase
    root: int
    indices: tuple[int, ...]
    days: float
    period_days: float


def _replicate(
    scenario: Scenario,
    base: FirmBase,
    root: int,
    replications: int,
    days: float,
    period_days: float,
    execution: Execution,
) -> dict[str, np.ndarray]:
    """Run the replications in a batch per worker (the base crosses to each worker once)."""
    if replications < 2:
        raise ExperimentError("a forecast needs at least 2 replications for its intervals")
    jobs = execution.jobs
    workers = max(1, min(jobs or 1, replications))
    chunks = [tuple(range(k, replications, workers)) for k in range(workers)]
    batches = [_Batch(scenario, base, root, c, days, period_days) for c in chunks]
    done = run_tasks(
        _run_batch,
        batches,
        jobs,
        execution.progress,
        backend=execution.backend,
        scheduler=execution.scheduler,
    )
    out: dict[str, np.ndarray] = {}
    order = np.argsort(np.concatenate([np.array(b.indices) for b in batches]))
    for name in done[0]:
        joined = (
            np.concatenate([d[name] for d in done])
            if done[0][name].ndim == 2
            else sum(d[name] for d in done)
        )
        out[name] = joined[order] if joined.ndim == 2 else joined
    return out


def _run_batch(batch: _Batch) -> dict[str, np.ndarray]:
    """Per replication of the batch: journeys and revenue per period, and per customer of the
    base the journeys and revenue (summed over the batch's replications)."""
    n = len(batch.base.alive)
    periods = math.ceil(batch.days / batch.period_days)
    journeys = np.zeros((len(batch.indices), periods))
    new = np.zeros((len(batch.indices), periods))
    revenue = np.zeros((len(batch.indices), periods))
    per_customer = np.zeros(n)
    per_customer_revenue = np.zeros(n)
    for k, index in enumerate(batch.indices):
        result = simulate(batch.scenario, replication_seed(batch.root, index), base=batch.base)
        j = result.journeys
        rows = result.base_rows
        assert rows is not None
        inside = (j["start"] >= 0.0) & (j["start"] < batch.days * MINUTES_PER_DAY)
        firm = inside & (j["customer"] < len(rows))
        period = (j["start"] // (batch.period_days * MINUTES_PER_DAY)).astype(np.int64)
        journeys[k] = np.bincount(period[firm], minlength=periods)[:periods]
        new[k] = np.bincount(period[inside & ~firm], minlength=periods)[:periods]
        ended = (j["end"] >= 0.0) & (j["end"] < batch.days * MINUTES_PER_DAY)
        ended_period = (j["end"] // (batch.period_days * MINUTES_PER_DAY)).astype(np.int64)
        revenue[k] = np.bincount(
            ended_period[ended], weights=j["revenue"][ended], minlength=periods
        )[:periods]
        who = rows[j["customer"][firm]]
        per_customer += np.bincount(who, minlength=n)
        paid = ended & (j["customer"] < len(rows))
        per_customer_revenue += np.bincount(
            rows[j["customer"][paid]], weights=j["revenue"][paid], minlength=n
        )
    return {
        "journeys": journeys,
        "new": new,
        "revenue": revenue,
        "per_customer": per_customer,
        "per_customer_revenue": per_customer_revenue,
    }


def _summaries(
    totals: dict[str, np.ndarray],
    base: FirmBase,
    period_days: float,
    days: float,
    replications: int,
) -> tuple[list[dict[str, float]], dict[str, np.ndarray]]:
    journeys, new, revenue = totals["journeys"], totals["new"], totals["revenue"]
    cumulative = np.cumsum(journeys, axis=1)
    periods = []
    for p in range(journeys.shape[1]):
        mean = estimate(journeys[:, p])
        cum = estimate(cumulative[:, p])
        money = estimate(revenue[:, p])
        periods.append(
            {
                "period": p,
                "day_end": float(min((p + 1) * period_days, days)),
                "journeys_mean": mean.mean,
                "journeys_low": mean.low,
                "journeys_high": mean.high,
                "journeys_p05": float(np.percentile(journeys[:, p], 5)),
                "journeys_p95": float(np.percentile(journeys[:, p], 95)),
                "cumulative_mean": cum.mean,
                "cumulative_low": cum.low,
                "cumulative_high": cum.high,
                "cumulative_p05": float(np.percentile(cumulative[:, p], 5)),
                "cumulative_p95": float(np.percentile(cumulative[:, p], 95)),
                "new_customer_journeys_mean": float(new[:, p].mean()),
                "revenue_mean": money.mean,
                "revenue_low": money.low,
                "revenue_high": money.high,
            }
        )
    customers = {
        "p_alive": base.alive,
        "expected_journeys": totals["per_customer"] / replications,
        "expected_revenue": totals["per_customer_revenue"] / replications,
    }
    return periods, customers


__all__: Sequence[str] = ["Forecast", "forecast"]
