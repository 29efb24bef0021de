"""Random numbers keyed by what they are for, so that scenarios share them (common random numbers).

A draw is a pure function of (replication root, customer, journey, slot), where a slot names a
step or touchpoint and a purpose (service time, patience, outcome, ...). Changing one touchpoint
therefore leaves every other draw as it was, whatever order events happen in. The hash is
SplitMix64's finaliser; a whole journey's uniforms come from one vectorised numpy call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from heapq import heappop, heappush

import numpy as np

MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 2.0**-53
#: journeys whose numbers are drawn in one vectorised step, at least
BATCH = 256
#: announced journeys are kept by the span of time they start in (in minutes: a day)
SPAN = 1440.0
#: columns from which a journey's row is a view rather than a list (see ``Streams.views``)
WIDE = 32
_HALF = 2.0**-54


def mix(x: int) -> int:
    """SplitMix64: a bijective, well-avalanched 64-bit mix of ``x``."""
    x = (x + _GOLDEN) & MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def key(*parts: int) -> int:
    """One 64-bit key from several (order matters)."""
    h = 0
    for part in parts:
        h = mix(h ^ (part & MASK))
    return h


def tag(name: str) -> int:
    """A stable 64-bit key for a name (a touchpoint, a purpose): the same in every process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def _mix_array(x: np.ndarray) -> np.ndarray:
    x = x + _G
    x = (x ^ (x >> _S30)) * _U1
    x = (x ^ (x >> _S27)) * _U2
    return x ^ (x >> _S31)


def keys(first: int, seconds: np.ndarray) -> np.ndarray:
    """``[key(first, s) for s in seconds]`` in one vectorised step (as uint64)."""
    return _mix_array(np.uint64(mix(first & MASK)) ^ seconds.astype(np.uint64))


def units(base: int, slots: np.ndarray) -> np.ndarray:
    """Uniforms for many slots under one base key, in one vectorised step."""
    x = _mix_array(np.uint64(base) ^ slots)
    return (x >> _S11).astype(np.float64) * _UNIT + _HALF


def root_from_seed(seed: int | np.random.SeedSequence) -> int:
    """The 64-bit root of a replication from an integer seed or a spawned SeedSequence."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


class Ticket:
    """An announced journey: whose it is, which group its numbers go through, and its numbers
    once drawn. The journey keeps its ticket, so finding its numbers takes no lookup."""

    __slots__ = ("called_off", "customer", "group", "journey", "row")

    def __init__(self, customer: int, journey: int, group: int) -> None:
        self.customer = customer
        self.journey = journey
        self.group = group
        self.row: Sequence[float] | None = None
        self.called_off = False


class Streams:
    """The keyed random numbers of one replication.

    Journeys announce themselves ahead with their start time (:meth:`expect`: a prospect in
    the arrival batch, a customer who decided to come back, a referral) and keep the
    :class:`Ticket` they get, grouped by the :data:`SPAN` they start in; the first journey
    whose numbers are missing fills the numbers of the journeys of the soonest spans, at least
    :data:`BATCH` of them, in one vectorised step. Customers who will come back only in weeks
    therefore hold no numbers meanwhile. What a journey receives never depends on when or with
    whom it was computed, only on its keys.
    """

    __slots__ = ("_root_key", "_root_mixed", "_soonest", "_spans", "derived", "root", "slots",
                 "transforms", "views")  # fmt: skip

    def __init__(
        self,
        root: int,
        slots: np.ndarray,
        transforms: Sequence[tuple[int, Callable[[np.ndarray], np.ndarray]]] = (),
        derived: Sequence[tuple[int, Sequence[Callable[[np.ndarray], np.ndarray]]]] = (),
    ) -> None:
        self.root = root
        #: wide rows are handed out as views of their batch (a number becomes a Python float
        #: when it is read), narrow ones as lists: making every float of a wide batch at once
        #: costs more than the slower reads (airline, 43 columns: 7% less CPU as views; the
        #: tandem, 15 columns: 4% more; medians of paired runs of fresh processes)
        self.views = len(slots) + len(derived) >= WIDE
        self.slots = slots
        self.transforms = transforms
        #: (slot, u -> x per group): extra columns after the slots, from the slot's uniform by
        #: the function of the journey's group (one function: the same for every journey)
        self.derived = derived
        self._root_key = mix(root & MASK)  #: ``key(root)``, the start of every draw's key
        self._root_mixed = np.uint64(mix(root))
        #: announced journeys by the span they start in, and a heap of those spans: a heap of
        #: every journey would cost more and order them needlessly
        self._spans: dict[float, list[Ticket]] = {}
        self._soonest: list[float] = []

    def expect(self, customer: int, journey: int, start: float, group: int = 0) -> Ticket:
        """Announce a journey that will probably start at ``start`` (``group``: which of each
        derived column's functions its numbers go through, e.g. the customer's segment)."""
        span = start // SPAN
        announced = self._spans.get(span)
        if announced is None:
            announced = self._spans[span] = []
            heappush(self._soonest, span)
        ticket = Ticket(customer, journey, group)
        announced.append(ticket)
        return ticket

    @staticmethod
    def forget(ticket: Ticket) -> None:
        """Call off an announced journey that will not happen (e.g. a prospect deterred)."""
        ticket.called_off = True
        ticket.row = None

    def numbers(self, ticket: Ticket) -> Sequence[float]:
        """All numbers an announced journey may need, by slot: ``units(key(root, c, j), slots)``,
        with the ``transforms`` columns already turned into times and the ``derived`` columns
        after them."""
        row = ticket.row
        if row is None:
            self._fill(ticket)
            row = ticket.row
            if row is None:
                raise KeyError(  # a bug, not bad input
                    f"journey {(ticket.customer, ticket.journey)} was not announced or was called off"
                )
        return row

    def _fill(self, needed: Ticket) -> None:
        """Draw the numbers of the journeys of the soonest spans, ``needed`` among them.

        NOTE (speed): replaces ``units(key(root, customer, journey), slots)`` for one journey
        as it starts, and each quantile function applied to one number at its visit; the
        numbers are the same whoever shares the batch.
        """
        soonest, spans = self._soonest, self._spans
        batch: list[Ticket] = []
        found = False
        while soonest and (len(batch) < BATCH or not found):
            for ticket in spans.pop(heappop(soonest)):
                if ticket.called_off:
                    continue
                found = found or ticket is needed
                batch.append(ticket)
        if not found:
            return
        n = len(batch)
        customers = np.array([t.customer for t in batch], dtype=np.uint64)
        journeys = np.array([t.journey for t in batch], dtype=np.uint64)
        bases = _mix_array(_mix_array(self._root_mixed ^ customers) ^ journeys)
        x = _mix_array(bases[:, None] ^ self.slots[None, :])
        table = (x >> _S11).astype(np.float64) * _UNIT + _HALF
        for column, quantiles in self.transforms:  # e.g. service times, by inverse CDF
            table[:, column] = quantiles(table[:, column])
        if self.derived:
            groups = [t.group for t in batch]
            table = np.concatenate(
                [
                    table,
                    np.column_stack(
                        [_by_group(table[:, slot], fs, groups) for slot, fs in self.derived]
                    ),
                ],
                axis=1,
            )
        if not np.isfinite(table).all():  # validation should make this impossible: never go on
            raise FloatingPointError(
                "a drawn time is not a finite number; the scenario's "
                "distribution parameters are beyond what can be simulated"
            )
        if self.views:
            k = table.shape[1]
            flat = memoryview(np.ascontiguousarray(table)).cast("B").cast("d")
            for ticket, i in zip(batch, range(0, n * k, k), strict=True):
                ticket.row = flat[i : i + k]
        else:
            for ticket, row in zip(batch, table.tolist(), strict=True):
                ticket.row = row

    def draw(self, *parts: int) -> float:
        """One uniform for a purpose outside a journey (segment, arrivals, referrals):
        the key of ``(root, *parts)`` as a number strictly inside (0, 1)."""
        h = self._root_key
        for part in parts:
            h = mix(h ^ (part & MASK))
        return (h >> 11) * _UNIT + _HALF

    def draws(self, customers: np.ndarray, purpose: int) -> list[float]:
        """``[draw(c, purpose) for c in customers]`` in one vectorised step."""
        h = _mix_array(
            _mix_array(np.uint64(self._root_key) ^ customers) ^ np.uint64(purpose & MASK)
        )
        return ((h >> _S11).astype(np.float64) * _UNIT + _HALF).tolist()

    def block(self, purpose: int, block: int, size: int) -> np.ndarray:
        """``size`` uniforms for the ``block``-th batch of a sequence (e.g. arrival gaps)."""
        return units(key(self.root, purpose, block), np.arange(size, dtype=np.uint64) * _U1)


def _by_group(
    u: np.ndarray, functions: Sequence[Callable[[np.ndarray], np.ndarray]], groups: list[int]
) -> np.ndarray:
    """``functions[g](u)`` for each element of group ``g``: each group's own, and only its
    own, computed (e.g. days to the next journey by the customer's segment)."""
    if len(functions) == 1:
        return functions[0](u)
    of = np.array(groups)
    x = np.empty_like(u)
    for group, f in enumerate(functions):
        rows = of == group
        if rows.any():
            x[rows] = f(u[rows])
    return x


_G, _U1, _U2 = np.uint64(_GOLDEN), np.uint64(_M1), np.uint64(_M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
