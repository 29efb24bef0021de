"""The staff-load part of an outcome fit: the busy share beyond the threshold as a regressor of
the ordered logit, the load's doubling with its interval and draws (see
:mod:`truthsim.calibration.outcomes`; the busy shares themselves come from
:mod:`truthsim.calibration.load`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from truthsim.calibration.estimates import (
    Z95,
    Draws,
    FitResult,
    Fitted,
    Unidentified,
)
from truthsim.calibration.ordered_logit import (
    OrderedFit,
    grouped_loglike,
    rate_se,
    shares,
)
from truthsim.scenario.touchpoint import OUTCOMES

PROFILE_LOAD = (
    "profile likelihood over the load's threshold (the ordered logit at each, at the fitted "
    "tolerance)"
)


LOAD_METHOD = (
    "ordered logit, maximum likelihood (statsmodels OrderedModel), the servers' busy share "
    "beyond the threshold a regressor beside the excess wait"
)


@dataclass
class LoadData:
    """A loaded touchpoint's moments' busy share beyond the threshold, and how it was read."""

    excess: np.ndarray  #: max(0, busy share - threshold) of each moment fitted
    threshold: float
    window: float
    source: str  #: what the busy share rests on, in words
    busy: np.ndarray | None = None  #: each moment's busy share (where the threshold is fitted)


def loaded_without_wait(name: str, plain: OrderedFit, load: LoadData, source: str) -> FitResult:
    """The outcome mix and the load's doubling where waits show nothing: params (-per_load,
    c1, log(c2 - c1))."""
    out = FitResult()
    doubling = load_doubling(name, plain, 0, load, source)
    if isinstance(doubling, Unidentified):
        out.unidentified.append(doubling)
        return out  # the caller fits again without load
    out.fitted += shares(name, plain.params[1:], plain.cov[1:, 1:], source, LOAD_METHOD)
    out.fitted.append(doubling)
    out.draws.append(loaded_draws(name, plain, wait_at=None, load_at=0))
    return out


def load_doubling(
    name: str, fit: OrderedFit, at: int, load: LoadData, source: str
) -> Fitted | Unidentified:
    """The load's doubling, ln 2 over the log-odds per unit of busy share beyond the threshold
    (the coefficient at ``at``), with the Wald interval of that rate mapped over (a rate whose
    interval reaches 0 shows no measurable harm: not identified, as for waits)."""
    path = f"touchpoints.{name}.load.doubling"
    per_load = -float(fit.params[at])
    se = math.sqrt(max(float(fit.cov[at, at]), 0.0))
    if not (per_load > 0 and per_load - Z95 * se > 0 and math.isfinite(se)):
        return Unidentified(
            path,
            f"the servers' load at {name} shows no measurable effect on outcomes (odds change "
            f"per unit of busy share beyond {load.threshold:g}: {per_load:+.3f}, se {se:.3f})",
        )
    doubling = math.log(2) / per_load
    return Fitted(
        path,
        doubling,
        math.log(2) / (per_load + Z95 * se),
        math.log(2) / (per_load - Z95 * se),
        doubling * se / per_load,
        f"{source}; {load.source}",
        f"{LOAD_METHOD}; window {load.window:g} and threshold {load.threshold:g} as the "
        "scenario writes them; delta method",
    )


def loaded_draws(name: str, fit: OrderedFit, wait_at: int | None, load_at: int) -> Draws:
    """The outcome mix and the doublings drawn together: cut-points, then the log of each rate
    (its covariance by the delta method)."""
    here = f"touchpoints.{name}"
    rates = ([] if wait_at is None else [wait_at]) + [load_at]
    cuts = len(rates)
    order = [cuts, cuts + 1, *rates]
    latent = np.array([fit.params[cuts], fit.params[cuts + 1]] +
                      [math.log(-fit.params[i]) for i in rates])  # fmt: skip
    cov = fit.cov[order][:, order].copy()
    for j, i in enumerate(rates, start=2):
        cov[j, :] /= fit.params[i]
        cov[:, j] /= fit.params[i]
    targets = [("outcomes", [0, 1], [f"{here}.outcomes.{o}" for o in OUTCOMES])]
    if wait_at is not None:
        targets.append(("doubling", [2], [f"{here}.wait.doubling"]))
    targets.append(("doubling", [len(order) - 1], [f"{here}.load.doubling"]))
    return Draws(latent, cov, targets)


def load_se(
    y: np.ndarray,
    excess: np.ndarray,
    n: np.ndarray,
    params: np.ndarray,
    beyond: np.ndarray,
    waits: bool,
) -> float:
    """Standard error of the load's coefficient (params[1]) from the observed information;
    without a wait effect its coefficient (params[0], which nothing moves) is left out."""
    if waits:
        return rate_se(y, excess, n, params, beyond, at=1)
    from statsmodels.tools.numdiff import approx_hess3

    def loglike(x: np.ndarray) -> float:
        return grouped_loglike(np.concatenate([[0.0], x]), y, excess, n, beyond)

    hessian = approx_hess3(params[1:], loglike)
    try:
        return math.sqrt(max(float(np.linalg.inv(-hessian)[0, 0]), 0.0))
    except np.linalg.LinAlgError:
        return math.inf
