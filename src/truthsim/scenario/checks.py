"""What a scenario implies before it is simulated: referrals per customer, the memory ceiling.

These are estimates from the scenario's own numbers (base outcome mix, no queues, the segment
baseline), good enough to catch a scenario that would grow without bound or make customers
all but immortal, and to warn when its settings come close.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from truthsim.behaviour.returns import ceiling_cap
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.errors import Problem
from truthsim.scenario.probability import logit, shift_to_log_odds, sigmoid

if TYPE_CHECKING:
    from truthsim.scenario.customers import Segment
    from truthsim.scenario.schema import Scenario
    from truthsim.scenario.touchpoint import Touchpoint

#: a segment whose best customers return with at least this probability earns a warning
NEAR_CERTAIN = 0.98


def moment_odds(tp: Touchpoint) -> tuple[float, float]:
    """(P(misery), P(magic that counts for word of mouth)) of one visit, served without waiting.

    A failure not recovered is a misery; a recovered one ends as the recovered mix, whose magic
    does not make a journey magical (the recovery paradox shows in satisfaction, not in word
    of mouth: de Matos, Henrique & Rossi 2007).
    """
    f, r = tp.failure.rate, tp.failure.recovery
    misery = (
        (1 - f) * tp.outcomes.misery + f * (1 - r) + f * r * tp.failure.recovered_outcomes.misery
    )
    return misery, (1 - f) * tp.outcomes.magic


def magical_journey_probability(scenario: Scenario) -> float:
    """Chance that a journey has no misery and enough magic to be retold, at the base mix."""
    wom = scenario.word_of_mouth
    needed = wom.magic_moments if wom else 1
    # state: magic moments so far (capped at needed) -> probability, all paths without misery
    state = [1.0] + [0.0] * needed
    for step in scenario.journey:
        targets = list(step.choice.items()) if step.choice is not None else [(step.touchpoint, 1.0)]
        visit = step.probability
        new = [(1 - visit) * p for p in state]
        for name, chance in targets:
            misery, magic = moment_odds(scenario.touchpoints[str(name)])
            plain = 1 - misery - magic
            for k, p in enumerate(state):
                weight = visit * chance * p
                new[k] += weight * plain
                new[min(k + 1, needed)] += weight * magic
        state = new
    return state[needed]


def expected_journeys(scenario: Scenario) -> float:
    """Journeys per new customer at the segment baselines, within the horizon (an estimate;
    a baseline that varies between customers is averaged over its Beta distribution)."""
    total = 0.0
    for segment in scenario.segments.values():
        gap = max(segment.days_between_journeys.expected(), 1e-9)
        possible = 1 + scenario.horizon_days / gap
        value = segment.baseline_return
        if isinstance(value, ReturnSpread):
            import numpy as np  # loaded only for a spread (validate starts fast)

            p = value.quantiles(400)
            with np.errstate(divide="ignore"):
                journeys = float(np.minimum(possible, 1.0 / (1.0 - p)).mean())
        else:
            p = float(value)
            journeys = possible if p >= 1.0 else min(possible, 1.0 / (1.0 - p))
        total += segment.share * journeys
    return total


def referrals_per_customer(scenario: Scenario) -> float:
    """Expected referred customers each customer brings (0 without word of mouth)."""
    wom = scenario.word_of_mouth
    if wom is None:
        return 0.0
    per_journey = magical_journey_probability(scenario) * wom.magic_tells * wom.referred_share
    return expected_journeys(scenario) * per_journey


def experience_cap(scenario: Scenario) -> float:
    """The most that accumulated experience can add to a customer's return log-odds."""
    return ceiling_cap(scenario.memory.ceiling, scenario.reference_return)


def market_problems(scenario: Scenario) -> list[Problem]:
    """Word of mouth that feeds on itself needs a finite market to grow into."""
    if scenario.word_of_mouth is None or scenario.arrivals.market_size is not None:
        return []
    referrals = referrals_per_customer(scenario)
    if referrals < 1:
        return []
    return [
        Problem(
            ("arrivals", "market_size"),
            f"each customer brings about {referrals:.2f} referred customers (word of mouth, at "
            "the base outcome mix), so the customer base would grow without bound; set "
            "arrivals.market_size to the number of people the business can reach",
        )
    ]


def memory_problems(scenario: Scenario) -> list[Problem]:
    ceiling = scenario.memory.ceiling
    if ceiling is not None and ceiling <= scenario.reference_return:
        return [
            Problem(
                ("memory", "ceiling"),
                f"the ceiling ({ceiling:g}) must lie above the average customer's return "
                f"probability ({scenario.reference_return:.3g}), or good moments could never help",
            )
        ]
    return []


#: the share of a segment's customers who may become near-certain that earns a warning
NEAR_CERTAIN_SHARE = 0.01


def near_certain_share(segment: Segment, cap: float) -> float:
    """Share of the segment's new customers whose return probability good experience can lift
    to ``NEAR_CERTAIN`` or more (all or none without a spread of baselines)."""
    need = logit(NEAR_CERTAIN) - cap if cap < math.inf else -math.inf  # baseline log-odds
    value = segment.baseline_return
    if not isinstance(value, ReturnSpread):
        return float(logit(float(value)) >= need) if 0 < float(value) < 1 else float(value == 1)
    from scipy import special  # loaded only for a spread (validate starts fast)

    a, b = value.beta_parameters()
    return float(special.betaincc(a, b, sigmoid(need))) if need > -math.inf else 1.0


def _near_certain(name: str, segment: Segment, cap: float) -> list[str]:
    why = (
        "memory has no ceiling (memory.ceiling: null)"
        if cap == math.inf
        else "lower memory.ceiling to keep them mortal"
    )
    best = sigmoid(logit(segment.mean_return) + cap) if cap < math.inf else 1.0
    if best >= NEAR_CERTAIN:
        return [
            f"segment {name}: good experience can lift an average customer's return probability "
            f"to {best:.3f} ({1 / (1 - best):,.0f} journeys on average, if it lasts); {why}"
            if best < 1
            else f"segment {name}: customers can become certain to return; {why}"
        ]
    share = near_certain_share(segment, cap)
    if share < NEAR_CERTAIN_SHARE:
        return []
    return [
        f"segment {name}: {share:.0%} of its customers (their baselines spread, with good "
        f"experience) can reach a return probability of {NEAR_CERTAIN:g} or more (50 journeys "
        f"on average, if it lasts); lower the spread (polarisation) or memory.ceiling"
    ]


def warnings(scenario: Scenario) -> list[str]:
    """Things a valid scenario implies that its author should know."""
    out = []
    referrals = referrals_per_customer(scenario)
    if scenario.word_of_mouth is not None:
        market = scenario.arrivals.market_size
        line = f"word of mouth: about {referrals:.2f} referred customers per customer"
        if referrals > 1:
            line += (
                f" (more than 1: growth feeds on itself until the market of {market:,} people "
                "fills)"
            )
        out.append(line)
    cap = experience_cap(scenario)
    for name, segment in scenario.segments.items():
        out += _near_certain(name, segment, cap)
    if scenario.value.run_off_days is not None:
        out.append(
            "value.run_off_days is no longer used: revenue, cost and customers kept are counted "
            "over the planning period (the horizon); set value.terminal_value to value the "
            "customers active at its end alike"
        )
    for name, tp in scenario.touchpoints.items():
        if tp.abandonment.then != "lost" and (tp.patience is None or tp.unlimited):
            out.append(
                f"touchpoint {name}: abandonment.then: {tp.abandonment.then} has no effect, since "
                "nobody gives up waiting here (no patience, or unlimited servers)"
            )
        shift = tp.failure.recovered_shift
        if tp.failure.rate > 0 and shift is not None:
            ref = scenario.reference_return
            clean = sum(
                p * shift_to_log_odds(getattr(tp.shifts, o), ref)
                for o, p in tp.outcomes.model_dump().items()
            )
            if shift_to_log_odds(shift, ref) > clean:
                out.append(
                    f"touchpoint {name}: a recovered failure (shift {shift:+g}) helps return more "
                    "than a clean moment here does on average: the recovery paradox on "
                    "repurchase, which de Matos et al. (2007) did not find"
                )
    return out
