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
from types import SimpleNamespace

import numpy as np
from scipy import special

from truthsim.behaviour.memory import fade
from truthsim.behaviour.recovery import recovered_impacts
from truthsim.behaviour.returns import experience_after_all, return_probabilities
from truthsim.calibration.history import CENSORED, KINDS, LEFT, RETURNED, Histories
from truthsim.calibration.layout import Layout, beta_nodes, beta_of
from truthsim.calibration.pattern_memory import PatternMemory
from truthsim.calibration.rhythm import Gaps, rhythm_terms
from truthsim.scenario.checks import experience_cap
from truthsim.scenario.probability import logit
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES


class ReturnModel:
    """Log-likelihood of the observed return decisions and gaps as a function of the
    parameters. Without moments (every experience 0) each customer's part is a closed form of
    their counts: a baseline p returns n times with p^n, a Beta baseline with Beta functions."""

    def __init__(
        self, histories: Histories, scenario: Scenario, layout: Layout, half_life: float | None
    ) -> None:
        self.h = histories
        self.scenario = scenario
        self.layout = layout
        self.touchpoints = scenario.touchpoint_order()
        segments = list(scenario.segments)
        self.written = [scenario.segments[s].days_between_journeys for s in segments]
        journey_segment = histories.segment[histories.customer]
        self.decision = histories.decision
        self.journey_segment = journey_segment
        # per customer: the gaps seen, the last decision, and whether it was a return whose
        # journey is not in the data: known because it began by the end of the data (a journey
        # under way), so its gap was at most the days left
        n = histories.customers
        last = np.r_[histories.first[1:] - 1, len(histories) - 1] if n else np.zeros(0, int)
        seen = np.isfinite(histories.gap_days)
        self.gaps = Gaps.of(
            histories.customer[seen], histories.gap_days[seen], histories.remaining_days[last], n
        )
        self.last = last
        self.open = (self.decision[last] == RETURNED) & ~seen[last]
        self.by_segment = [np.flatnonzero(histories.segment == i) for i in range(len(segments))]
        self._written_terms: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._last_rhythm: tuple[object, tuple[np.ndarray, np.ndarray]] | None = None
        self.sensitivity = np.array([scenario.segments[s].sensitivity for s in segments])
        if not histories.with_moments:  # the counts are all it takes (see per_customer)
            self.returns = np.bincount(
                histories.customer, weights=self.decision == RETURNED, minlength=n
            )
            self.half_life = half_life
            return
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
            e[idx] = experience_after_all(carried, journey[idx], cap)
        return e

    def loglike(self, theta: np.ndarray) -> float:
        return float(self.per_customer(theta).sum())

    def rhythm_terms(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per customer, log G0 and log rho of their segment's rhythm (see calibration.rhythm),
        kept for the last rhythm asked for (a search moving other values asks again and again
        for the same; a rhythm kept as written is the same for every parameter vector)."""
        slots = self.layout.rhythm_slots()
        key = (self.layout.rhythm, theta[[k for s in slots for k in s]].tobytes())
        if self._last_rhythm is not None and self._last_rhythm[0] == key:
            return self._last_rhythm[1]
        terms = self._rhythm_terms(theta, slots)
        self._last_rhythm = (key, terms)
        return terms

    def _rhythm_terms(
        self, theta: np.ndarray, slots: list[tuple[int, ...]]
    ) -> tuple[np.ndarray, np.ndarray]:
        log_g0 = np.zeros(self.h.customers)
        log_rho = np.zeros(self.h.customers)
        for s, rows in enumerate(self.by_segment):
            if not len(rows):
                continue
            form = self.layout.rhythm_of(s)
            if form is None:
                if s not in self._written_terms:
                    terms = rhythm_terms(None, np.zeros(0), self.written[s], self.gaps.take(rows))
                    self._written_terms[s] = terms
                log_g0[rows], log_rho[rows] = self._written_terms[s]
                continue
            values = theta[list(slots[s])]
            log_g0[rows], log_rho[rows] = rhythm_terms(
                form, values, self.written[s], self.gaps.take(rows)
            )
        return log_g0, log_rho

    def per_customer(self, theta: np.ndarray) -> np.ndarray:
        """Each customer's log-likelihood (baselines integrated out where they vary)."""
        log_g0, log_rho = self.rhythm_terms(theta)
        came = np.log(np.maximum(-np.expm1(log_rho), 1e-300))  # shorter than the days left
        total = log_g0 + np.where(self.open, came, 0.0)
        if not self.h.with_moments:
            return total + self._counted(theta, log_rho)
        unseen = -np.expm1(log_rho)[self.h.customer]  # the return would have been seen
        e = self.experience(theta)
        for group, (mean, beta) in zip(self.groups, self.baselines(theta), strict=True):
            if group is None:
                continue
            rows, customers, starts = group
            if beta is None:
                ll = self._journey_loglike(logit(mean) + e[rows], rows, unseen)
                total[customers] += np.add.reduceat(ll, starts)
                continue
            p, weights = beta_nodes(*beta)
            with np.errstate(divide="ignore"):
                nodes = special.logit(p)
            ll = self._journey_loglike(e[rows][:, None] + nodes[None, :], rows, unseen)
            by_node = np.add.reduceat(ll, starts, axis=0)
            top = by_node.max(axis=1)
            total[customers] += top + np.log(np.exp(by_node - top[:, None]) @ weights)
        return total

    def _counted(self, theta: np.ndarray, log_rho: np.ndarray) -> np.ndarray:
        """Without moments: each customer's decisions from their count of returns n and how
        their last decision stands (left; a return seen through, or not yet; not known)."""
        out = np.zeros(self.h.customers)
        last = self.decision[self.last]
        for rows, (mean, beta) in zip(self.by_segment, self.baselines(theta), strict=True):
            if not len(rows):
                continue
            n, end, rho = self.returns[rows], last[rows], log_rho[rows]
            if beta is None:  # p^n, then 1 - p (left) or 1 - p (1 - rho) (not known yet)
                log_p, log_q = math.log(mean), math.log1p(-mean)
                with np.errstate(divide="ignore"):
                    unseen = np.log(-np.expm1(rho))
                censored = np.log(np.maximum(-np.expm1(log_p + unseen), 1e-300))
                ll = n * log_p + np.where(
                    end == LEFT, log_q, np.where(end == CENSORED, censored, 0.0)
                )
            else:  # the same integrated over the Beta: ratios of Beta functions, taken once
                a, b = beta  # per distinct count (a few hundred among millions of customers)
                counts, which = np.unique(n, return_inverse=True)
                goes = special.betaln(a + counts, b + 1)[which]  # n returns, then left
                stays = special.betaln(a + counts + 1, b)[which]  # then a return not seen yet
                came = special.betaln(a + counts, b)[which]  # the last, a return seen
                censored = np.logaddexp(goes, stays + rho)
                ll = np.where(end == LEFT, goes, np.where(end == CENSORED, censored, came))
                ll -= special.betaln(a, b)
            out[rows] = ll
        return out

    def _journey_loglike(
        self, logits: np.ndarray, rows: np.ndarray, unseen_all: np.ndarray
    ) -> np.ndarray:
        """Each journey's log-likelihood of its decision at the given return log-odds (one row
        per journey, any number of columns: the quadrature nodes); ``unseen_all``: per
        journey, the chance that a return after it would have been seen by now."""
        decision = self.decision[rows]
        out = np.empty_like(logits)
        returned, left, censored = (
            (decision == RETURNED),
            (decision == LEFT),
            (decision == CENSORED),
        )
        out[returned] = -np.logaddexp(0.0, -logits[returned])
        out[left] = -np.logaddexp(0.0, logits[left])
        p = return_probabilities(logits[censored])
        unseen = unseen_all[rows][censored]
        if p.ndim == 2:
            unseen = unseen[:, None]
        out[censored] = np.log(np.maximum(1.0 - p * unseen, 1e-300))
        return out


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
