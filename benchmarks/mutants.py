"""Planted bugs for benchmarks/mutation.py: one exact text replacement each, in src/truthsim/.

The first group are the bugs a review once planted and the suite missed; the rest cover every
module of engine/, behaviour/ and experiments/ with the kinds of slip that change answers: a
flipped comparison, a dropped factor, an off-by-one, the wrong variable, a skipped step.
"""

from __future__ import annotations

from typing import NamedTuple


class Mutant(NamedTuple):
    name: str
    file: str  #: under src/truthsim/
    old: str
    new: str
    what: str


M = Mutant
MUTANTS: list[Mutant] = [
    # -- the bugs of the review ---------------------------------------------------------------
    M("sensitivity_ignored", "engine/model.py",
      "tolerance, sensitivity = segment.patience, segment.sensitivity",
      "tolerance, sensitivity = segment.patience, 1.0",
      "the engine ignores a segment's sensitivity"),
    M("patience_ignored_in_outcomes", "engine/model.py",
      "u[first + OUTCOME], u[first + FAILURE], u[first + RECOVERY], wait, tolerance",
      "u[first + OUTCOME], u[first + FAILURE], u[first + RECOVERY], wait, 1.0",
      "outcome draws ignore a segment's patience"),
    M("half_life_halved", "engine/plan.py",
      "self.half_life_days = memory.forgetting_half_life_days",
      "self.half_life_days = memory.forgetting_half_life_days and memory.forgetting_half_life_days / 2",
      "the plan passes half the forgetting half-life"),
    M("additive_always", "engine/plan.py",
      "memory_model(memory.model, memory.recency_decay)",
      "memory_model('additive', memory.recency_decay)",
      "the engine always uses additive memory"),
    M("never_deters", "engine/model.py",
      "self.pending_deterred += poisson_quantile(plan.deter_mean, u[plan.deterred_slot])",
      "self.pending_deterred += 0",
      "word of mouth never deters"),
    M("recovered_shift_ignored", "engine/model.py",
      "if recovered and tp.recovered_impact is not None:",
      "if False:",
      "a recovered failure's shift is ignored"),
    M("combination_last_only", "experiments/compare.py",
      "    for name in combo:\n        scenario = apply_changes(scenario, scenario.improvements[name].changes)\n    return scenario",
      "    return apply_changes(scenario, scenario.improvements[combo[-1]].changes)",
      "a combination applies only its last improvement"),
    M("checkpoint_skips_one", "experiments/replication.py",
      "flat: list[RunSummary | None] = [store.load(t) if store else None for t in tasks]",
      "flat: list[RunSummary | None] = [store.load(t) if store and k else None for k, t in enumerate(tasks)]",
      "checkpoint loading skips one saved replication"),
    M("checkpoint_loads_none", "experiments/replication.py",
      "flat: list[RunSummary | None] = [store.load(t) if store else None for t in tasks]",
      "flat: list[RunSummary | None] = [None for t in tasks]",
      "checkpoint loading loads nothing"),
]
