"""The engine's return model as a likelihood: shifts, baselines and their spread from histories.

For a customer of segment s, journey k's moments give impacts importance x shift (log-odds) x
sensitivity; the scenario's memory model (:func:`truthsim.behaviour.memory_model`, the very
function the engine calls) turns them into the remembered shift; experience is
``min(experience x fade + remembered, cap)`` with the fade of
:func:`truthsim.behaviour.fade` and the cap of :func:`truthsim.scenario.checks.experience_cap`;
the customer returns with probability ``sigmoid(logit(baseline) + experience)``. A last journey
whose return was not seen contributes ``1 - p + p x P(gap > days left)``. With a spread, each
customer's baseline is a Beta draw, integrated out by quadrature on its quantiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import special, stats

from truthsim.behaviour.memory import fade, memory_model
from truthsim.calibration.history import CENSORED, KINDS, LEFT, RETURNED, Histories, survival
from truthsim.engine.plan import recovered_impacts
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.model import Scenario
from truthsim.scenario.probability import logit
from truthsim.scenario.touchpoint import OUTCOMES

#: quadrature nodes over a customer's baseline when it varies within the segment
NODES = 24
_U, _W = np.polynomial.legendre.leggauss(NODES)
QUANTILES, WEIGHTS = (_U + 1) / 2, _W / 2


@dataclass(frozen=True)
class Layout:
    """Which numbers the parameter vector holds, in order."""

    segments: list[str]
    spread: list[bool]  #: per segment: baseline varies (mean and polarisation) or not
    shifts: list[tuple[int, int]]  #: (touchpoint, outcome) pairs whose shift is estimated

    def size(self) -> int:
        return sum(2 if s else 1 for s in self.spread) + len(self.shifts)

    def baseline_slots(self) -> list[tuple[int, ...]]:
        out, k = [], 0
        for varies in self.spread:
            out.append((k, k + 1) if varies else (k,))
            k += 2 if varies else 1
        return out


class ReturnModel:
    """Log-likelihood of the observed return decisions as a function of the parameters."""

    def __init__(
        self, histories: Histories, scenario: Scenario, layout: Layout, half_life: float | None
    ) -> None:
        self.h = histories
        self.scenario = scenario
        self.layout = layout
        self.touchpoints = scenario.touchpoint_order()
        self.remember = memory_model(scenario.memory.model, scenario.memory.recency_decay)
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
        self.bounds = np.r_[histories.first, len(histories)]

    def set_half_life(self, half_life: float | None) -> None:
        """Memory fading between journeys: the factor after each journey (1 after the last)."""
        self.half_life = half_life
        gaps = self.h.gap_days
        self.fades = np.array(
            [1.0 if math.isnan(g) else fade(1.0, g, half_life) for g in gaps.tolist()]
        )

    # -- the scenario's numbers for a parameter vector ------------------------------------

    def baselines(self, theta: np.ndarray) -> list[tuple[float, float | None]]:
        """Per segment (mean baseline return, polarisation or None)."""
        out = []
        for slots in self.layout.baseline_slots():
            mean = float(special.expit(theta[slots[0]]))
            out.append((mean, float(special.expit(theta[slots[1]])) if len(slots) == 2 else None))
        return out

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
                table[t, o] = logit(ref + getattr(shifts, outcome)) - logit(ref)
        start = sum(2 if s else 1 for s in self.layout.spread)
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
        view = SimpleNamespace(memory=self.scenario.memory, reference_return=self.reference(theta))
        return experience_cap(view)  # type: ignore[arg-type]

    # -- the likelihood ------------------------------------------------------------------------

    def experience(self, theta: np.ndarray) -> np.ndarray:
        """Per journey, the experience its return decision is made with."""
        flat = self.impacts(theta).ravel()
        remembered = np.array(
            [
                self.remember([flat[c] * self.sensitivity[s] for c in codes])
                for s, codes in self.h.patterns
            ]
        )
        journey = remembered[self.h.pattern]
        cap = self.cap(theta)
        e = np.zeros(len(self.h))
        for k, idx in enumerate(self.by_position):
            carried = 0.0 if k == 0 else e[self.previous[idx]] * self.fades[self.previous[idx]]
            e[idx] = np.minimum(carried + journey[idx], cap)
        return e

    def loglike(self, theta: np.ndarray) -> float:
        return float(self.per_customer(theta).sum())

    def per_customer(self, theta: np.ndarray) -> np.ndarray:
        """Each customer's log-likelihood (baselines integrated out where they vary)."""
        e = self.experience(theta)
        baselines = self.baselines(theta)
        total = np.zeros(self.h.customers)
        for s, (mean, polarisation) in enumerate(baselines):
            here = self.journey_segment == s
            if not here.any():
                continue
            cust = self.h.customer[here]
            if polarisation is None:
                ll = self._journey_loglike(logit(mean) + e[here], here)
                total += np.bincount(cust, weights=ll, minlength=self.h.customers)
                continue
            a, b = beta_shape(mean, polarisation)
            nodes = special.logit(np.clip(stats.beta.ppf(QUANTILES, a, b), 1e-12, 1 - 1e-12))
            by_node = np.stack(
                [
                    np.bincount(
                        cust,
                        weights=self._journey_loglike(q + e[here], here),
                        minlength=self.h.customers,
                    )
                    for q in nodes
                ],
                axis=1,
            )
            members = np.bincount(cust, minlength=self.h.customers) > 0
            mixed = special.logsumexp(by_node, axis=1, b=WEIGHTS)
            total += np.where(members, mixed, 0.0)
        return total

    def _journey_loglike(self, logits: np.ndarray, here: np.ndarray) -> np.ndarray:
        decision = self.decision[here]
        log_p = -np.logaddexp(0.0, -logits)
        log_q = -np.logaddexp(0.0, logits)
        p = np.exp(log_p)
        censored = np.log(np.maximum(1.0 - p + p * self.censor_survival[here], 1e-300))
        return np.select(
            [decision == RETURNED, decision == LEFT, decision == CENSORED],
            [log_p, log_q, censored],
        )


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
