"""Likelihood-ratio derivatives of customers kept and revenue from one replication's records.

For a lever theta of a touchpoint's outcome rule, d E[Y] / d theta = E[sum over moments m of
score_m * Y] (Glynn 1990; Rubinstein 1989). Used as it stands, Y (a whole business's customers
kept) makes that sum hopelessly noisy, so two standard reductions are applied:

- causality: a moment's outcome cannot change what happened before it, so each moment is
  weighted by what follows it, and by its own customer's future only: whether they are kept at
  the period's end, the discounted revenue of their later journeys;
- word of mouth is carried as its expectation given the journey's tone: a miserable journey
  deters ``tells x share`` prospects, each worth what a new customer arriving then brings
  (estimated from the same replication's new customers, by week); a magical one refers some.

What is left out: a kept customer's load on the queues (a slightly longer wait for others) and
the market's thinning as customers are kept. The finite differences on common random numbers,
which simulate everything, measure how much that matters (``benchmarks/leverage.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from truthsim.behaviour.outcome import MAGIC, MISERY
from truthsim.behaviour.outcome_score import (
    cumulative,
    cumulative_slopes,
    load_push,
    outcome_score,
)
from truthsim.behaviour.word_of_mouth import MAGICAL, MISERABLE, journey_tone
from truthsim.engine import SimulationResult
from truthsim.engine.money import discount
from truthsim.experiments.levers import Lever
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

#: width of the bins in which a new customer's worth is estimated (days)
WORTH_BIN_DAYS = 7.0


def lever_sums(
    scenario: Scenario, result: SimulationResult, chosen: Sequence[Lever], rate: float
) -> np.ndarray:
    """Per lever, the replication's estimate of d(customers kept by segment, discounted revenue
    within the period) per unit of the lever: shape (levers, segments + 1)."""
    segments = len(result.segment_names)
    out = np.zeros((len(chosen), segments + 1))
    moments, journeys, customers = result.moments, result.journeys, result.customers
    if not chosen or not len(moments) or not len(journeys):
        return out
    start = result.warmup_days * MINUTES_PER_DAY
    end = result.horizon_days * MINUTES_PER_DAY
    order = np.argsort(customers["customer"], kind="stable")
    ids = customers["customer"][order]

    def row(who: np.ndarray) -> np.ndarray:
        return order[np.searchsorted(ids, who)]

    kept = (customers["acquired"] <= end) & ~(
        customers["churned"] & (customers["churn_time"] <= end)
    )
    segment = customers["segment"].astype(np.int64)
    # each journey's own worth: money if it ends within the period, and its word of mouth
    jorder = np.lexsort((journeys["journey"], journeys["customer"]))
    js = journeys[jorder]
    ended = js["end"]
    counted = (ended >= start) & (ended < end)
    day = np.floor((ended - start) / MINUTES_PER_DAY)
    money = np.where(counted, js["revenue"] * discount((day + 0.5) * MINUTES_PER_DAY, rate), 0.0)
    complaints = _complaints(scenario, result)
    tone = _tones(scenario, result, js, complaints)
    wom = scenario.word_of_mouth
    deter = refer = np.zeros(len(js))
    delay = 0.0
    if wom is not None:
        resolved = _per_journey(result, js, complaints & (moments["outcome"] != MISERY)) > 0
        told = np.where(resolved, wom.resolved_tells, wom.misery_tells)
        # as the engine: journeys of the base replayed before day 0 tell nobody
        deter = np.where((tone == MISERABLE) & (ended >= 0.0), told * wom.deterred_share, 0.0)
        refer = np.where(tone == MAGICAL, wom.magic_tells * wom.referred_share, 0.0)
        delay = wom.referral_delay_days.expected() * MINUTES_PER_DAY
    crow = row(js["customer"])
    new_worth = _new_customer_worth(
        result, customers, kept, segment, crow, money, (ended, -deter), (ended + delay, refer)
    )
    worth = refer[:, None] * new_worth(ended + delay) - deter[:, None] * new_worth(ended)
    # what follows a moment of journey j: the word of mouth of j and every later journey, the
    # money of every later journey, and whether the customer is kept
    who = js["customer"]
    after_wom = _suffix_sums(who, worth)
    after_money = _suffix_sums(who, money[:, None])[:, 0] - money
    reward = after_wom
    reward[:, segments] += after_money
    reward[np.arange(len(js)), segment[crow]] += kept[crow]
    jkey = journey_key(js)
    patience_of = np.array([s.patience for s in scenario.segments.values()])

    def placed(records: np.ndarray, staff: bool) -> tuple[np.ndarray, ...]:
        """Each record's journey row, whether that journey was decided (moments of journeys
        still under way at the horizon change nothing), its segment and the tolerance factor
        its outcome was drawn with (staff behind the front line: 1)."""
        key = journey_key(records)
        at = np.minimum(np.searchsorted(jkey, key), len(jkey) - 1)
        seg = segment[row(records["customer"])]
        factor = np.ones(len(records)) if staff else patience_of[seg]
        return at, jkey[at] == key, seg, factor

    front = placed(moments, False)
    # an internal moment moves the customer's moment it is behind: weighted as that journey's
    behind = placed(result.internal, True) if result.internal is not None else None
    names = result.touchpoint_names
    for i, lever in enumerate(chosen):
        place = names.index(lever.touchpoint)
        internal = scenario.touchpoints[lever.touchpoint].internal
        records = result.internal if internal else moments
        if records is None or not len(records):
            continue
        at, decided, mseg, patience = behind if internal else front  # type: ignore[misc]
        score = _scores(scenario, lever, records, patience, place, mseg) * decided
        used = score != 0.0
        if not used.any():
            continue
        got = reward[at[used]]
        s = score[used]
        # a control variate: each segment's mean reward (the score has mean zero)
        centre = np.zeros_like(got)
        for k in range(segments):
            mine = mseg[used] == k
            if mine.any():
                centre[mine] = got[mine].mean(axis=0)
        out[i] = (s[:, None] * (got - centre)).sum(axis=0)
    return out


def _scores(
    scenario: Scenario,
    lever: Lever,
    moments: np.ndarray,
    patience: np.ndarray,
    place: int,
    segment: np.ndarray,
) -> np.ndarray:
    """Each moment's score for ``lever`` (zero at other touchpoints and for outcomes the lever
    does not draw: abandonment, an unrecovered failure, a segment with its own outcome mix
    when the lever moves the touchpoint's). ``moments``: the customers' moments, or at an
    internal touchpoint the internal ones (``patience``: each one's tolerance factor)."""
    tp = scenario.touchpoints[lever.touchpoint]
    here = (moments["touchpoint"] == place) & ~moments["abandoned"]
    score = np.zeros(len(moments))
    per_minute = 0.0 if tp.wait.doubling is None else float(np.log(2.0) / tp.wait.doubling)
    rules = [(~moments["failed"], tp.outcomes)]
    if tp.outcomes_by_segment:  # each segment its own mix; the lever moves the shared one
        rules = [
            (~moments["failed"] & (segment == k), tp.outcomes_for(name))
            for k, name in enumerate(scenario.segments)
            if lever.kind == "tolerance" or name not in tp.outcomes_by_segment
        ]
    if lever.kind == "tolerance":  # a recovered failure's outcome waits on the same tolerance
        rules.append((moments["failed"] & moments["recovered"], tp.failure.recovered_outcomes))
    for drawn, shares in rules:
        mask = here & drawn
        if not mask.any():
            continue
        low, high = shares.misery, min(1.0, shares.misery + shares.mediocrity)
        factor = patience[mask]
        tolerated, wait = tp.wait.tolerance * factor, moments["wait"][mask]
        by_load = 0.0  # staff under load push the latent quality down too
        if tp.load is not None:
            by_load = load_push(moments["load"][mask], tp.load.threshold, tp.load.doubling)
        lower, upper, pushed = cumulative(low, high, tolerated, per_minute, wait, by_load)
        d_lower, d_upper = cumulative_slopes(
            lever.kind,  # type: ignore[arg-type]
            low,
            high,
            lower,
            upper,
            pushed,
            per_minute,
            factor,
            beyond=wait > tolerated,
        )
        outcome = moments["outcome"][mask]
        score[mask] = outcome_score(outcome, lower, upper, d_lower, d_upper)
    return score


def journey_key(rows: np.ndarray) -> np.ndarray:
    """One sortable number per (customer, journey) of records that have both."""
    return (rows["customer"].astype(np.int64) << 32) | rows["journey"].astype(np.int64)


def _suffix_sums(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over that row and the later rows of its group (rows
    sorted by group)."""
    total = np.cumsum(values[::-1], axis=0)[::-1]
    last = np.r_[np.flatnonzero(group[1:] != group[:-1]), len(group) - 1]
    group_end = np.searchsorted(last, np.arange(len(group)))  # index into last
    after_group = last[group_end] + 1
    beyond = np.vstack([total, np.zeros((1, values.shape[1]))])[after_group]
    return total - beyond


def _complaints(scenario: Scenario, result: SimulationResult) -> np.ndarray:
    """Which moments are complaints: at the complaints desk and their journey's last moment
    (the engine makes the complaint a journey's last; moments are recorded in journey order)."""
    m = result.moments
    if scenario.complaints is None or not len(m):
        return np.zeros(len(m), dtype=bool)
    desk = result.touchpoint_names.index(scenario.complaints.touchpoint)
    key = journey_key(m)
    order = np.argsort(key, kind="stable")  # each journey's moments together, in their order
    last = np.zeros(len(m), dtype=bool)
    ordered = key[order]
    last[order[np.r_[ordered[1:] != ordered[:-1], True]]] = True
    return last & (m["touchpoint"] == desk)


def _tones(
    scenario: Scenario, result: SimulationResult, js: np.ndarray, complaints: np.ndarray
) -> np.ndarray:
    """Each journey's tone as word of mouth reads it: a recovered failure's magic not retold
    (a complaint's magic is, as the engine counts it)."""
    needed = scenario.word_of_mouth.magic_moments if scenario.word_of_mouth else 0
    m = result.moments
    recovered = (m["outcome"] == MAGIC) & m["recovered"] & ~complaints
    retold = js["magic"] - _per_journey(result, js, recovered)
    tone = np.vectorize(journey_tone, otypes=[np.int64])
    return tone(js["misery"], retold, needed) if len(js) else np.zeros(0, dtype=np.int64)


def _per_journey(result: SimulationResult, js: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How many of the moments in ``mask`` each journey of ``js`` (sorted) had."""
    m = result.moments[mask]
    jkey, mkey = journey_key(js), journey_key(m)
    at = np.searchsorted(jkey, mkey)
    ok = (at < len(jkey)) & (jkey[np.minimum(at, len(jkey) - 1)] == mkey)
    return np.bincount(at[ok], minlength=len(jkey))[: len(jkey)]


def _new_customer_worth(
    result: SimulationResult,
    customers: np.ndarray,
    kept: np.ndarray,
    segment: np.ndarray,
    journey_customer: np.ndarray,
    money: np.ndarray,
    *told: tuple[np.ndarray, np.ndarray],
) -> Callable[[np.ndarray], np.ndarray]:
    """What one more new customer arriving at a time brings, by week: (kept by segment, money),
    their own and, through what they tell others, that of the customers they bring or deter.

    ``told``: (time, people moved: referred +, deterred -) per journey of ``journey_customer``.
    A week's worth is its new customers' own mean plus what their journeys' word of mouth is
    worth in the weeks it lands in: V = A + W V, with W upper triangular (word of mouth lands
    after the journey), solved for V. After the horizon a customer is worth nothing here."""
    segments = len(result.segment_names)
    width = WORTH_BIN_DAYS * MINUTES_PER_DAY
    horizon = result.horizon_days * MINUTES_PER_DAY
    bins = max(1, int(np.ceil(horizon / width)))

    def week(times: np.ndarray) -> np.ndarray:
        """Each time's week; times before day 0 or from the horizon on: the zero row."""
        inside = (times >= 0.0) & (times < horizon)
        return np.where(inside, np.minimum(np.maximum(times, 0.0) // width, bins - 1), bins).astype(
            int
        )

    new = (customers["acquired"] >= 0) & ~customers["referred"]
    at = week(np.maximum(customers["acquired"], 0.0))
    count = np.maximum(np.bincount(at[new], minlength=bins + 1)[:bins], 1).astype(float)
    own = np.zeros((bins + 1, segments + 1))
    for k in range(segments):
        own[:bins, k] = np.bincount(at[new & kept & (segment == k)], minlength=bins + 1)[:bins]
    spent = np.bincount(journey_customer, weights=money, minlength=len(customers))
    own[:bins, segments] = np.bincount(at[new], weights=spent[new], minlength=bins + 1)[:bins]
    own[:bins] /= count[:, None]
    passes = np.zeros((bins + 1, bins + 1))
    mine = new[journey_customer]
    for times, moved in told:
        np.add.at(passes, (at[journey_customer[mine]], week(times[mine])), moved[mine])
    passes[:bins] /= count[:, None]
    passes[bins] = 0.0
    worth = np.linalg.solve(np.eye(bins + 1) - passes, own)

    def lookup(times: np.ndarray) -> np.ndarray:
        return worth[week(times)]

    return lookup
