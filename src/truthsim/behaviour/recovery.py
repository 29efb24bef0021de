"""What a recovered failure does to a customer's return."""

from __future__ import annotations

from truthsim.scenario.probability import shift_to_log_odds


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
