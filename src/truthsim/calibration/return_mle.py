"""The return model's maximum (scipy.optimize's L-BFGS-B) and its curvature (statsmodels'
numerical Hessian, over steps sized by each parameter's standard error)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize

from truthsim.calibration.returns import ReturnModel

#: step of the first pass along each axis, and the range of the Hessian's steps (fitting scale)
FIRST_STEP = 0.03
STEP_RANGE = (2e-3, 0.25)


def fit(model: ReturnModel, start: np.ndarray) -> np.ndarray:
    """The maximum likelihood; with a spread, the baselines are first fitted alone (a few cheap
    steps that bring the costly full fit close to its maximum)."""
    if not len(start):
        return start  # nothing left to fit: every value is held
    if any(model.layout.spread):
        slots = [k for group in model.layout.baseline_slots() for k in group]
        start = fit_slots(model, start, slots)
    result = optimize.minimize(
        lambda x: -model.loglike(x),
        start,
        method="L-BFGS-B",
        bounds=model.layout.bounds(),
        options={"maxiter": 500},
    )
    return np.asarray(result.x)


def fit_slots(model: ReturnModel, start: np.ndarray, slots: list[int]) -> np.ndarray:
    """``start`` with only ``slots`` fitted, the rest held."""
    if not slots:
        return start.copy()
    theta = start.copy()
    bounds = model.layout.bounds()

    def partial(x: np.ndarray) -> float:
        theta[slots] = x
        return -model.loglike(theta)

    first = optimize.minimize(
        partial,
        start[slots],
        method="L-BFGS-B",
        bounds=[bounds[k] for k in slots],
        options={"maxiter": 200},
    )
    out = start.copy()
    out[slots] = first.x
    return out


def covariance(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    from statsmodels.tools.numdiff import approx_hess3

    # The likelihood has a kink for each customer whose experience reaches the memory ceiling,
    # and the maximum tends to sit on a cluster of them: a small step there reports a curvature
    # that is not there (twice the true one for the airline's most frequent magic). So the
    # Hessian is taken over steps of about half a standard error of each parameter, where the
    # log-likelihood is quadratic and the kinks average out; the standard errors that size the
    # steps come from a first pass along each axis.
    steps = _steps(model, theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hessian = approx_hess3(theta, model.loglike, epsilon=steps)
    try:
        cov = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full_like(hessian, np.nan)
    if np.any(np.diag(cov) <= 0):
        return np.full_like(hessian, np.nan)
    return cov


def _steps(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    """Per parameter, a quarter of its standard error along its own axis (approx_hess3 steps
    twice this on the diagonal), within STEP_RANGE."""
    out = np.empty(len(theta))
    for k, curvature in enumerate(axis_curvature(model, theta)):
        se = 1.0 / math.sqrt(curvature) if curvature > 0 else STEP_RANGE[1]
        out[k] = min(max(se / 4, STEP_RANGE[0]), STEP_RANGE[1])
    return out


def axis_curvature(model: ReturnModel, theta: np.ndarray) -> np.ndarray:
    """Per parameter, how fast the log-likelihood bends down along its own axis (a second
    difference over FIRST_STEP; 0 or less where it does not)."""
    base = model.loglike(theta)
    out = np.empty(len(theta))
    for k in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[k] += FIRST_STEP
        down[k] -= FIRST_STEP
        out[k] = -(model.loglike(up) + model.loglike(down) - 2 * base) / FIRST_STEP**2
    return out
