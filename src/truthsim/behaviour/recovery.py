"""What a moment does to a customer's return: each outcome's impact on the log-odds, clean and
after a recovered failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.scenario.probability import shift_to_log_odds

if TYPE_CHECKING:
    from truthsim.scenario.touchpoint import Touchpoint

Impacts = tuple[float, float, float]


def moment_impacts(tp: Touchpoint, reference: float) -> tuple[Impacts, Impacts]:
    """(clean, recovered) impact of each outcome at ``tp``: its shift, quoted for a customer
    at ``reference``, as log-odds, times the moment's importance (before a segment's
    sensitivity)."""
    shifts = (tp.shifts.misery, tp.shifts.mediocrity, tp.shifts.magic)
    clean = tuple(tp.importance * shift_to_log_odds(x, reference) for x in shifts)
    recovered = recovered_impacts(
        clean, tp.outcomes.as_tuple(), tp.failure.recovered_shift, tp.importance, reference
    )
    return clean, recovered  # type: ignore[return-value]


def recovered_impacts(
    impact: tuple[float, ...],
    base: tuple[float, float, float],
    shift: float | None,
    importance: float,
    reference: float,
) -> tuple[float, float, float]:
    """What a recovered failure does to return, per outcome it ends in.

    A scenario's own ``recovered_shift`` counts as written. By default a recovered failure
    counts like a clean moment of the same outcome, but never more than a clean moment here
    brings on average: the recovery paradox lifts satisfaction, not repurchase (de Matos,
    Henrique & Rossi 2007), so failing and recovering can never beat not failing.
    """
    if shift is not None:
        return (importance * shift_to_log_odds(shift, reference),) * 3  # type: ignore[return-value]
    clean = sum(p * i for p, i in zip(base, impact, strict=True))
    return tuple(min(i, clean) for i in impact)  # type: ignore[return-value]
