"""The engine's return model as a likelihood: shifts, baselines and their spread from histories.

For a customer of segment s, journey k's moments give impacts importance x shift (log-odds) x
sensitivity; the scenario's memory model (:func:`truthsim.behaviour.memory_model`, the engine's
function, in the array form of :mod:`truthsim.calibration.pattern_memory`) turns them into the
remembered shift; experience is ``min(experience x fade + remembered, cap)`` with the fade of
:func:`truthsim.behaviour.fade` and the cap of :func:`truthsim.scenario.checks.experience_cap`;
the customer returns with probability ``sigmoid(logit(baseline) + experience)``. A last journey
whose return was not seen contributes ``1 - p + p x P(gap > days left)``. Where a segment's
baseline varies between customers (a Beta, drawn once per customer as the engine does), each
customer's likelihood is integrated over it by Gauss-Jacobi quadrature: without moments that
matter a history's likelihood is a polynomial in the baseline, which the rule integrates
exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
from scipy import linalg, special

from truthsim.behaviour.memory import fade
from truthsim.calibration.history import CENSORED, KINDS, LEFT, RETURNED, Histories, survival
from truthsim.calibration.pattern_memory import PatternMemory
from truthsim.engine.plan import recovered_impacts
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.model import Scenario
from truthsim.scenario.probability import logit
from truthsim.scenario.touchpoint import OUTCOMES

#: quadrature nodes over a customer's baseline when it varies within the segment
NODES = 20
#: how a segment's baseline is written: one number, {mean, polarisation}, {churn_alpha, churn_beta}
PLAIN, MEAN, SBG = None, "mean", "sbg"
#: bounds of the fitting scale: logit mean, logit polarisation, log churn alpha and beta (the
#: schema's Beta parameters stay within 0.001..10,000)
BOUND = 12.0
POLARISATION_BOUNDS = (-9.0, 6.0)
SBG_BOUNDS = (math.log(1.01e-3), math.log(0.99e4))
#: bounds of the log forgetting half-life in days: a day to about 270 years (never, in effect)
HALF_LIFE_BOUNDS = (0.0, math.log(1e5))


#: a segment's baseline as the scenario has it, held out of the fit: (mean, Beta (a, b) or None)
Held = tuple[float, tuple[float, float] | None]


@dataclass(frozen=True)
class Layout:
    """Which numbers the parameter vector holds, in order."""

    segments: list[str]
    spread: list[str | None]  #: per segment: PLAIN, MEAN or SBG (how its baseline varies)
    shifts: list[tuple[int, int]]  #: (touchpoint, outcome) pairs whose shift is estimated
    half_life: bool = False  #: whether the last slot is the log forgetting half-life (days)
    #: per segment, its baseline held as the scenario has it (no slots), or None: fitted
    held: tuple[Held | None, ...] = ()

    def is_held(self, segment: int) -> bool:
        return segment < len(self.held) and self.held[segment] is not None

    def width(self, segment: int) -> int:
        """Slots of a segment's baseline: none when held, two with a spread, else one."""
        return 0 if self.is_held(segment) else 2 if self.spread[segment] else 1

    def shift_start(self) -> int:
        """The first shift's slot (the baselines' slots come before)."""
        return sum(self.width(s) for s in range(len(self.spread)))

    def size(self) -> int:
        return self.shift_start() + len(self.shifts) + self.half_life

    def baseline_slots(self) -> list[tuple[int, ...]]:
        out, k = [], 0
        for s in range(len(self.spread)):
            width = self.width(s)
            out.append(tuple(range(k, k + width)))
            k += width
        return out

    def bounds(self) -> list[tuple[float, float]]:
        """Each slot's bounds on its fitting scale."""
        out: list[tuple[float, float]] = []
        for s, form in enumerate(self.spread):
            if self.is_held(s):
                continue
            if form == SBG:
                out += [SBG_BOUNDS, SBG_BOUNDS]
            elif form == MEAN:
                out += [(-BOUND, BOUND), POLARISATION_BOUNDS]
            else:
                out.append((-BOUND, BOUND))
        out += [(-BOUND, BOUND)] * len(self.shifts)
        return out + ([HALF_LIFE_BOUNDS] if self.half_life else [])

    def holding(self, segment: int, value: Held) -> Layout:
        """This layout with a segment's baseline held at ``value``."""
        held = list(self.held) + [None] * (len(self.spread) - len(self.held))
        held[segment] = value
        return replace(self, held=tuple(held))

    def with_spread(self, segment: int, form: str | None) -> Layout:
        spread = list(self.spread)
        spread[segment] = form
        return replace(self, spread=spread)


def beta_of(form: str | None, values: Sequence[float]) -> tuple[float, tuple[float, float] | None]:
    """(mean baseline return, Beta (a, b) of the baseline or None) from a segment's slots."""
    if form == SBG:
        alpha, beta = math.exp(values[0]), math.exp(values[1])  # churn ~ Beta(alpha, beta)
        return beta / (alpha + beta), (beta, alpha)
    mean = float(special.expit(values[0]))
    if form == MEAN:
        return mean, beta_shape(mean, float(special.expit(values[1])))
    return mean, None


def at_no_spread(form: str | None, values: Sequence[float]) -> bool:
    """Whether a segment's fitted spread sits at its bound of 'customers alike'."""
    if form == MEAN:
        return values[1] <= POLARISATION_BOUNDS[0] + 0.05
    if form == SBG:
        return max(values[0], values[1]) >= SBG_BOUNDS[1] - 0.05
    return False


def beta_nodes(a: float, b: float, n: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes and weights for the Beta(a, b) distribution on (0, 1).

    The Golub-Welsch eigenvalue method on the Jacobi polynomials' three-term recurrence, with
    weights normalised to sum to 1 (scipy's ``roots_jacobi`` overflows in its weights' scale
    once a + b passes about 1,000, and the scale cancels here anyway).
    """
    al, be = b - 1.0, a - 1.0  # weight (1 - x)^al (1 + x)^be on (-1, 1), x = 2p - 1
    k = np.arange(n, dtype=float)
    s = 2.0 * k + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = np.where(
            k == 0, (be - al) / (al + be + 2.0), (be * be - al * al) / (s * (s + 2.0))
        )
    j = k[1:]
    t = 2.0 * j + al + be
    # (j + al + be) / (t - 1) is 1 at j = 1 (t - 1 is then j + al + be itself): taken so, it
    # stays defined where a + b = 1 makes both 0
    ratio = np.ones_like(j)
    ratio[1:] = (j[1:] + al + be) / (t[1:] - 1.0)
    off = np.sqrt(4.0 * j * (j + al) * (j + be) * ratio / (t * t * (t + 1.0)))
    x, vectors = linalg.eigh_tridiagonal(diagonal, off)
    weights = vectors[0] ** 2
    return np.clip((x + 1.0) / 2.0, 1e-300, np.nextafter(1.0, 0.0)), weights / weights.sum()


class ReturnModel:
    """Log-likelihood of the observed return decisions as a function of the parameters."""

    def __init__(
        self, histories: Histories, scenario: Scenario, layout: Layout, half_life: float | None
    ) -> None:
        self.h = histories
        self.scenario = scenario
        self.layout = layout
        self.touchpoints = scenario.touchpoint_order()
        self.pattern_memory = PatternMemory(
            histories.patterns, scenario.memory.model, scenario.memory.recency_decay
        )
        self.previous = histories.previous()
        self.by_position = (
            [
                np.flatnonzero(histories.position == k)
                for k in range(int(histories.position.max()) + 1)
            ]
            if len(histories)
            else []
        )
        self.set_half_life(half_life)
        segments = list(scenario.segments)
        journey_segment = histories.segment[histories.customer]
        self.sensitivity = np.array([scenario.segments[s].sensitivity for s in segments])
        self.censor_survival = np.ones(len(histories))
        for i, name in enumerate(segments):
            days, surv = survival(scenario, name)
            here = (journey_segment == i) & (histories.decision == CENSORED)
            self.censor_survival[here] = np.interp(histories.remaining_days[here], days, surv)
        self.decision = histories.decision
        self.journey_segment = journey_segment
        #: per segment: its journeys (in customer order), its customers, and where each
        #: customer's journeys start among them (None for a segment without journeys)
        self.groups: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
        for i in range(len(segments)):
            rows = np.flatnonzero(journey_segment == i)
            if len(rows) == 0:
                self.groups.append(None)
                continue
            cust = histories.customer[rows]
            starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
            self.groups.append((rows, cust[starts], starts))

    def set_half_life(self, half_life: float | None) -> None:
        """Memory fading between journeys when the half-life is not fitted: the factor after
        each journey (1 after the last)."""
        self.half_life = half_life
        self.fades = self._fades(half_life)

    def _fades(self, half_life: float | None) -> np.ndarray:
        gaps = np.nan_to_num(self.h.gap_days, nan=0.0)
        return np.array([fade(1.0, g, half_life) for g in gaps.tolist()])

    def fades_at(self, theta: np.ndarray) -> np.ndarray:
        """The fades for ``theta``: from its half-life slot where the half-life is fitted."""
        if not self.layout.half_life:
            return self.fades
        return 0.5 ** (np.nan_to_num(self.h.gap_days, nan=0.0) / math.exp(theta[-1]))

    # -- the scenario's numbers for a parameter vector ------------------------------------

    def baselines(self, theta: np.ndarray) -> list[tuple[float, tuple[float, float] | None]]:
        """Per segment (mean baseline return, Beta (a, b) of the baseline or None)."""
        layout = self.layout
        return [
            layout.held[s]  # type: ignore[misc]
            if layout.is_held(s)
            else beta_of(form, [float(theta[k]) for k in slots])
            for s, (form, slots) in enumerate(
                zip(layout.spread, layout.baseline_slots(), strict=True)
            )
        ]

    def reference(self, theta: np.ndarray) -> float:
        fixed = self.scenario.memory.reference_return
        if fixed is not None:
            return fixed
        shares = [s.share for s in self.scenario.segments.values()]
        return sum(w * m for w, (m, _) in zip(shares, self.baselines(theta), strict=True))

    def log_odds(self, theta: np.ndarray) -> np.ndarray:
        """Per touchpoint and outcome, the shift on the log-odds scale (before importance)."""
        ref = self.reference(theta)
        table = np.zeros((len(self.touchpoints), 3))
        for t, name in enumerate(self.touchpoints):
            shifts = self.scenario.touchpoints[name].shifts
            for o, outcome in enumerate(OUTCOMES):
                # kept strictly inside (0, 1) should the search pass where a fixed shift would
                # not be a probability (such a reference is never the maximum: the scenario
                # would not be valid)
                moved = min(max(ref + getattr(shifts, outcome), 1e-9), 1 - 1e-9)
                table[t, o] = logit(moved) - logit(ref)
        start = self.layout.shift_start()
        for k, (t, o) in enumerate(self.layout.shifts):
            table[t, o] = theta[start + k]
        return table

    def impacts(self, theta: np.ndarray) -> np.ndarray:
        """Per touchpoint, the six impacts of the engine (clean and recovered outcomes)."""
        ref = self.reference(theta)
        table = self.log_odds(theta)
        out = np.zeros((len(self.touchpoints), KINDS))
        for t, name in enumerate(self.touchpoints):
            tp = self.scenario.touchpoints[name]
            clean = tuple(tp.importance * float(x) for x in table[t])
            out[t, :3] = clean
            out[t, 3:] = recovered_impacts(
                clean, tp.outcomes.as_tuple(), tp.failure.recovered_shift, tp.importance, ref
            )
        return out

    def cap(self, theta: np.ndarray) -> float:
        """The memory ceiling's cap on experience. Where the reference return passes the
        ceiling (a scenario its validation refuses) the cap would turn negative and pin every
        customer at the ceiling, whatever the baselines: the likelihood would go flat there and
        a search that strays past it could not find its way back. So it is held at 0 there,
        and the likelihood keeps depending on the baselines (a maximum past the ceiling is then
        reported as a fit problem; see return_fit)."""
        view = SimpleNamespace(memory=self.scenario.memory, reference_return=self.reference(theta))
        return max(experience_cap(view), 0.0)  # type: ignore[arg-type]

    # -- the likelihood ------------------------------------------------------------------------

    def experience(self, theta: np.ndarray) -> np.ndarray:
        """Per journey, the experience its return decision is made with."""
        flat = self.impacts(theta).ravel()
        journey = self.pattern_memory(flat, self.sensitivity)[self.h.pattern]
        cap = self.cap(theta)
        fades = self.fades_at(theta)
        e = np.zeros(len(self.h))
        for k, idx in enumerate(self.by_position):
            carried = 0.0 if k == 0 else e[self.previous[idx]] * fades[self.previous[idx]]
            e[idx] = np.minimum(carried + journey[idx], cap)
        return e

    def loglike(self, theta: np.ndarray) -> float:
        return float(self.per_customer(theta).sum())

    def per_customer(self, theta: np.ndarray) -> np.ndarray:
        """Each customer's log-likelihood (baselines integrated out where they vary)."""
        e = self.experience(theta)
        total = np.zeros(self.h.customers)
        for group, (mean, beta) in zip(self.groups, self.baselines(theta), strict=True):
            if group is None:
                continue
            rows, customers, starts = group
            if beta is None:
                ll = self._journey_loglike(logit(mean) + e[rows], rows)
                total[customers] += np.add.reduceat(ll, starts)
                continue
            p, weights = beta_nodes(*beta)
            with np.errstate(divide="ignore"):
                nodes = special.logit(p)
            ll = self._journey_loglike(e[rows][:, None] + nodes[None, :], rows)
            by_node = np.add.reduceat(ll, starts, axis=0)
            top = by_node.max(axis=1)
            total[customers] += top + np.log(np.exp(by_node - top[:, None]) @ weights)
        return total

    def _journey_loglike(self, logits: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each journey's log-likelihood of its decision at the given return log-odds (one row
        per journey, any number of columns: the quadrature nodes)."""
        decision = self.decision[rows]
        out = np.empty_like(logits)
        returned, left, censored = (
            (decision == RETURNED),
            (decision == LEFT),
            (decision == CENSORED),
        )
        out[returned] = -np.logaddexp(0.0, -logits[returned])
        out[left] = -np.logaddexp(0.0, logits[left])
        p = special.expit(logits[censored])
        unseen = 1.0 - self.censor_survival[rows][censored]
        if p.ndim == 2:
            unseen = unseen[:, None]
        out[censored] = np.log(np.maximum(1.0 - p * unseen, 1e-300))
        return out


def beta_shape(mean: float, polarisation: float) -> tuple[float, float]:
    """Beta (a, b) with the given mean and polarisation 1 / (a + b + 1)."""
    total = 1.0 / polarisation - 1.0
    return mean * total, (1.0 - mean) * total


def shift_from_log_odds(delta: float, reference: float) -> float:
    """The change in an average customer's return probability a log-odds shift means."""
    return float(special.expit(logit(reference) + delta)) - reference


def shifts_to_estimate(
    histories: Histories, touchpoints: Sequence[str]
) -> tuple[list[tuple[int, int]], dict[str, str]]:
    """Which (touchpoint, outcome) shifts the data can identify, and why the others cannot be.

    Mediocrity is the reference outcome: a touchpoint every journey visits adds its
    mediocrity shift to every journey alike, which the baseline absorbs.
    """
    seen = np.zeros((len(touchpoints), KINDS), dtype=int)
    for _, codes in histories.patterns:
        for c in codes:
            seen[c // KINDS, c % KINDS] += 1
    chosen, why = [], {}
    for t, name in enumerate(touchpoints):
        why[f"touchpoints.{name}.shifts.mediocrity"] = (
            "the reference outcome: a mediocre moment is 'not going to get you more business', "
            "and with it free the baseline and the shifts could not be told apart; kept as the "
            "scenario has it"
        )
        for o in (0, 2):
            if seen[t, o] > 0:
                chosen.append((t, o))
            else:
                why[f"touchpoints.{name}.shifts.{OUTCOMES[o]}"] = (
                    f"no {OUTCOMES[o]} at {name} among the customers whose moments are known"
                )
    return chosen, why
