"""The engine relies on SimPy internals; these tests fail if a SimPy release changes them."""

from __future__ import annotations

import itertools
from heapq import heappush
from importlib.metadata import version

import simpy
from simpy.events import NORMAL, URGENT

from truthsim.engine.calendar import Wake


def test_simpy_major_version_is_the_one_pinned():
    assert version("simpy").split(".")[0] == "4"


def test_schedule_is_a_heap_of_time_priority_id_event_with_a_counter():
    env = simpy.Environment()
    assert isinstance(env._queue, list)
    assert isinstance(env._eid, itertools.count)
    assert URGENT < NORMAL
    seen: list[tuple[float, str]] = []
    # an event pushed straight onto the heap, as the calendar does, runs at its time, in order
    late = Wake(lambda _: seen.append((env.now, "late")))
    heappush(env._queue, (5.0, NORMAL, next(env._eid), late))
    early = Wake(lambda _: seen.append((env.now, "early")))
    env.schedule(early, NORMAL, 2.0)  # type: ignore[arg-type]
    env.run()
    assert seen == [(2.0, "early"), (5.0, "late")]


def test_an_object_with_callbacks_and_ok_is_enough_to_be_an_event():
    env = simpy.Environment()
    called: list[float] = []
    wake = Wake(lambda w: called.append(env.now))
    env.schedule(wake, NORMAL, 3.5)  # type: ignore[arg-type]
    env.run()
    assert called == [3.5]
    assert wake.callbacks is None  # SimPy marks a processed event by dropping its callbacks
