"""The customer base a scenario's own dynamics hold after long operation.

Made once per scenario (and its seed), from one long run that starts with no customers. A run
of T years holds the customers of a true steady state who are younger than T; it runs year by
year until the older ones it lacks are fewer than 0.5% of the base, and fewer than 0.5% of its
customers are still those of its first year. The older ones' share is estimated from the active
customers of its first and second years (f1, f2): each earlier year of a steady state holds
about f1/f2 times the customers of the year after it, so the years before the run would add
f1 r / (1 - r) with r = f1 / f2. (Customers who differ widely in how often they come or how
loyal they are live for decades in the tail, which shrinks more slowly than that: the count
then settles within a few percent, the mean tenure far more slowly; such a business is better
started from its own data.) Then the customers standing at twelve moments of three
further years, a quarter apart, are the pool that every replication draws its own base from (a
business's count of customers wanders over months: one year's snapshots left the airline's base
about 60 customers in 9,700 off, by its seed alone; see
:mod:`truthsim.engine.base`). The pool is the same for
every replication and every variant of a scenario: an improvement takes effect on day 0, on
the customers the business had before it.

Exact when customers do not interact; with queues, word of mouth and a finite market the count
of a drawn base spreads as a base of independent lives would (Poisson), and a customer's state
is drawn as the long run had it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from truthsim.engine.base import BasePool, capture, join, load_pool, save_pool
from truthsim.engine.plan import Plan
from truthsim.engine.records import JOURNEY
from truthsim.engine.simulation import Simulation, no_collections
from truthsim.engine.streams import root_from_seed
from truthsim.scenario.customer_base import CustomerBase
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.limits import MAX_NEW_CUSTOMERS
from truthsim.scenario.schema import MINUTES_PER_DAY, MINUTES_PER_YEAR, Scenario
from truthsim.scenario.value import Value

YEAR = MINUTES_PER_YEAR
#: the longest a scenario may take to settle before its base is taken as it stands (years)
MAX_YEARS = 20
#: the share of a steady state's customers older than the run when it counts as settled
SETTLED = 0.005
#: snapshots of the pool in the year after it has settled
SNAPSHOTS = 12
#: ... over this many years
SNAPSHOT_YEARS = 3
#: the share of journeys shorter than the window of replays before day 0
WINDOW_QUANTILE = 0.995
#: the seed sequence's spawn key of the long run (apart from every replication's)
LONG_RUN = 2**31 - 11
_CACHE: OrderedDict[str, BasePool] = OrderedDict()
_CACHE_SIZE = 4


def steady_state_pool(scenario: Scenario, allow_large: bool = False) -> BasePool:
    """The pool of the scenario's steady-state base: made once, then kept for the process and
    in a cache file (named by the scenario and the engine's own code, so a changed engine
    makes it anew) that other processes and later runs read instead of running again."""
    plain = _plain(scenario)
    key = plain.model_dump_json()
    pool = _CACHE.get(key)
    if pool is None:
        pool = _cached(key, plain, allow_large)
        _CACHE[key] = pool
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return pool


def _cached(key: str, plain: Scenario, allow_large: bool) -> BasePool:
    """The pool from the cache file, or made by the long run and saved there."""
    path = (
        cache_folder() / f"steady-{hashlib.sha256((key + _code()).encode()).hexdigest()[:24]}.npz"
    )
    if path.exists():
        try:
            return load_pool(path)
        except (OSError, ValueError, KeyError):
            pass  # a broken file: made anew below
    _size_problems(plain, allow_large)
    pool = _long_run(plain, allow_large)
    try:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        save_pool(pool, partial)
        os.replace(partial, path)
    except OSError:
        pass  # a read-only or full disk: the pool is kept for this process only
    return pool


def cache_folder() -> Path:
    """Where made bases are kept: $TRUTHSIM_CACHE, or a folder in the system's temporary one."""
    folder = Path(
        os.environ.get("TRUTHSIM_CACHE") or Path(tempfile.gettempdir()) / "truthsim-cache"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.lru_cache(maxsize=1)
def _code() -> str:
    """A digest of the code the long run's results depend on (engine, behaviour, scenario)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in ("engine", "behaviour", "scenario"):
        for source in sorted((root / package).glob("*.py")):
            if not source.name.startswith("reference"):  # the reference engine makes no base
                digest.update(source.read_bytes())
    digest.update((root / "exact.py").read_bytes())
    return digest.hexdigest()


def _size_problems(plain: Scenario, allow_large: bool) -> None:
    """A long run of two years at least: refused as a likely slip where two years would bring
    more new customers than a replication may without --allow-large."""
    if allow_large:
        return
    two_years = plain.arrivals.expected(2 * 365.0)
    if two_years > MAX_NEW_CUSTOMERS:
        raise ScenarioError(
            [
                Problem(
                    ("customer_base",),
                    f"the steady-state base is made by a long run of at least two years: "
                    f"{two_years:,.0f} new customers, more than {MAX_NEW_CUSTOMERS:,}; run with "
                    "--allow-large (allow_large=True) if that is intended, or start from none",
                )
            ]
        )


def _plain(scenario: Scenario) -> Scenario:
    """The scenario as the long run has it: the business as written (no improvements), from no
    customers, for as long as it may take; what only shapes a replication's statistics (its
    horizon, warm-up and value) set aside, so that scenarios alike share one pool."""
    return scenario.model_copy(
        update={
            "improvements": {},
            "customer_base": CustomerBase(),
            "horizon_days": (MAX_YEARS + SNAPSHOT_YEARS) * 365.0,
            "warmup_days": 0.0,
            "value": Value(),
            "name": "steady state",
            "description": "",
        }
    )


def _long_run(plain: Scenario, allow_large: bool) -> BasePool:
    """Run year by year until the active customers settle, then take the pool."""
    from truthsim.scenario.limits import customer_cap

    root = root_from_seed(np.random.SeedSequence(entropy=plain.seed, spawn_key=(LONG_RUN,)))
    cap = customer_cap(plain, allow_large)
    with no_collections():
        sim = Simulation(Plan(plain), root, cap)
        try:
            sim.begin()
            settled, years, share = False, 0, 1.0
            while years < MAX_YEARS and not settled:
                years += 1
                sim.advance(years * YEAR)
                share = _older_share(sim, years * YEAR)
                settled = years >= 2 and share < SETTLED
            window = _window(sim)
            sim.keep_lost = window
            snapshots = []
            for k in range(SNAPSHOTS):
                at = (years + (k + 1) * SNAPSHOT_YEARS / SNAPSHOTS) * YEAR
                sim.advance(at)
                snapshots.append(capture(sim, at, window))
        except ScenarioError as error:
            raise ScenarioError(
                [
                    Problem(p.place, "while making the steady-state base: " + p.message)
                    for p in error.problems
                ]
            ) from None
        finally:
            sim.release()
    pool = join(snapshots)
    if not settled:
        pool.notes.append(
            f"after {MAX_YEARS} years of the long run the customers older than it were still "
            f"about {share:.1%} of a steady state's (the scenario's most loyal customers stay for "
            "decades): the base is taken as it stands then"
        )
    pool.notes.append(
        f"steady-state base: {pool.mean_count:,.0f} customers on average, settled after "
        f"{years} years of the scenario's own operation (older customers it lacks: about "
        f"{min(share, 1.0):.1%})"
    )
    return pool


def _window(sim: Simulation) -> float:
    """Minutes of the replays before day 0: whole days covering 99.5% of the journeys' lengths
    so far (at least a day; a longer journey under way is replayed from its own start)."""
    records = np.frombuffer(bytes(sim.journeys.buffer), dtype=JOURNEY)
    if not len(records):
        return MINUTES_PER_DAY
    longest = float(np.quantile(records["end"] - records["start"], WINDOW_QUANTILE))
    return max(1.0, math.ceil(longest / MINUTES_PER_DAY)) * MINUTES_PER_DAY


def _older_share(sim: Simulation, now: float) -> float:
    """Estimated share of a steady state's customers older than the run at ``now`` (see the
    module's docstring)."""
    active = first = second = 0
    for c in sim.customers:
        if not c.churn_time <= now:
            active += 1
            first += c.acquired < YEAR
            second += YEAR <= c.acquired < 2 * YEAR
    if not active:
        return 0.0
    if first >= second:  # no decline to go by yet
        return math.inf if first else 0.0
    ratio = first / second
    return max(first / active * ratio / (1.0 - ratio), first / active)
