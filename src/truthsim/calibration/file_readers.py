"""Reading each calibration file into arrays, with every flaw noted by file, row and column."""

from __future__ import annotations

import numpy as np

from truthsim.calibration.datasets import Arrivals, Cohort, Journeys, Moments
from truthsim.calibration.tables import Flaw, Table
from truthsim.scenario.limits import MAX_PER_DAY, MAX_TIME
from truthsim.scenario.touchpoint import OUTCOMES


def customers_of(table: Table, ids: dict[str, int], flaws: list[Flaw]) -> np.ndarray:
    out = np.empty(len(table), dtype=np.int64)
    for i, cell in enumerate(table.text("customer")):
        if cell == "":
            flaws.append(
                Flaw(table.name, "is empty; every row needs its customer", table.row(i), "customer")
            )
        out[i] = ids.setdefault(cell, len(ids))
    return out


def moments_of(
    table: Table,
    touchpoints: list[str],
    ids: dict[str, int],
    flaws: list[Flaw],
    stamped: list[bool],
) -> Moments:
    n = len(table)
    wait, service = (
        table.numbers(name, flaws, blank=True, low=0.0, high=MAX_TIME)
        if table.has(name)
        else np.full(n, np.nan)
        for name in ("wait", "service")
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
        customer=customers_of(table, ids, flaws),
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


def journeys_of(
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
        customer=customers_of(table, ids, flaws),
        journey=table.integers("journey", flaws),
        segment=segment,
        start=start,
        end=end,
        returned=returned,
        columns=frozenset(table.columns),
    )


def cohort_of(table: Table, segments: list[str], flaws: list[Flaw]) -> Cohort:
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


def arrivals_of(table: Table, flaws: list[Flaw]) -> Arrivals:
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
    count = table.numbers("arrivals", flaws, low=0.0, high=MAX_PER_DAY)
    if not flaws:
        pairs = day * 24 + hour
        order = np.argsort(pairs, kind="stable")
        for k in np.flatnonzero(np.diff(pairs[order]) == 0)[:20]:
            first, again = table.row(int(order[k])), table.row(int(order[k + 1]))
            flaws.append(
                Flaw(
                    table.name,
                    f"day {day[order[k]]}, hour {hour[order[k]]} is counted again (first in row "
                    f"{first}); give each hour of each day once",
                    again,
                    "hour",
                )
            )
    return Arrivals(day, hour, count)
