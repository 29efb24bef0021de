"""A forecast set beside what happened: the calibration-and-holdout tracking that customer-base
analysts know, and BG/NBD's forecast from the same data for reference.

Per period, the cumulative journeys of the customers known at the cut, forecast and actual, and
the error; over the holdout, the mean absolute percentage error of the cumulative curve, the
totals, and the correlation between each customer's expected and actual journeys. BG/NBD
(Fader, Hardie & Lee 2005) is fitted to the same customers' journeys before the cut (repeat
journeys, recency and age in days) and its conditional expectations give its forecast; MBG/NBD
and Pareto/NBD's totals and correlations are given too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.calibration.btyd import Summary, bgnbd, mbgnbd, pareto_nbd
from truthsim.calibration.data import CalibrationData
from truthsim.engine.firm_base import FirmBase
from truthsim.forecast.split import Holdout
from truthsim.scenario.schema import MINUTES_PER_DAY

if TYPE_CHECKING:
    from truthsim.forecast.run import Forecast


def compare(
    result: Forecast, held: Holdout, found: CalibrationData, base: FirmBase
) -> dict[str, Any]:
    """Add the actual journeys (and BG/NBD's) to each period; the holdout's summary."""
    index = {int(c): k for k, c in enumerate(_data_index(found, base))}
    period = result.period_days * MINUTES_PER_DAY
    inside = held.known & (held.start < result.days * MINUTES_PER_DAY)
    periods = len(result.periods)
    actual = np.bincount((held.start[inside] // period).astype(np.int64), minlength=periods)[
        :periods
    ]
    per_customer = np.zeros(len(base.ids))
    who = np.array([index[int(c)] for c in held.customer[inside]], dtype=np.int64)
    per_customer += np.bincount(who, minlength=len(base.ids))
    reference = _bgnbd(found, base, result, period)
    cumulative = np.cumsum(actual)
    errors = []
    for p, row in enumerate(result.periods):
        row["actual"] = float(actual[p])
        row["actual_cumulative"] = float(cumulative[p])
        row["bgnbd_cumulative"] = float(reference["cumulative"][p])
        if cumulative[p] > 0:
            errors.append(
                (
                    abs(row["cumulative_mean"] - cumulative[p]) / cumulative[p],
                    abs(reference["cumulative"][p] - cumulative[p]) / cumulative[p],
                )
            )
    expected = result.customers["expected_journeys"]
    result.customers["actual_journeys"] = per_customer
    result.customers["bgnbd_expected_journeys"] = reference["per_customer"]
    ours, theirs = np.array(errors).T if errors else (np.zeros(1), np.zeros(1))
    return {
        "days": result.days,
        "customers": len(base.ids),
        "actual_journeys": float(cumulative[-1]),
        "forecast_journeys": float(result.periods[-1]["cumulative_mean"]),
        "forecast_90_range": [
            result.periods[-1]["cumulative_p05"],
            result.periods[-1]["cumulative_p95"],
        ],
        "cumulative_mean_absolute_percentage_error": float(ours.mean()),
        "per_customer_correlation": _correlation(expected, per_customer),
        "new_customers_journeys": float(
            np.count_nonzero(~held.known & (held.start < result.days * MINUTES_PER_DAY))
        ),
        "bgnbd": {
            "parameters": reference["parameters"],
            "forecast_journeys": float(reference["cumulative"][-1]),
            "cumulative_mean_absolute_percentage_error": float(theirs.mean()),
            "per_customer_correlation": _correlation(reference["per_customer"], per_customer),
        },
        "other_models": {
            name: {
                "parameters": other["parameters"],
                "forecast_journeys": float(other["expected"].sum()),
                "per_customer_correlation": _correlation(other["expected"], per_customer),
            }
            for name, other in reference["others"].items()
        },
    }


def _data_index(found: CalibrationData, base: FirmBase) -> list[int]:
    """Each base customer's index among the data's customers."""
    position = {name: k for k, name in enumerate(found.customer_ids)}
    return [position[name] for name in base.ids]


def _bgnbd(
    found: CalibrationData, base: FirmBase, result: Forecast, period: float
) -> dict[str, Any]:
    """BG/NBD fitted to the base customers' journeys before the cut (days), its cumulative
    forecast at each period's end and each customer's expected journeys in the forecast."""
    j = found.journeys
    assert j is not None
    order = _data_index(found, base)
    n = len(found.customer_ids)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    np.minimum.at(first, j.customer, j.start)
    np.maximum.at(last, j.customer, j.start)
    count = np.bincount(j.customer, minlength=n)
    summary = Summary(
        x=(count[order] - 1).astype(float),
        t_x=(last[order] - first[order]) / MINUTES_PER_DAY,
        T=(found.end - first[order]) / MINUTES_PER_DAY,
    )
    fitted = bgnbd.fit(summary)
    ends = np.array([row["day_end"] for row in result.periods])
    cumulative = np.array(
        [float(bgnbd.conditional_expected(fitted.params, t, summary).sum()) for t in ends]
    )
    per_customer = bgnbd.conditional_expected(fitted.params, result.days, summary)
    others = {}
    for name, model in (("mbgnbd", mbgnbd), ("pareto_nbd", pareto_nbd)):
        other = model.fit(summary)
        others[name] = {
            "parameters": {k: float(v) for k, v in other.params.items()},
            "expected": model.conditional_expected(other.params, result.days, summary),
        }
    return {
        "parameters": {k: float(v) for k, v in fitted.params.items()},
        "cumulative": cumulative,
        "per_customer": per_customer,
        "others": others,
    }


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
