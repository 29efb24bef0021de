"""What a scenario implies for a year of a segment's customers, before it is simulated.

A customer decides at the end of every journey whether to come back, so the per-journey return
probability compounds over the journeys of a year: 0.85 a journey is 0.85^12 = 14% a year for
a customer who travels monthly. These estimates, from the scenario's numbers alone, let an
author compare a segment with published yearly retention before running anything.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from truthsim.behaviour.memory import fade
from truthsim.behaviour.recovery import moment_impacts
from truthsim.behaviour.returns import experience_after, return_probability
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.probability import logit

if TYPE_CHECKING:
    from truthsim.scenario.customers import Segment
    from truthsim.scenario.schema import Scenario

#: quadrature points over a spread of baselines (its Beta distribution's quantiles)
POINTS = 200


def journeys_a_year(segment: Segment) -> float:
    """Journeys in a year after the first: 365 over the mean days between journeys."""
    return 365.0 / max(segment.days_between_journeys.expected(), 1e-9)


def journey_impact(scenario: Scenario, segment: str | None = None) -> float:
    """The log-odds an average journey adds to memory at the outcome mix, served without
    waiting: each visit's expected impact (importance x the shift of each outcome; a recovered
    failure as the engine counts it), weighted by the chance the journey visits it. Exact in
    expectation for additive memory, an estimate for the others."""
    reference = scenario.reference_return
    total = 0.0
    for step in scenario.journey:
        if segment is not None and step.segments is not None and segment not in step.segments:
            continue
        targets = list(step.choice.items()) if step.choice is not None else [(step.touchpoint, 1.0)]
        for name, chance in targets:
            tp = scenario.touchpoints[str(name)]
            clean, recovered = moment_impacts(tp, reference)
            base = (tp.outcomes if segment is None else tp.outcomes_for(segment)).as_tuple()
            f, r = tp.failure.rate, tp.failure.recovery
            after = tp.failure.recovered_outcomes.as_tuple()
            impact = (
                (1 - f) * sum(p * x for p, x in zip(base, clean, strict=True))
                + f * (1 - r) * clean[0]  # a failure not recovered is a misery
                + f * r * sum(p * x for p, x in zip(after, recovered, strict=True))
            )
            total += step.probability * float(chance) * impact
    return total


def _baselines(segment: Segment) -> list[float]:
    value = segment.baseline_return
    if not isinstance(value, ReturnSpread):
        return [float(value)]
    return [float(p) for p in value.quantiles(POINTS)]


def yearly_retention(scenario: Scenario, name: str, at_mix: bool) -> float:
    """Share of segment ``name``'s new customers still customers a year on (an estimate).

    A customer still a customer a year after their first journey has returned after it and
    after each of the N journeys of that year. N is taken as Poisson with mean n = 365 / the
    mean days between journeys (exact for exponential days), or for fixed days as floor(n) or
    floor(n) + 1 in the proportions that give mean n; with ``rate_shape`` each customer's n is
    scaled by their own Gamma rate factor. Without ``at_mix`` every decision is at the baseline
    p (so ``p exp(-n (1 - p))`` for Poisson N); with it each journey adds the average journey's
    impact to memory (see :func:`journey_impact`, times the segment's sensitivity), which
    fades by the memory's half-life over the mean days between journeys and saturates at the
    ceiling, and the k-th decision is taken at that experience.
    """
    segment = scenario.segments[name]
    n = journeys_a_year(segment)
    rhythm = segment.days_between_journeys
    step = journey_impact(scenario, name) * segment.sensitivity if at_mix else 0.0
    cap = experience_cap(scenario)
    fading = fade(1.0, rhythm.expected(), scenario.memory.forgetting_half_life_days)
    factors = [1.0]
    if rhythm.rate_shape is not None:
        from scipy import special

        r = rhythm.rate_shape
        factors = [float(special.gammaincinv(r, (i + 0.5) / 50)) / r for i in range(50)]
    baselines = _baselines(segment)
    total = 0.0
    for p in baselines:
        for x in factors:
            total += _kept(p, n * x, step, cap, fading, rhythm.kind == "fixed")
    return total / (len(baselines) * len(factors))


def _kept(p: float, n: float, step: float, cap: float, fading: float, fixed: bool) -> float:
    """Chance of returning after the first journey and each of N more, N ~ Poisson(n) (or n),
    experience growing by ``step`` a journey and fading by ``fading`` between journeys."""
    if p >= 1.0 or p <= 0.0:
        return float(p >= 1.0)
    if fixed:
        weights = {int(n): 1.0 - (n - int(n)), int(n) + 1: n - int(n)}
    else:
        top = int(n + 10.0 * math.sqrt(n) + 10.0)
        weights = {k: math.exp(k * math.log(n) - n - math.lgamma(k + 1)) if n > 0 else float(k == 0)
                   for k in range(top + 1)}  # fmt: skip
    total, stay, experience = 0.0, 1.0, 0.0
    base = logit(p)
    for k in range(max(weights) + 1):
        experience = experience_after(
            experience * fading, step, cap
        )  # as the (k+1)-th journey ends
        stay *= return_probability(base, experience)
        total += weights.get(k, 0.0) * stay
    return total


def retention_lines(scenario: Scenario) -> list[str]:
    """Each segment's implied yearly retention, in words, for ``validate``."""
    return [
        f"{name}: about {yearly_retention(scenario, name, False):.0%} a year with no memorable "
        f"moment, {yearly_retention(scenario, name, True):.0%} at the outcome mix "
        f"({journeys_a_year(seg):.1f} journeys a year at {seg.mean_return:.0%} each)"
        for name, seg in scenario.segments.items()
    ]


def retention_warnings(scenario: Scenario) -> list[str]:
    """Yearly retention no business has: near none or near all, or a segment more loyal per
    journey that keeps fewer customers a year than a less loyal one."""
    out = []
    kept = {n: yearly_retention(scenario, n, True) for n in scenario.segments}
    plain = {n: yearly_retention(scenario, n, False) for n in scenario.segments}
    for name, share in kept.items():
        if share < 0.02 or share > 0.98:
            out.append(
                f"segment {name}: about {share:.0%} of its customers would still be customers a "
                "year on; published yearly retention rarely lies outside 2%..98% (check "
                "baseline_return against the journeys a year)"
            )
    segments = scenario.segments
    for a, sa in segments.items():
        for b, sb in segments.items():
            if sa.mean_return > sb.mean_return and plain[a] < plain[b] - 0.01:
                out.append(
                    f"segment {a} returns more often per journey ({sa.mean_return:.0%} against "
                    f"{sb.mean_return:.0%}) but keeps fewer customers a year with no memorable "
                    f"moment ({plain[a]:.0%} against {plain[b]:.0%}): it has {journeys_a_year(sa):.0f} decisions a year "
                    f"to {b}'s {journeys_a_year(sb):.0f}; raise its baseline_return if it is the "
                    "more loyal"
                )
    return out
