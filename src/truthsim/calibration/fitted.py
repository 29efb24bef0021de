"""The calibrated scenario: the fitted values written into the scenario, and what it cannot hold
kept out of it (a value without an interval, part of a group whose other part the data do not
bound, a most likely value the schema refuses), each with its reason."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from truthsim.calibration.estimates import FitResult, Unidentified
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.explain import explain_all
from truthsim.scenario.schema import Scenario
from truthsim.scenario.touchpoint import OUTCOMES


def without_interval(fit: FitResult) -> None:
    """Move every value whose estimate or interval is not a number to the unidentified: an
    estimate is only ever reported with an interval that means something."""
    unfit(
        fit,
        {
            p.path: "its 95% interval could not be computed from these data "
            f"({p.method}); kept as the scenario has it"
            for p in fit.fitted
            # an unbounded upper end is an answer ('never', for a wait's doubling); NaN is not
            if not (math.isfinite(p.estimate) and math.isfinite(p.low) and not math.isnan(p.high))
        },
    )


def whole_groups(fit: FitResult) -> None:
    """A value written as part of a group (a baseline's mean and polarisation, an outcome mix,
    a distribution's parameters) is kept as the scenario has it when another part of its group
    is: the group is written whole."""
    partial = {_group(u.path): u.path for u in fit.unidentified if _group(u.path) != u.path}
    unfit(
        fit,
        {
            p.path: f"kept as the scenario has it with {partial[_group(p.path)]}, which these "
            "data do not bound (they are written together)"
            for p in fit.fitted
            if _group(p.path) in partial
        },
    )


def unfit(fit: FitResult, reasons: dict[str, str]) -> None:
    """Move the fitted values at these paths to the unidentified, with their reasons, and out
    of the draws. A value written as a group (an outcome mix, a distribution, a baseline's
    spread) goes with its whole group: the scenario keeps the group as it has it."""
    groups = {_group(path): why for path, why in reasons.items()}
    kept = []
    for p in fit.fitted:
        why = groups.get(_group(p.path))
        if why is None:
            kept.append(p)
        else:
            fit.unidentified.append(Unidentified(p.path, why))
    dropped = {p.path for p in fit.fitted} - {p.path for p in kept}
    fit.fitted = kept
    for draws in fit.draws:
        draws.targets = [t for t in draws.targets if not dropped.intersection(t[2])]
    fit.draws = [d for d in fit.draws if d.targets]


def _group(path: str) -> str:
    """The path a value is written under as part of a whole (its group), or itself."""
    parts = path.split(".")
    if len(parts) > 2 and parts[-2] in (
        "outcomes",
        "service",
        "baseline_return",
        "days_between_journeys",
    ):
        return ".".join(parts[:-1])
    return path


def fitted_scenario(scenario: Scenario, fit: FitResult) -> Scenario:
    """The scenario with the fitted values. A value whose most likely value the scenario cannot
    hold (beyond a limit of the schema, or making another value invalid) is a fit problem, not
    a problem of the scenario: it is kept as the scenario has it, with the reason."""
    while True:
        try:
            return apply_fit(scenario, fit)
        except ScenarioError as error:
            reasons = _behind(error.problems, fit)
            if not reasons:
                from truthsim.errors import DataError

                raise DataError(
                    "the values fitted from these data do not make a valid scenario:\n"
                    + "\n".join(p.render() for p in error.problems)
                ) from None
            fit.notes.append(
                "some most likely values lie where the scenario cannot go; they are kept as "
                "the scenario has them (see 'not identified')"
            )
            unfit(fit, reasons)


def _behind(problems: list[Problem], fit: FitResult) -> dict[str, str]:
    """Which fitted values each problem of the fitted scenario comes from, with the reason: the
    values at (or under) its place, or the baselines where it is the average customer's return
    probability that left its range."""
    reasons: dict[str, str] = {}
    for problem in problems:
        place = problem.dotted()
        found = [
            p
            for p in fit.fitted
            if p.path == place or p.path.startswith(place + ".") or place.startswith(p.path + ".")
        ]
        if not found and "average customer's return probability" in problem.message:
            found = [p for p in fit.fitted if ".baseline_return" in p.path]
        for p in found:
            reasons[p.path] = (
                f"its most likely value ({p.estimate:.4g}) would not make a valid scenario "
                f"({place}: {problem.message}); kept as the scenario has it"
            )
    return reasons


def changes_of(scenario: Scenario, fit: FitResult, outcomes_only: bool = False) -> dict[str, Any]:
    """The fitted values as changes by dotted path (outcome shares and distributions whole)."""
    changes: dict[str, Any] = {}
    by_path = {p.path: float(p.estimate) for p in fit.fitted}
    unfitted = {_group(u.path) for u in fit.unidentified}
    if outcomes_only:
        return {
            path: value
            for path, value in changes_of(scenario, fit).items()
            if path.endswith(".outcomes")
        }
    for path, value in by_path.items():
        parts = path.split(".")
        if parts[-1] in OUTCOMES and parts[-2] == "outcomes":
            continue
        if len(parts) == 4 and parts[2] == "service":
            continue
        if (
            parts[-1] in ("mean", "polarisation", "churn_alpha", "churn_beta")
            and parts[-2] == "baseline_return"
        ):
            continue
        if parts[-2] == "days_between_journeys":
            continue  # written whole, below
        changes[path] = round(value, 6)
    for name in scenario.touchpoints:
        here = f"touchpoints.{name}.outcomes"
        if f"{here}.misery" in by_path:
            misery = round(by_path[f"{here}.misery"], 5)
            magic = round(by_path[f"{here}.magic"], 5)
            changes[here] = {
                "misery": misery,
                "mediocrity": round(1 - misery - magic, 5),
                "magic": magic,
            }
        kind = fit.diagnostics.get(f"touchpoints.{name}.service.kind")
        if kind and f"touchpoints.{name}.service" not in unfitted:
            params = {
                "exponential": ("mean",),
                "gamma": ("shape", "scale"),
                "lognormal": ("mean", "sd"),
            }[kind]
            changes[f"touchpoints.{name}.service"] = {
                "kind": kind,
                **{p: round(by_path[f"touchpoints.{name}.service.{p}"], 6) for p in params},
            }
    for name in scenario.segments:
        here = f"segments.{name}.days_between_journeys"
        kind = fit.diagnostics.get(f"{here}.kind")
        if kind and here not in unfitted:
            fields = [p.rsplit(".", 1)[1] for p in by_path if p.startswith(here + ".")]
            changes[here] = {"kind": kind, **{f: round(by_path[f"{here}.{f}"], 6) for f in fields}}
        here = f"segments.{name}.baseline_return"
        for pair in (("mean", "polarisation"), ("churn_alpha", "churn_beta")):
            if all(f"{here}.{p}" in by_path for p in pair):
                changes[here] = {p: round(by_path[f"{here}.{p}"], 6) for p in pair}
    if "hourly_profile" in fit.diagnostics:
        changes["arrivals.hourly_profile"] = fit.diagnostics["hourly_profile"]
    return changes


def apply_fit(scenario: Scenario, fit: FitResult, outcomes_only: bool = False) -> Scenario:
    return set_values(scenario, changes_of(scenario, fit, outcomes_only))


def set_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with each dotted path set to a plain value (a number, list or mapping)."""
    data = scenario.model_dump()
    for path, value in values.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(explain_all(error.errors())) from None
