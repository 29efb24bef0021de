"""Why a customer left: the moments without which they would have come back.

A customer's return decision compares one known uniform number with the return probability
their memory gives. A moment *caused* a churn when, with that moment removed from its journey
(same memory model, same fading and saturation, same uniform number), the customer would have
returned. Several moments can each be decisive alone; the churn is then split equally between
them. When no single moment is decisive (the customer would have left anyway, or only several
moments together tipped it), the loss has no moment to blame. A misery removed takes with it
the complaint it led to: when the journey's other miseries would not have led to one (same
uniform number), the complaint's moment goes too.
"""

from __future__ import annotations

from truthsim.behaviour.complaints import complains, silent_after
from truthsim.behaviour.memory import Remember
from truthsim.behaviour.returns import comes_back, experience_after, return_probability

#: a journey's complaint: (its moment, its uniform number, (moment, chance) per misery)
Complaint = tuple[int, float, tuple[tuple[int, float], ...]]


def without(impacts: tuple[float, ...], m: int, complaint: Complaint | None) -> tuple[float, ...]:
    """The journey's impacts with moment ``m`` removed, and its complaint too when that moment
    was a misery without which the complaint would not have been made (the complaint is made
    when its uniform number is at least the chance that no misery led to one)."""
    kept = impacts[:m] + impacts[m + 1 :]
    if complaint is None:
        return kept
    position, drawn, miseries = complaint
    if m == position or all(k != m for k, _ in miseries):
        return kept
    silent = 1.0
    for k, chance in miseries:
        if k != m:
            silent = silent_after(silent, chance)
    if complains(drawn, silent):
        return kept  # the other miseries would have led to it anyway
    return kept[: position - 1] + kept[position:]  # the complaint moved one place forward


class History:
    """What one customer's memory is made of, journey by journey, for replaying it."""

    __slots__ = ("before", "complaints", "fades", "impacts", "places", "remembered", "through")

    def __init__(self) -> None:  # one per customer: plain lists, no dataclass factories
        self.impacts: list[tuple[float, ...]] = []  #: each moment, per journey
        self.places: list[tuple[int, ...]] = []  #: each moment's touchpoint
        self.remembered: list[float] = []  #: the journey as remembered
        self.before: list[float] = []  #: experience as each journey began
        self.fades: list[float] = []  #: factor on the experience after it
        #: per journey that ended in a complaint: (its moment, the complaint's uniform number,
        #: (moment, complaint chance) of each misery before it); None while there is none
        self.complaints: dict[int, Complaint] | None = None
        #: per journey with moments made worse by an internal one behind them (see
        #: behaviour.internal): {moment: internal touchpoint}; None while there is none
        self.through: dict[int, dict[int, int]] | None = None

    def add(
        self,
        impacts: tuple[float, ...],
        places: tuple[int, ...],
        remembered: float,
        before: float,
        complaint: Complaint | None = None,
        through: tuple[tuple[int, int], ...] | None = None,
    ) -> None:
        if through:
            if self.through is None:
                self.through = {}
            self.through[len(self.impacts)] = dict(through)
        if complaint is not None:
            if self.complaints is None:
                self.complaints = {}
            self.complaints[len(self.impacts)] = complaint
        self.impacts.append(impacts)
        self.places.append(places)
        self.remembered.append(remembered)
        self.before.append(before)


def decisive_moments(
    history: History,
    baseline: float,
    cap: float,
    u: float,
    remember: Remember,
    linear: bool = False,
) -> list[tuple[int, int]]:
    """(journey, moment) of each moment whose removal alone turns the last decision into a return.

    ``baseline`` is the customer's baseline log-odds, ``cap`` the most experience can reach,
    ``u`` the uniform number of the decision (the customer returns when ``u < p``). With a
    ``linear`` memory model (additive: a sum of impacts) only a moment of negative impact can
    matter: removing any other can only lower the experience (every later step, fading and the
    ceiling included, is monotone in it), so those are skipped. Under recency, removing a neutral moment moves every earlier moment one
    step nearer the end; under peak-end or weakest-link it can be the peak, the end or the
    worst; so for those every moment is replayed.
    """
    last = len(history.impacts) - 1
    complaints = history.complaints or {}
    found = []
    for j, impacts in enumerate(history.impacts):
        complaint = complaints.get(j)
        for m, impact in enumerate(impacts):
            if linear and impact >= 0.0:
                continue  # removing it cannot bring the customer back (nor its complaint)
            remembered = remember(without(impacts, m, complaint))
            experience = experience_after(history.before[j], remembered, cap)
            for k in range(j + 1, last + 1):
                faded = experience * history.fades[k - 1]
                experience = experience_after(faded, history.remembered[k], cap)
            if comes_back(u, return_probability(baseline, experience)):
                found.append((j, m))
    return found


def blame(
    history: History,
    baseline: float,
    cap: float,
    u: float,
    remember: Remember,
    linear: bool = False,
) -> list[tuple[int, int, float]]:
    """(journey, touchpoint, share) for each decisive moment, shares summing to 1; [] when none."""
    return apportion(history, decisive_moments(history, baseline, cap, u, remember, linear))


def apportion(history: History, decisive: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """(journey, touchpoint, share) for each of the ``decisive`` moments, in equal shares."""
    if not decisive:
        return []
    share = 1.0 / len(decisive)
    return [(j, history.places[j][m], share) for j, m in decisive]


def blame_through(
    history: History, decisive: list[tuple[int, int]]
) -> list[tuple[int, int, float]]:
    """(journey, internal touchpoint, share) for each of the ``decisive`` moments that an
    internal moment behind it made worse: the loss goes through that internal touchpoint."""
    through = history.through
    if not through or not decisive:
        return []
    share = 1.0 / len(decisive)
    return [(j, through[j][m], share) for j, m in decisive if m in through.get(j, {})]


def main_cause(causes: list[tuple[int, int, float]]) -> int | None:
    """The touchpoint most to blame for a loss: the largest share of ``causes`` (journey,
    touchpoint, share), the first touchpoint on a tie; None when there is none."""
    shares: dict[int, float] = {}
    for _, touchpoint, share in causes:
        shares[touchpoint] = shares.get(touchpoint, 0.0) + share
    return max(shares, key=lambda t: (shares[t], -t)) if shares else None
