"""Headline metrics, per-touchpoint statistics and the daily series, computed from the records.

Everything before the warm-up is left out, except the state at the horizon (customers active),
which is a snapshot.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from truthsim.behaviour.outcome import MAGIC, MEDIOCRITY, MISERY
from truthsim.engine.hourly import peak
from truthsim.engine.records import COHORT, DAILY, since
from truthsim.scenario.schema import MINUTES_PER_DAY

#: headline metrics in the order tables show them, with a plain-words label
HEADLINE = {
    "return_rate": "return rate (share of journeys followed by another)",
    "journeys_per_customer": "journeys per customer (new customers, within the horizon)",
    "active_at_horizon": "customers active at the horizon",
    "revenue": "revenue",
    "net_moment_score": "net moment score (magic share - misery share)",
    "new_customers": "new customers",
    "journeys": "journeys",
    "churned": "customers lost",
    "churned_unblamed": "customers lost without a moment to blame (they would have left anyway, "
    "or no single moment tipped it)",
    "misery_share": "misery share of moments",
    "magic_share": "magic share of moments",
    "abandonment_rate": "share of moments abandoned in the queue",
    "deterred_prospects": "prospects deterred by word of mouth",
    "referred_customers": "customers referred by word of mouth",
}


def headline(
    moments: np.ndarray,
    journeys: np.ndarray,
    customers: np.ndarray,
    causes: np.ndarray,
    deterred: np.ndarray,
    warmup: float,
) -> dict[str, float]:
    # the fields read, after the warm-up (plain fields: no copies of whole records)
    outcome, abandoned = since(moments, "arrival", warmup, "outcome", "abandoned")
    (returned,) = since(journeys, "start", warmup, "returned")
    made, referred = since(customers, "acquired", warmup, "journeys", "referred")
    n = len(outcome)
    misery = _share(outcome == MISERY, n)
    magic = _share(outcome == MAGIC, n)
    return {
        "return_rate": _share(returned, len(returned)),
        "journeys_per_customer": float(made.mean()) if len(made) else math.nan,
        "active_at_horizon": float(np.count_nonzero(~customers["churned"])),
        "revenue": float(journeys["revenue"][journeys["end"] >= warmup].sum()),
        "net_moment_score": magic - misery,
        "new_customers": float(len(made)),
        "journeys": float(len(returned)),
        "churned": float(np.count_nonzero(lost_after(customers, warmup))),
        "churned_unblamed": float(
            np.count_nonzero(lost_after(customers, warmup) & ~blamed(customers, causes))
        ),
        "misery_share": misery,
        "magic_share": magic,
        "abandonment_rate": _share(abandoned, n),
        "deterred_prospects": float(np.count_nonzero(deterred >= warmup)),
        "referred_customers": float(np.count_nonzero(referred)),
    }


def touchpoint_table(
    moments: np.ndarray,
    customers: np.ndarray,
    causes: np.ndarray,
    queues: np.ndarray,
    names: list[str],
    titles: list[str],
    servers: list[int | str],
    capacities: list[np.ndarray | None],
    hourly: np.ndarray,
    warmup: float,
    horizon: float,
    internal: list[bool] | None = None,
    through: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """One row per touchpoint: visits, waits, utilisation, abandonment, outcome mix, churn caused.

    Where some touchpoints are internal (``internal``: which), each row also says whether it is,
    and ``churn_through`` counts the losses decided by customers' moments that an internal
    moment behind them made worse (``through``: those causes, see behaviour.internal): churn
    caused through the internal touchpoint. It is part of the churn caused at the front-line
    touchpoints that need it, not beside it: adding the two columns counts it twice. At a
    touchpoint that needs an internal one, a moment's wait is its wait in line and the agent's
    wait behind the counter (the customer waits through both), while ``mean_queue`` counts the
    line alone (the agent is busy with the customer meanwhile), so Little's law holds between
    ``mean_queue`` and the wait in line, not ``mean_wait``.

    ``servers`` is what each touchpoint shows (a number, "unlimited", or a schedule's range) and
    ``capacities`` its staffed server-minutes by hour of day (None: unlimited); utilisation is
    busy over staffed time, for the whole day and for the peak hour. ``churn_caused`` counts
    lost customers by the moments that decided it (see
    :mod:`truthsim.behaviour.attribution`), a loss shared between moments in equal parts; with
    the headline's customers lost without a moment to blame, the column adds up to all lost.
    """
    # each touchpoint's visits after the warm-up, in record order: one slice of each field
    visits = np.flatnonzero(moments["arrival"] >= warmup)
    visits = visits[np.argsort(moments["touchpoint"][visits], kind="stable")]
    touchpoint, waits, service, abandoned, outcome, failed, recovered = (
        moments[name][visits]
        for name in ("touchpoint", "wait", "service", "abandoned", "outcome", "failed", "recovered")
    )
    bounds = np.searchsorted(touchpoint, np.arange(len(names) + 1)).tolist()
    lost = lost_after(customers, warmup)
    counted = causes[lost[causes["customer"]]]
    went = None if through is None else through[lost[through["customer"]]]
    observed = horizon - warmup
    rows = []
    for i, name in enumerate(names):
        here = slice(bounds[i], bounds[i + 1])
        n = here.stop - here.start
        wait = waits[here]
        p50, p90 = np.percentile(wait, [50, 90]).tolist() if n else (math.nan, math.nan)
        served = ~abandoned[here]
        staffed = None if capacities[i] is None else float(capacities[i].sum())  # type: ignore[union-attr]
        rows.append(
            {
                "touchpoint": name,
                "label": titles[i],
                "servers": servers[i],
                "visits": n,
                "arrivals_per_hour": n / observed * 60.0,
                "mean_wait": float(wait.mean()) if n else math.nan,
                "p50_wait": p50,
                "p90_wait": p90,
                "mean_service": float(service[here][served].mean()) if np.any(served) else math.nan,
                "mean_queue": float(queues["area_waiting"][i] / observed),
                "mean_in_service": float(queues["area_busy"][i] / observed),
                "utilisation": float(queues["area_busy"][i] / staffed) if staffed else math.nan,
                **peak(hourly, i),
                "abandonment": _share(abandoned[here], n),
                "misery": _share(outcome[here] == MISERY, n),
                "mediocrity": _share(outcome[here] == MEDIOCRITY, n),
                "magic": _share(outcome[here] == MAGIC, n),
                "failures": int(np.count_nonzero(failed[here])),
                "recovered": int(np.count_nonzero(recovered[here])),
                "churn_caused": float(counted["share"][counted["touchpoint"] == i].sum()),
            }
        )
        if internal is not None and went is not None:
            rows[-1]["internal"] = internal[i]
            rows[-1]["churn_through"] = float(went["share"][went["touchpoint"] == i].sum())
    return rows


def load_bands(
    moments: np.ndarray, names: list[str], thresholds: list[float | None], warmup: float
) -> list[dict[str, Any]]:
    """Where load moves outcomes (``thresholds``: each touchpoint's, None where it does not),
    the outcome mix of the moments served at low load (up to the threshold) and at high load
    (beyond it), after warm-up: how much worse tired staff serve."""
    if "load" not in (moments.dtype.names or ()):
        return []
    rows = []
    seen = (moments["arrival"] >= warmup) & ~moments["abandoned"]
    for i, (name, threshold) in enumerate(zip(names, thresholds, strict=True)):
        if threshold is None:
            continue
        here = moments[seen & (moments["touchpoint"] == i)]
        high = here["load"] > threshold
        at = f"{100 * threshold:g}%"  # the threshold as written, not rounded
        for band, chosen in ((f"load <= {at}", ~high), (f"load > {at}", high)):
            m = here[chosen]
            n = len(m)
            rows.append(
                {
                    "touchpoint": name,
                    "band": band,
                    "moments": n,
                    "mean_load": float(m["load"].mean()) if n else math.nan,
                    "misery": _share(m["outcome"] == MISERY, n),
                    "mediocrity": _share(m["outcome"] == MEDIOCRITY, n),
                    "magic": _share(m["outcome"] == MAGIC, n),
                }
            )
    return rows


def daily_series(
    customers: np.ndarray, returns: np.ndarray, deterred: np.ndarray, horizon: float
) -> np.ndarray:
    """Per day: customers active at its end, new and returning journey starts, churn, word of
    mouth. Customers of the base on day 0 (acquired before it) count as active from the start;
    what happened before day 0 (journeys in progress then, replayed) is not in the series."""
    days = math.ceil(horizon / MINUTES_PER_DAY)
    out = np.zeros(days, dtype=DAILY)
    out["day"] = np.arange(days)

    def per_day(times: np.ndarray) -> np.ndarray:
        times = times[times >= 0.0]
        index = np.minimum((times // MINUTES_PER_DAY).astype(np.int64), days - 1)
        return np.bincount(index, minlength=days)[:days]

    churned = customers[customers["churned"]]
    acquired = customers["acquired"]
    lost_before = customers["churned"] & (customers["churn_time"] < 0.0)
    on_day_0 = int(np.count_nonzero((acquired < 0.0) & ~lost_before))
    out["new"] = per_day(acquired)
    out["returning"] = per_day(returns)
    out["churned"] = per_day(churned["churn_time"])
    out["deterred"] = per_day(deterred)
    out["referred"] = per_day(acquired[customers["referred"]])
    out["active"] = on_day_0 + np.cumsum(out["new"]) - np.cumsum(out["churned"])
    return out


def cohort_table(customers: np.ndarray, horizon: float, period_days: float) -> np.ndarray:
    """The share of customers still active by period since their acquisition, all cohorts pooled.

    Period k counts only customers acquired at least k periods before the horizon (so everyone
    counted was observed that long); a customer is active at ``acquired + k * period`` unless lost
    by then. Comparable with a firm's cohort retention curve and with the sBG survival law.
    """
    period = period_days * MINUTES_PER_DAY
    last = int(horizon // period)
    out = np.zeros(last + 1, dtype=COHORT)
    customers = customers[customers["acquired"] >= 0.0]  # the base on day 0 came before: left out
    acquired = customers["acquired"]
    lost_at = np.where(customers["churned"], customers["churn_time"], np.inf)
    for k in range(last + 1):
        observed = acquired <= horizon - k * period
        n = int(np.count_nonzero(observed))
        active = int(np.count_nonzero(observed & (lost_at > acquired + k * period)))
        out[k] = (k, n, active, active / n if n else np.nan)
    return out


def lost_after(customers: np.ndarray, warmup: float) -> np.ndarray:
    """Customers lost after the warm-up (a mask over the customer records)."""
    return customers["churned"] & (customers["churn_time"] >= warmup)


def blamed(customers: np.ndarray, causes: np.ndarray) -> np.ndarray:
    """Customers with at least one moment to blame for losing them (a mask)."""
    mask = np.zeros(len(customers), dtype=bool)
    mask[causes["customer"]] = True
    return mask


def busy_area(moments: np.ndarray, start: float, end: float) -> float:
    """Customer-minutes in service within [start, end]: the area under the in-service curve."""
    begin = np.maximum(moments["arrival"], start)
    finish = np.minimum(moments["arrival"] + moments["service"], end)
    return float(np.clip(finish - begin, 0.0, None).sum())


def _share(mask: np.ndarray, n: int) -> float:
    return float(np.count_nonzero(mask) / n) if n else math.nan
