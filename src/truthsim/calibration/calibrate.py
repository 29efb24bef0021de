"""From a scenario and a folder of data to a calibrated scenario with intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from truthsim.calibration.cohort import fit_cohort
from truthsim.calibration.data import CalibrationData, read_data
from truthsim.calibration.estimates import FitResult, Fitted, Unidentified
from truthsim.calibration.history import build_histories
from truthsim.calibration.layout import MEAN, PLAIN, SBG
from truthsim.calibration.operations import fit_arrivals, fit_services, fit_values
from truthsim.calibration.outcomes import fit_outcomes
from truthsim.calibration.return_fit import fit_returns
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.errors import Problem, ScenarioError
from truthsim.scenario.explain import explain
from truthsim.scenario.loader import load_scenario
from truthsim.scenario.model import Scenario
from truthsim.scenario.touchpoint import OUTCOMES

#: what calibrate never estimates, and why (reported, never silently kept)
KEPT = {
    "touchpoints.*.importance": "multiplies the shifts: only importance x shift is identified, "
    "so importance is kept and the shifts are fitted given it",
    "segments.*.sensitivity": "multiplies every shift of a segment alike; kept as written",
    "memory.model": "the scenario's memory model is the one fitted under",
    "memory.ceiling": "kept as written: the data rarely reach it",
    "touchpoints.*.patience": "kept as written",
    "touchpoints.*.failure": "kept as written (failed moments are left out of the outcome mix)",
    "word_of_mouth": "kept as written",
}


@dataclass
class Calibration:
    """A calibrated scenario, the fitted parameters with intervals, and what could not be fitted."""

    source: Scenario
    scenario: Scenario
    fit: FitResult
    data: CalibrationData
    files: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> list[Fitted]:
        return self.fit.fitted

    @property
    def unidentified(self) -> list[Unidentified]:
        return self.fit.unidentified

    def parameter(self, path: str) -> Fitted:
        for p in self.fit.fitted:
            if p.path == path:
                return p
        raise KeyError(path)

    def to_dict(self) -> dict[str, Any]:
        """calibration.json: parameters, what was not identified, draws and diagnostics."""
        return {
            "scenario": self.source.name,
            "data": {"folder": str(self.data.folder), "files": self.files},
            "parameters": [p.to_dict() for p in self.fit.fitted],
            "unidentified": [u.to_dict() for u in self.fit.unidentified],
            "kept": [{"path": p, "reason": r} for p, r in KEPT.items()],
            "draws": [d.to_dict() for d in self.fit.draws],
            "diagnostics": self.fit.diagnostics,
            "notes": self.fit.notes,
        }

    def __repr__(self) -> str:
        return (
            f"<Calibration {self.source.name!r}: {len(self.fit.fitted)} parameters fitted, "
            f"{len(self.fit.unidentified)} not identified, from {', '.join(self.files)}>"
        )


def require_statsmodels() -> None:
    """Calibration's regression models and Hessians come from statsmodels (an extra)."""
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        from truthsim.errors import ExperimentError

        raise ExperimentError(
            "calibration needs statsmodels: pip install 'truthsim[calibration]'"
        ) from None


def spread_forms(scenario: Scenario, spread: bool | None = None) -> list[str | None]:
    """How each segment's baseline return is fitted: as the scenario writes it (``spread``
    None: one number stays one number, {mean, polarisation} and {churn_alpha, churn_beta} keep
    their form), with a spread for every segment (True: {mean, polarisation} where the scenario
    has one number), or as one number everywhere (False)."""
    forms: list[str | None] = []
    for segment in scenario.segments.values():
        written = segment.baseline_return
        if isinstance(written, ReturnSpread):
            form: str | None = SBG if written.churn_alpha is not None else MEAN
        else:
            form = PLAIN
        if spread is True and form is PLAIN:
            form = MEAN
        forms.append(PLAIN if spread is False else form)
    return forms


def calibrate(
    scenario: Scenario | str | Path,
    data: str | Path,
    *,
    half_life: bool = True,
    spread: bool | None = None,
    rhythm: bool = True,
    keep_same_day: bool = False,
) -> Calibration:
    """Fit ``scenario``'s behavioural numbers to the data files in the folder ``data``.

    ``half_life`` fits the forgetting half-life with the shifts. ``spread`` says how
    baseline return may vary between a segment's customers (a Beta): None follows the scenario
    (a segment written with a spread gets its spread fitted, one number stays one number),
    True fits a spread for every segment, False none. ``rhythm`` fits the days between
    journeys (their family by AIC among exponential, gamma and lognormal, their scale, and how
    customers differ in how often they come) jointly with the returns. A transaction log's
    same-day purchases are one journey unless ``keep_same_day``; its amounts give each
    segment's value per journey. Each segment gets a
    likelihood-ratio test of whether its customers differ (diagnostics 'heterogeneity').
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    found = read_data(data, loaded, keep_same_day=keep_same_day)
    return calibrate_data(loaded, found, half_life=half_life, spread=spread, rhythm=rhythm)


def calibrate_data(
    loaded: Scenario,
    found: CalibrationData,
    *,
    half_life: bool = True,
    spread: bool | None = None,
    rhythm: bool = True,
) -> Calibration:
    """:func:`calibrate` on data already read (a forecast fits on part of them)."""
    require_statsmodels()
    forms = spread_forms(loaded, spread)
    fit = FitResult(notes=list(found.notes))
    segments = list(loaded.segments)
    if found.moments is not None:
        fit.extend(fit_outcomes(found.moments, _patience(found, loaded), loaded))
        fit.extend(fit_services(found.moments, loaded))
    with_journeys: set[int] = set()
    if found.journeys is not None:
        # the return model needs the outcome mixes (a recovered failure counts at most as much
        # as a clean moment does on average): the fitted ones where there are
        staged = apply_fit(loaded, fit, outcomes_only=True)
        histories = build_histories(found.journeys, found.moments, staged, found.end)
        with_journeys = set(histories.segment.tolist())
        fit.extend(fit_returns(histories, staged, forms, half_life, rhythm, found.journeys_file))
    if found.cohort is not None:
        segment = found.cohort.segment if found.cohort.segment is not None else 0
        cohort_fit = fit_cohort(found.cohort, segments[segment], forms[segment])
        if segment in with_journeys:
            fit.notes.append(
                f"cohort.csv: segment {segments[segment]} is fitted from journeys.csv; the "
                "cohort's own fit is in the diagnostics only"
            )
            fit.diagnostics["cohort_fit"] = [p.to_dict() for p in cohort_fit.fitted]
            fit.diagnostics["cohort_heterogeneity"] = cohort_fit.diagnostics.pop(
                "heterogeneity", []
            )
            fit.diagnostics.update(cohort_fit.diagnostics)
        else:
            fit.extend(cohort_fit)
    if found.arrivals is not None:
        fit.extend(fit_arrivals(found.arrivals, loaded))
    fit.extend(fit_values(found, loaded))
    without_interval(fit)
    whole_groups(fit)
    calibrated = fitted_scenario(loaded, fit)
    return Calibration(loaded, calibrated, fit, found, found.files())


def _patience(found: CalibrationData, scenario: Scenario) -> np.ndarray:
    """Each moment's segment patience (it scales the wait tolerance): from its journey, or the
    only segment; 1 where a moment's journey is not in journeys.csv and segments differ."""
    moments = found.moments
    assert moments is not None
    values = np.array([s.patience for s in scenario.segments.values()])
    if len(values) == 1:
        return np.full(len(moments), values[0])
    out = np.ones(len(moments))
    if found.journeys is None:
        found.notes.append(
            "moments.csv without journeys.csv: waits are read with patience 1 for every segment"
        )
        return out
    j = found.journeys
    segment_of = dict(
        zip((j.customer * (1 << 32) + j.journey).tolist(), j.segment.tolist(), strict=True)
    )
    keys = (moments.customer * (1 << 32) + moments.journey).tolist()
    for i, k in enumerate(keys):
        s = segment_of.get(k)
        if s is not None:
            out[i] = values[s]
    return out


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
        raise ScenarioError([explain(e) for e in error.errors()]) from None
