"""A firm's customers as its data leave them: the base a forecast, or any run, starts from.

Under a scenario (calibrated, or as written) each customer's history gives, through the return
model's own likelihood (:class:`~truthsim.calibration.returns.ReturnModel`, every value held
as the scenario has it), the chance that they are still a customer and, if so, the law of their
own baseline return and rate of coming back. With a customer's return probabilities p_k at
their journeys (from their baseline and the memory of their moments) and rho the predictive
chance that a return after the last journey is not seen yet:

- alive: Q rho / (P + Q rho), P = E[prod_{k<last} p_k (1 - p_last)], Q = E[prod_k p_k], the
  expectations over the segment's baseline law (a customer known to have left is not alive;
  one known to have come back is);
- the baseline given alive: the prior times prod_k p_k, which for a Beta prior and no moments is
  again a Beta (a + n + 1, b) after n returns; else on a grid of the prior's quantiles;
- the rate given alive: the prior times the gaps' density and the chance the next gap is longer
  than the days left, a Gamma (k + x, (k mu + S + R) / mu) for exponential gaps; else on a grid.

Their memory is what the model remembers of their recorded moments, their history the same (so
a loss can be blamed on a moment from before day 0), and their next journey comes after the days
already passed since the last.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from truthsim.calibration.data import CalibrationData
from truthsim.calibration.history import CENSORED, KINDS, LEFT, RETURNED, build_histories
from truthsim.calibration.layout import PLAIN, Layout
from truthsim.calibration.returns import ReturnModel
from truthsim.calibration.rhythm import EXPONENTIAL, GAMMA, written_form, written_values
from truthsim.engine.base import BasePool
from truthsim.engine.firm_base import FirmBase, Law
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.schema import MINUTES_PER_DAY, Scenario

#: points of the grids a posterior law is drawn from where it has no closed form
GRID = 64


def firm_base(data: CalibrationData, scenario: Scenario) -> FirmBase:
    """The firm's customers in ``data`` as ``scenario`` sees them at the end of the data.
    Moments without a recorded outcome are remembered as mediocre (no shift) here, so that every
    customer is in the base with all their journeys."""
    assert data.journeys is not None
    h = build_histories(data.journeys, data.moments, scenario, data.end, unknown_as_mediocre=True)
    model = _held(h, scenario)
    e = model.experience(np.zeros(0)) if h.with_moments else np.zeros(len(h))
    alive, baseline = _baseline_laws(model, e)
    return FirmBase(
        _pool(model, h, e, data),
        alive,
        baseline,
        _rate_laws(model),
        [data.customer_ids[c] for c in h.ids.tolist()],
    )


def _held(h, scenario: Scenario) -> ReturnModel:  # type: ignore[no-untyped-def]
    """The return model with every value as the scenario has it."""
    segments = list(scenario.segments)
    layout = Layout(segments, [PLAIN] * len(segments), [])
    model = ReturnModel(h, scenario, layout, scenario.memory.forgetting_half_life_days)
    for s, name in enumerate(segments):
        written = scenario.segments[name].baseline_return
        beta = written.beta_parameters() if isinstance(written, ReturnSpread) else None
        layout = layout.holding(s, (scenario.segments[name].mean_return, beta))
    model.layout = layout
    return model


def _baseline_laws(model: ReturnModel, e: np.ndarray) -> tuple[np.ndarray, Law]:
    """Each customer's chance of being alive, and their baseline's law given alive."""
    n = model.h.customers
    rho = np.exp(model.rhythm_terms(np.zeros(0))[1])
    end = model.decision[model.last]
    alive = np.zeros(n)
    a_post, b_post = np.ones(n), np.ones(n)
    values = cumulative = None
    if model.h.with_moments:
        values = np.zeros((n, GRID), dtype=np.float32)
        cumulative = np.ones((n, GRID), dtype=np.float32)
    for s, rows in enumerate(model.by_segment):
        if not len(rows):
            continue
        mean, beta = model.layout.held[s]  # type: ignore[misc]
        if values is None:  # no moments: a Beta again (a point mass where customers are alike)
            a, b = beta if beta else (mean * 1e12, (1.0 - mean) * 1e12)
            n_ret = model.returns[rows]
            # P(alive) = Q rho / (P + Q rho) with Q / P = B(a + n + 1, b) / B(a + n, b + 1)
            ratio = (a + n_ret) / b
            alive[rows] = _alive(end[rows], ratio * rho[rows])
            a_post[rows] = a + n_ret + (end[rows] == CENSORED)
            b_post[rows] = b
            continue
        quantiles = (np.arange(GRID) + 0.5) / GRID
        grid = special.betaincinv(*beta, quantiles) if beta else np.full(GRID, mean)
        logits = special.logit(np.clip(grid, 1e-12, 1 - 1e-12))
        before, final = _decisions(model, e, rows, logits)
        stay = before + final  # every p, the last's included: the prior times it, given alive
        go = before + np.log(-np.expm1(np.minimum(final, -1e-300)))
        top = stay.max(axis=1, keepdims=True)
        weights = np.exp(stay - top)
        ratio = weights.sum(axis=1) / np.exp(go - top).sum(axis=1)
        alive[rows] = _alive(end[rows], ratio * rho[rows])
        values[rows] = grid[None, :]
        cumulative[rows] = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    if values is None:
        return alive, Law("beta", a_post, b_post)
    return alive, Law("grid", values, cumulative)


def _alive(end: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """The chance of being alive from the odds Q rho / P of a return not yet seen against a
    loss: 0 for a customer known to have left, 1 for one known to have come back."""
    chance = odds / (1.0 + odds)
    return np.where(end == LEFT, 0.0, np.where(end == RETURNED, 1.0, chance))


def _decisions(
    model: ReturnModel, e: np.ndarray, rows: np.ndarray, logits: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For customers ``rows`` at baseline log-odds ``logits``: log prod of the chances of their
    decisions before the last, and log p at the last (its experience included)."""
    first, last = model.h.first[rows], model.last[rows]
    final = -np.logaddexp(0.0, -(logits[None, :] + e[last][:, None]))
    before = np.zeros((len(rows), len(logits)))
    for k, (lo, hi) in enumerate(zip(first.tolist(), last.tolist(), strict=True)):
        if hi > lo:
            z = logits[None, :] + e[lo:hi, None]
            returned = model.decision[lo:hi] == RETURNED
            before[k] = np.where(
                returned[:, None], -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
            ).sum(axis=0)
    return before, final


def _rate_laws(model: ReturnModel) -> Law:
    """Each customer's rate factor given alive: 1, a Gamma (exponential gaps), or a grid."""
    n = model.h.customers
    shape, rate = np.ones(n), np.ones(n)
    values, cumulative = np.ones((n, GRID)), np.ones((n, GRID))
    kind = "fixed"
    for s, rows in enumerate(model.by_segment):
        written = model.written[s]
        form = written_form(written)
        if not len(rows) or form is None or not form.spread:
            continue
        gaps = model.gaps.take(rows)
        fitted = written_values(written, form)
        k = math.exp(fitted[-1])
        if form.family == EXPONENTIAL:
            mu = math.exp(fitted[0])
            shape[rows] = k + gaps.x
            rate[rows] = (k * mu + gaps.total + gaps.left) / mu
            kind = "gamma" if kind in ("fixed", "gamma") else kind
            continue
        if form.family == GAMMA:  # the conjugate part on a grid, the tail beyond the days left
            kappa, t = math.exp(fitted[0]), math.exp(fitted[1])
            a, b = k + kappa * gaps.x, (k * t + gaps.total) / t
            u = (np.arange(GRID) + 0.5) / GRID
            m = special.gammaincinv(a[:, None], u[None, :]) / b[:, None]
            w = special.gammaincc(kappa, m * gaps.left[:, None] / t)
            values[rows] = m
            cumulative[rows] = np.cumsum(w, axis=1) / np.maximum(
                w.sum(axis=1, keepdims=True), 1e-300
            )
            kind = "grid"
    if kind == "gamma":
        return Law("gamma", shape, rate)
    if kind == "grid":  # exponential segments' Gammas on the grid too
        exp_rows = np.flatnonzero((shape != 1.0) | (rate != 1.0))
        u = (np.arange(GRID) + 0.5) / GRID
        values[exp_rows] = (
            special.gammaincinv(shape[exp_rows, None], u[None, :]) / rate[exp_rows, None]
        )
        cumulative[exp_rows] = (np.arange(GRID) + 1.0) / GRID
        return Law("grid", values, cumulative)
    return Law("fixed", np.ones(n))


def _pool(model: ReturnModel, h, e: np.ndarray, data: CalibrationData) -> BasePool:  # type: ignore[no-untyped-def]
    """The customers' histories, memory and times as a pool (baseline and rhythm drawn later)."""
    n = h.customers
    last = model.last
    end = data.end
    journeys_at = np.r_[h.first, len(h)]
    with_moments = h.with_moments
    flat = model.impacts(np.zeros(0)).ravel() if with_moments else np.zeros(0)
    remembered = (
        model.pattern_memory(flat, model.sensitivity)[h.pattern]
        if with_moments
        else np.zeros(len(h))
    )
    fades = model.fades if with_moments else np.ones(len(h))
    before = np.zeros(len(h))
    previous = h.previous()
    has = previous >= 0
    before[has] = e[previous[has]] * fades[previous[has]]
    moment_at = [0]
    impacts: list[float] = []
    places: list[int] = []
    for p in h.pattern.tolist():
        codes = h.patterns[p][1]
        impacts += [float(flat[c]) * 1.0 for c in codes]
        places += [c // KINDS for c in codes]
        moment_at.append(len(impacts))
    # the engine multiplies a segment's impacts by its sensitivity: histories hold them so
    if with_moments:
        sens = model.sensitivity[h.segment[h.customer]]
        counts = np.diff(np.array(moment_at))
        impacts = (np.array(impacts) * np.repeat(sens, counts)).tolist()
    fade_after = np.where(np.arange(len(h)) == np.repeat(last, np.diff(journeys_at)), np.nan, fades)
    acquired = _first_starts(h, data) - end
    elapsed = h.remaining_days[last] * MINUTES_PER_DAY
    return BasePool(
        segment=h.segment.astype(np.int16),
        baseline=np.zeros(n),
        rhythm=np.ones(n),
        acquired=acquired,
        referred=np.zeros(n, dtype=bool),
        journeys=(h.position[last] + 1).astype(np.int64),
        experience=e[last] if len(last) else np.zeros(0),
        elapsed=elapsed,
        ongoing=np.full(n, np.nan),
        journey_at=journeys_at.astype(np.int64),
        remembered=remembered,
        before=before,
        fades=fade_after,
        moment_at=np.array(moment_at, dtype=np.int64),
        impacts=np.array(impacts, dtype=float),
        places=np.array(places, dtype=np.int16),
        mean_count=float(n),
    )


def _first_starts(h, data: CalibrationData) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each customer's first journey's start (minutes on the data's clock)."""
    j = data.journeys
    assert j is not None
    first = np.full(len(data.customer_ids), np.inf)
    np.minimum.at(first, j.customer, j.start)
    return first[h.ids]
