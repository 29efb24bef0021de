"""Why a customer left: the moments without which they would have come back.

A customer's return decision compares one known uniform number with the return probability
their memory gives. A moment *caused* a churn when, with that moment removed from its journey
(same memory model, same fading and saturation, same uniform number), the customer would have
returned. Several moments can each be decisive alone; the churn is then split equally between
them. When no single moment is decisive (the customer would have left anyway, or only several
moments together tipped it), the loss has no moment to blame.
"""

from __future__ import annotations

from truthsim.behaviour.memory import Remember
from truthsim.scenario.probability import sigmoid


class History:
    """What one customer's memory is made of, journey by journey, for replaying it."""

    __slots__ = ("before", "fades", "impacts", "places", "remembered")

    def __init__(self) -> None:  # one per customer: plain lists, no dataclass factories
        self.impacts: list[tuple[float, ...]] = []  #: each moment, per journey
        self.places: list[tuple[int, ...]] = []  #: each moment's touchpoint
        self.remembered: list[float] = []  #: the journey as remembered
        self.before: list[float] = []  #: experience as each journey began
        self.fades: list[float] = []  #: factor on the experience after it

    def add(
        self, impacts: tuple[float, ...], places: tuple[int, ...], remembered: float, before: float
    ) -> None:
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
    found = []
    for j, impacts in enumerate(history.impacts):
        for m, impact in enumerate(impacts):
            if linear and impact >= 0.0:
                continue  # removing it cannot bring the customer back
            without = remember(impacts[:m] + impacts[m + 1 :])
            experience = min(history.before[j] + without, cap)
            for k in range(j + 1, last + 1):
                experience = min(experience * history.fades[k - 1] + history.remembered[k], cap)
            if u < sigmoid(baseline + experience):
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
    decisive = decisive_moments(history, baseline, cap, u, remember, linear)
    if not decisive:
        return []
    share = 1.0 / len(decisive)
    return [(j, history.places[j][m], share) for j, m in decisive]
