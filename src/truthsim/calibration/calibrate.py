"""From a scenario and a folder of data to a calibrated scenario with intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from truthsim.calibration.cohort import fit_cohort
from truthsim.calibration.data import CalibrationData, read_data
from truthsim.calibration.estimates import FitResult, Fitted, Unidentified
from truthsim.calibration.fitted import apply_fit, fitted_scenario, whole_groups, without_interval
from truthsim.calibration.history import build_histories
from truthsim.calibration.layout import MEAN, PLAIN, SBG
from truthsim.calibration.operations import fit_arrivals, fit_services, fit_values
from truthsim.calibration.outcomes import fit_outcomes
from truthsim.calibration.return_fit import fit_returns
from truthsim.scenario.customers import ReturnSpread
from truthsim.scenario.loader import load_scenario
from truthsim.scenario.schema import Scenario

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


def refuse_internal(scenario: Scenario, done: str) -> None:
    """Internal touchpoints are not fitted yet: a firm's moment records do not say how much of
    a front-line wait or service was the agent's time behind the counter, so the front-line
    touchpoints' fits would count the internal touchpoint twice."""
    backed = [name for name, tp in scenario.touchpoints.items() if tp.needs or tp.internal]
    if backed:
        from truthsim.errors import ExperimentError

        raise ExperimentError(
            f"a scenario with internal touchpoints cannot be {done} yet ({', '.join(backed)} "
            "need or are internal touchpoints: their records would mix the agent's time behind "
            "the counter into the customer's); remove internal and needs to do it for the rest, "
            "then add them back"
        )


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
    load_threshold: bool = False,
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
    Where a touchpoint's servers serve worse under load, its load's doubling is fitted with its
    outcome mix, and its threshold too (by profile likelihood) with ``load_threshold``.
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    found = read_data(data, loaded, keep_same_day=keep_same_day)
    return calibrate_data(
        loaded,
        found,
        half_life=half_life,
        spread=spread,
        rhythm=rhythm,
        load_threshold=load_threshold,
    )


def calibrate_data(
    loaded: Scenario,
    found: CalibrationData,
    *,
    half_life: bool = True,
    spread: bool | None = None,
    rhythm: bool = True,
    load_threshold: bool = False,
) -> Calibration:
    """:func:`calibrate` on data already read (a forecast fits on part of them)."""
    require_statsmodels()
    refuse_internal(loaded, "calibrated")
    forms = spread_forms(loaded, spread)
    fit = FitResult(notes=list(found.notes))
    segments = list(loaded.segments)
    if found.moments is not None:
        patience = _patience(found, loaded)
        fit.extend(
            fit_outcomes(
                found.moments, patience, loaded, origin=found.origin, load_threshold=load_threshold
            )
        )
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
