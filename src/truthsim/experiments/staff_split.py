"""Where staff load moves outcomes, an extra server helps twice: customers wait less, and the
servers already there are less stretched. A what-if says how much of a staffing improvement's
gain in customers kept comes from each.

The split runs two more variants on the same replications (common random numbers): the
baseline and the improvement with load mattering nowhere the improvement adds servers. Their
difference is the *wait effect*, what the extra servers bring through waits alone; the rest of
the improvement's gain is the *load effect*, relieved staff serving better (with the two
effects' interaction). Both come per replication, so each gets a t interval of its own; they
are not part of the answer's joint family and say so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from truthsim.experiments.replication import run_replications
from truthsim.experiments.stats import estimate
from truthsim.experiments.valuation import objective_values
from truthsim.scenario.patch import apply_changes
from truthsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from truthsim.experiments.comparing import WhatIf


def loaded_staffing(before: Scenario, after: Scenario) -> list[str]:
    """The touchpoints whose servers differ from ``before`` to ``after`` where load moves
    outcomes."""
    return [
        name
        for name, tp in before.touchpoints.items()
        if tp.load is not None and after.touchpoints[name].servers != tp.servers
    ]


def staffing_splits(whatif: WhatIf, confidence: float) -> dict[str, dict[str, Any]]:
    """Per variant that adds servers where load matters: its gain in customers kept, the part
    from waits and the part from load, each with its ``confidence`` interval."""
    pool, scenario = whatif.pool, whatif.scenario
    splits = {}
    baselines: dict[tuple[tuple[str, ...], int], list] = {}
    for k, name in enumerate(pool.names[1:], start=1):
        places = loaded_staffing(scenario, pool.scenarios[k])
        if not places:
            continue
        # the replications it shares with the baseline (a sequential selection may have
        # dropped either one first), as the answer's table pairs them
        n = min(len(pool.runs[k]), len(pool.runs[0]))
        no_load = [(f"touchpoints.{t}.load", None) for t in places]
        improved = apply_changes(pool.scenarios[k], dict(no_load))
        variants = [(improved, f"{name} without load", [*no_load, *pool.changes[k]])]
        shared = (tuple(places), n)  # the baseline without load there, run once for all
        if shared not in baselines:
            base = apply_changes(scenario, dict(no_load))
            label = f"baseline without load at {', '.join(places)}"
            variants.insert(0, (base, label, no_load))
        # the extra runs are neither counted by the answer's progress nor kept as checkpoints
        quiet = replace(pool.execution, progress=None, checkpoints=None)
        runs = run_replications(
            [v[0] for v in variants],
            pool.root,
            range(n),
            quiet,
            labels=[v[1] for v in variants],
            uncertainty=pool.uncertainty,
            changes=[v[2] for v in variants],
            base_of=scenario,
        )
        baselines.setdefault(shared, runs[0])
        value = pool.valuation()
        kept = [
            objective_values(r, "customers", 0.0, value)
            for r in (pool.runs[0][:n], pool.runs[k][:n], baselines[shared], runs[-1])
        ]
        total = kept[1] - kept[0]
        wait = kept[3] - kept[2]
        splits[name] = {
            "touchpoints": places,
            "replications": n,
            "total": estimate(total, confidence).to_dict(),
            "wait": estimate(wait, confidence).to_dict(),
            "load": estimate(total - wait, confidence).to_dict(),
        }
    return splits
