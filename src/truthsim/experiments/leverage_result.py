"""A leverage map's results: one row per lever, the leaders it names, and the words for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from truthsim.experiments.levers import Lever
from truthsim.experiments.stats import Estimate
from truthsim.experiments.tables import records_to_pandas, rows_to_records

if TYPE_CHECKING:
    import pandas as pd

#: what each claimed kind's leader is called in the answer
LEADER_WORDS = {
    "magic": "10 points more magic keeps the most customers (queues held as they are) at",
    "misery": "10 points less misery keeps the most customers (queues held as they are) at",
    "servers": "one more server all day keeps the most customers at",
}


@dataclass
class LeverRow:
    """One lever's figures per its unit (see ``lever.per``)."""

    lever: Lever
    method: str  #: "score" (likelihood ratio) or "difference" (common random numbers)
    kept: Estimate  #: customers active at the period's end
    value: Estimate  #: discounted revenue of the planning period (terminal value included)
    by_segment: list[float]  #: kept, mean per segment
    per_year: float  #: discounted years of the period: a yearly cost times this is its cost
    values: np.ndarray = field(repr=False)  #: kept per replication
    money_values: np.ndarray = field(repr=False)  #: value per replication
    replications: int = 0
    #: with a check: the finite difference over the step, the derivative at the step's far
    #: end, the difference minus the mean of the two derivatives (zero if they agree), and
    #: the derivative's change over the step (zero if the figure is a straight line that far)
    difference: Estimate | None = None
    at_step: Estimate | None = None
    agreement: Estimate | None = None
    curvature: Estimate | None = None

    def linear_words(self) -> str:
        """How far the figure holds as a straight line, as far as this run measured."""
        step = self.lever.step_words()
        if self.method == "difference":
            return f"mean over {step}"
        if self.curvature is None or self.at_step is None:
            return "slope at today's values"
        if not self.curvature.excludes_zero:
            return f"straight to {step}"
        return f"curves: {self.at_step.mean:+,.0f} at {step}"

    @property
    def difference_share(self) -> float | None:
        """With a check: the finite difference (everything simulated, the queues' and the
        market's answer to the customers kept included) as a share of the mean derivative
        over the step (which holds them as they are); None without a check or a derivative."""
        if self.difference is None or self.at_step is None:
            return None
        mean = (self.kept.mean + self.at_step.mean) / 2
        return self.difference.mean / mean if mean else None

    @property
    def break_even(self) -> float:
        """The most one could pay a year for the lever's unit and still gain value (the mean)."""
        return self.value.mean / self.per_year

    def to_dict(self, segments: list[str]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "lever": self.lever.name,
            "touchpoint": self.lever.touchpoint,
            "label": self.lever.label,
            "kind": self.lever.kind,
            "per": self.lever.per,
            "method": self.method,
            "replications": self.replications,
            "step": self.lever.step,
            "linear_range": self.linear_words(),
            "kept": self.kept.mean,
            "kept_low": self.kept.low,
            "kept_high": self.kept.high,
            "kept_se": self.kept.se,
            "value": self.value.mean,
            "value_low": self.value.low,
            "value_high": self.value.high,
            "break_even_per_year": self.break_even,
            "break_even_per_year_low": self.value.low / self.per_year,
            "break_even_per_year_high": self.value.high / self.per_year,
        }
        row.update({f"kept_{s}": v for s, v in zip(segments, self.by_segment, strict=True)})
        if self.difference is not None and self.agreement and self.curvature and self.at_step:
            row.update(
                {
                    "difference_kept": self.difference.mean,
                    "difference_kept_low": self.difference.low,
                    "difference_kept_high": self.difference.high,
                    "derivative_at_step": self.at_step.mean,
                    "difference_share": self.difference_share,
                    "agrees": not self.agreement.excludes_zero,
                    "straight": not self.curvature.excludes_zero,
                }
            )
        return row


@dataclass
class Claim:
    """The leader of one kind of lever, and the others it cannot be told apart from."""

    kind: str
    leader: str
    close: list[str]  #: touchpoints whose figure is not surely below the leader's
    confidence: float

    def words(self, labels: dict[str, str]) -> str:
        where = labels[self.leader]
        if not self.close:
            return (
                f"{LEADER_WORDS[self.kind]} {where}: more than at any other touchpoint with "
                "this lever, at "
                f"{self.confidence:.0%} confidence jointly with every figure of the map."
            )
        others = ", ".join(labels[c] for c in self.close)
        return (
            f"{LEADER_WORDS[self.kind]} {where} as estimated, but it cannot be told apart from "
            f"{others} at {self.confidence:.0%} joint confidence (more replications would tell)."
        )

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "leader": self.leader, "close": self.close}


@dataclass(repr=False)
class LeverageResult:
    """The leverage map: every lever, most customers kept first."""

    scenario_name: str
    seed: int
    replications: int
    difference_replications: int
    confidence: float
    horizon_days: float
    currency: str
    segment_names: list[str]
    rows: list[LeverRow]
    claims: list[Claim]
    skipped: dict[str, str]
    baseline: list[dict[str, Any]]  #: per touchpoint: visits, outcome mix, churn caused
    journey_order: list[str]
    planning_years: float
    discount_rate: float

    method = "leverage"

    @property
    def labels(self) -> dict[str, str]:
        return {r["touchpoint"]: str(r["label"]) for r in self.baseline}

    def row(self, name: str) -> LeverRow:
        """The row of lever ``name`` (``touchpoint.kind``)."""
        for r in self.rows:
            if r.lever.name == name:
                return r
        raise KeyError(f"no lever '{name}'; levers: {', '.join(r.lever.name for r in self.rows)}")

    def summary(self) -> list[dict[str, Any]]:
        return [r.to_dict(self.segment_names) for r in self.rows]

    def answer(self) -> str:
        """The leaders in words, each true at the stated joint confidence."""
        labels = self.labels
        return " ".join(c.words(labels) for c in self.claims) or "No lever could be compared."

    def improvement(self, name: str | None = None) -> str:
        """The improvement that writes lever ``name`` (default: the top one) into a scenario."""
        row = self.row(name) if name else self.rows[0]
        return row.lever.improvement()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "method": "leverage",
            "seed": self.seed,
            "replications": self.replications,
            "difference_replications": self.difference_replications,
            "confidence": self.confidence,
            "joint": "every interval and every leader named hold jointly (Bonferroni)",
            "horizon_days": self.horizon_days,
            "currency": self.currency,
            "planning_years": self.planning_years,
            "discount_rate": self.discount_rate,
            "answer": self.answer(),
            "claims": [c.to_dict() for c in self.claims],
            "levers": [
                {**row, "improvement": r.lever.improvement()}
                for row, r in zip(self.summary(), self.rows, strict=True)
            ],
            "touchpoints": self.baseline,
            "journey_order": self.journey_order,
            "skipped": self.skipped,
        }

    def to_records(self) -> np.ndarray:
        """One row per lever: its name and every number of :meth:`summary`."""
        return rows_to_records(self.summary(), "lever")

    def to_pandas(self) -> pd.DataFrame:
        """The map as a DataFrame (needs pandas)."""
        return records_to_pandas(self.summary(), categories=("lever", "touchpoint", "kind"))

    def __repr__(self) -> str:
        top = f"; top: {self.rows[0].lever.name}" if self.rows else ""
        return (
            f"<LeverageResult {self.scenario_name!r}: {len(self.rows)} levers, "
            f"{self.replications} replications{top}>"
        )

    def _repr_html_(self) -> str:
        from truthsim.display import html_table

        return html_table(
            f"{self.scenario_name}: leverage map (customers kept per lever)",
            ["touchpoint", "lever", "customers kept", f"value ({self.currency})"],
            [
                [r.lever.label, r.lever.per, _interval(r.kept), _interval(r.value, 0)]
                for r in self.rows
            ],
        )


def _interval(e: Estimate, digits: int = 1) -> str:
    return f"{e.mean:+,.{digits}f} ({e.low:+,.{digits}f}..{e.high:+,.{digits}f})"
