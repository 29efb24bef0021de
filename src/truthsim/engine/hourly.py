"""Touchpoints hour by hour: arrivals, waits, staffing and utilisation by hour of day.

A whole-day utilisation of 29% can hide peak hours that run 60% busy with callers hanging up;
these figures put the peak beside the average, and let staffing by the hour be judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from truthsim.scenario.schema import MINUTES_PER_DAY

HOURLY = np.dtype(
    [
        ("touchpoint", "i2"),
        ("hour", "i1"),  #: hour of day, 0-23
        ("arrivals", "i4"),  #: visits that began in this hour (after the warm-up)
        ("mean_wait", "f8"),  #: minutes, of those visits
        ("p90_wait", "f8"),
        ("abandonment", "f8"),  #: share of those visits that gave up waiting
        ("servers", "f8"),  #: mean servers on duty in this hour (NaN: unlimited)
        ("utilisation", "f8"),  #: busy server-minutes / staffed server-minutes in this hour
    ]
)


def capacity_by_hour(changes: Iterable[tuple[float, int]], start: float, end: float) -> np.ndarray:
    """Staffed server-minutes in each hour of day between ``start`` and ``end``.

    ``changes`` are (time, servers) from time 0 on; servers hold until the next change.
    """
    points = list(changes)
    times = np.array([t for t, _ in points] + [end], dtype=float)
    servers = np.array([n for _, n in points], dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(servers * np.diff(times))])
    first, last = math.floor(start / 60.0), math.ceil(end / 60.0)
    edges = np.clip(np.arange(first, last + 1) * 60.0, start, end)
    per_bin = np.diff(np.interp(edges, times, cumulative))  # the integral is linear in between
    return np.bincount(np.arange(first, last) % 24, weights=per_bin, minlength=24)


def busy_by_hour(begin: np.ndarray, length: np.ndarray, start: float, end: float) -> np.ndarray:
    """Minutes in service in each hour of day, from service intervals [begin, begin + length)."""
    lo = np.maximum(begin, start)
    hi = np.minimum(begin + length, end)
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    out = np.zeros(24)
    if not len(lo):
        return out
    hour = np.floor(lo / 60.0)
    while len(lo):  # one pass per hour boundary crossed: services are short, so few passes
        edge = (hour + 1) * 60.0
        part = np.minimum(hi, edge) - lo
        out += np.bincount((hour % 24).astype(np.int64), weights=part, minlength=24)
        more = hi > edge
        lo, hi, hour = edge[more], hi[more], hour[more] + 1
    return out


def hourly_table(
    moments: np.ndarray,
    capacities: list[np.ndarray | None],
    warmup: float,
    horizon: float,
) -> np.ndarray:
    """One row per touchpoint and hour of day (see :data:`HOURLY`)."""
    observed = moments["arrival"] >= warmup
    every = bool(observed.all())  # without a warm-up: the fields themselves, no copies

    def field(name: str) -> np.ndarray:
        return moments[name] if every else moments[name][observed]

    arrival, wait, service, abandoned, touchpoint = (
        field(n) for n in ("arrival", "wait", "service", "abandoned", "touchpoint")
    )
    # visits grouped by (touchpoint, hour), each group in record order: one slice per row
    # as 16-bit integers when they fit, which numpy sorts stably by radix: several times faster
    kind = np.int16 if 24 * len(capacities) <= np.iinfo(np.int16).max else np.int32
    group = touchpoint.astype(kind) * 24 + ((arrival % MINUTES_PER_DAY) // 60).astype(kind)
    order = np.argsort(group, kind="stable")
    waits, quits = wait[order], abandoned[order]
    bounds = np.searchsorted(group[order], np.arange(24 * len(capacities) + 1)).tolist()
    del group, order
    out = np.zeros(24 * len(capacities), dtype=HOURLY)
    out["touchpoint"] = np.repeat(np.arange(len(capacities)), 24)
    out["hour"] = np.tile(np.arange(24), len(capacities))
    window = capacity_by_hour([(0.0, 1)], warmup, horizon)  # minutes of each hour observed
    # the served visits by touchpoint, each in record order: one slice per touchpoint
    served = np.flatnonzero(~abandoned)
    served = served[np.argsort(touchpoint[served], kind="stable")]
    begins, lengths = (arrival + wait)[served], service[served]
    ends = np.searchsorted(touchpoint[served], np.arange(len(capacities) + 1)).tolist()
    for i, capacity in enumerate(capacities):
        mine = slice(ends[i], ends[i + 1])
        busy = busy_by_hour(begins[mine], lengths[mine], warmup, horizon)
        for h in range(24):
            k = 24 * i + h
            lo, hi = bounds[k], bounds[k + 1]
            n = hi - lo
            out["arrivals"][k] = n
            out["mean_wait"][k] = float(waits[lo:hi].mean()) if n else math.nan
            out["p90_wait"][k] = float(np.percentile(waits[lo:hi], 90)) if n else math.nan
            out["abandonment"][k] = float(quits[lo:hi].mean()) if n else math.nan
            if capacity is None or not window[h]:
                out["servers"][k] = out["utilisation"][k] = math.nan
            else:
                out["servers"][k] = capacity[h] / window[h]
                out["utilisation"][k] = busy[h] / capacity[h] if capacity[h] > 0 else math.nan
    return out


def peak(hourly: np.ndarray, touchpoint: int) -> dict[str, float]:
    """The busiest hour of a touchpoint (highest utilisation, or most arrivals if unstaffed)."""
    rows = hourly[hourly["touchpoint"] == touchpoint]
    utilisation = rows["utilisation"]
    if np.all(np.isnan(utilisation)):
        if not rows["arrivals"].any():
            return {"peak_hour": math.nan, "peak_utilisation": math.nan, "peak_wait": math.nan}
        top = int(np.argmax(rows["arrivals"]))
    else:
        top = int(np.nanargmax(utilisation))
    return {
        "peak_hour": float(rows["hour"][top]),
        "peak_utilisation": float(utilisation[top]),
        "peak_wait": float(rows["mean_wait"][top]),
    }
