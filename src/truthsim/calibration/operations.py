"""Operations: arrival rates by hour and service-time distributions, from the firm's logs.

New customers per day is a Poisson rate (its estimate is the mean count, standard error from
the Poisson variance); the hourly profile is each hour's share. Service times are fitted with
scipy's maximum-likelihood ``fit`` for each candidate family and the one with the highest
likelihood (AIC, all having two parameters but the exponential) is kept.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from truthsim.calibration.data import Arrivals, CalibrationData, Moments
from truthsim.calibration.estimates import Draws, FitResult, Fitted, Unidentified, counted, wald
from truthsim.scenario.schema import Scenario

#: service times needed before a distribution is fitted
MIN_SERVICES = 30


def fit_arrivals(arrivals: Arrivals, scenario: Scenario) -> FitResult:
    out = FitResult()
    market = scenario.arrivals.market_size
    if scenario.arrivals.by_day is not None:
        out.unidentified.append(
            Unidentified(
                "arrivals.per_day",
                "the scenario gives new customers day by day (arrivals.by_day); kept as written",
            )
        )
        return out
    if scenario.word_of_mouth is not None or market is not None:
        why = (
            "with word of mouth these are prospects less those deterred plus those referred"
            if scenario.word_of_mouth is not None
            else f"with a market of {market:,} people these are the prospects not already "
            "customers (arrivals thin as the market fills)"
        )
        by_hour = np.bincount(arrivals.hour, weights=arrivals.count, minlength=24)
        total = float(arrivals.count.sum())
        days = len(np.unique(arrivals.day))
        out.unidentified.append(
            Unidentified(
                "arrivals.per_day",
                f"arrivals.csv counts new customers ({total / max(days, 1):,.1f} a day), and "
                f"{why}, not the scenario's prospects per day",
            )
        )
        if total > 0:
            out.diagnostics["hourly_profile"] = [round(float(x / total), 6) for x in by_hour]
            out.notes.append(
                "arrivals.hourly_profile: each hour's share of new customers in arrivals.csv"
            )
        return out
    days = len(np.unique(arrivals.day))
    total = float(arrivals.count.sum())
    source = counted(int(total), f"new customers over {days} days", "arrivals.csv")
    if total <= 0:
        out.unidentified.append(Unidentified("arrivals.per_day", "arrivals.csv counts no one"))
        return out
    rate = total / days
    out.fitted.append(
        wald(
            "arrivals.per_day",
            math.log(rate),
            1 / math.sqrt(total),
            source,
            "Poisson maximum likelihood",
            "log",
        )
    )
    out.draws.append(
        Draws(
            np.array([math.log(rate)]),
            np.array([[1 / total]]),
            [("log", [0], ["arrivals.per_day"])],
        )
    )
    by_hour = np.bincount(arrivals.hour, weights=arrivals.count, minlength=24)
    out.diagnostics["hourly_profile"] = [round(float(x / total), 6) for x in by_hour]
    out.notes.append("arrivals.hourly_profile: each hour's share of new customers in arrivals.csv")
    return out


def fit_values(data: CalibrationData, scenario: Scenario) -> FitResult:
    """Each segment's value per journey: the mean amount of its journeys in the log, with a
    normal interval (the amounts of many journeys: their mean is near normal however skewed
    each is)."""
    out = FitResult()
    journeys, amounts = data.journeys, data.amounts
    if journeys is None or amounts is None:
        return out
    for s, name in enumerate(scenario.segments):
        path = f"segments.{name}.value_per_journey"
        x = amounts[(journeys.segment == s) & np.isfinite(amounts)]
        if len(x) < MIN_SERVICES:
            out.unidentified.append(
                Unidentified(
                    path, f"{len(x)} journeys of {name} with an amount (needs {MIN_SERVICES})"
                )
            )
            continue
        mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
        source = counted(len(x), f"journeys of {name} with their amounts", data.journeys_file)
        out.fitted.append(wald(path, mean, se, source, "mean amount per journey"))
        out.draws.append(
            Draws(np.array([mean]), np.array([[se * se]]), [("nonnegative", [0], [path])])
        )
    return out


def fit_services(moments: Moments, scenario: Scenario) -> FitResult:
    """Each touchpoint's service-time distribution, where moments.csv records service times."""
    out = FitResult()
    if "service" not in moments.columns:
        return out
    for t, name in enumerate(scenario.touchpoint_order()):
        times = moments.service[(moments.touchpoint == t) & ~moments.abandoned]
        times = times[np.isfinite(times) & (times > 0)]
        path = f"touchpoints.{name}.service"
        if len(times) < MIN_SERVICES:
            out.unidentified.append(
                Unidentified(path, f"{len(times)} service times at {name} (needs {MIN_SERVICES})")
            )
            continue
        if np.ptp(times) <= 1e-9 * float(times.mean()):
            out.notes.append(
                f"{path}: every recorded service time at {name} is {times[0]:g} minutes, a "
                "fixed time; kept as the scenario writes it"
            )
            continue
        out.extend(
            _best_family(
                path,
                times,
                counted(len(times), f"service times at {name}", "moments.csv"),
                _changed_parameters(scenario, path),
            )
        )
    return out


#: the parameters each fitted family is written with
PARAMETERS = {"exponential": {"mean"}, "gamma": {"shape", "scale"}, "lognormal": {"mean", "sd"}}


def _changed_parameters(scenario: Scenario, path: str) -> set[str]:
    """The parameters of the distribution at ``path`` that an improvement changes (a family
    without them would leave that improvement pointing at nothing)."""
    return {
        changed[len(path) + 1 :]
        for improvement in scenario.improvements.values()
        for changed in improvement.changes
        if changed.startswith(path + ".")
    }


def _best_family(path: str, x: np.ndarray, source: str, keep: set[str] = frozenset()) -> FitResult:
    out = FitResult()
    fits = {}
    families = {
        kind: family
        for kind, family in (
            ("exponential", stats.expon),
            ("gamma", stats.gamma),
            ("lognormal", stats.lognorm),
        )
        if keep <= PARAMETERS[kind]  # an improvement's parameter must still be there
    } or {"exponential": stats.expon, "gamma": stats.gamma, "lognormal": stats.lognorm}
    aic = {}
    # times spanning hundreds of orders of magnitude overflow inside scipy's fits: a family
    # whose fit or likelihood is not a number is left out, without a warning on the terminal
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for kind, family in families.items():
            try:
                params = family.fit(x, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):
                continue  # this family cannot describe these times; the others may
            k = 1 if kind == "exponential" else 2
            score = 2 * k - 2 * float(np.sum(family.logpdf(x, *params)))
            if math.isfinite(score):
                fits[kind] = (family, params)
                aic[kind] = score
    if not fits:
        out.unidentified.append(Unidentified(path, f"no distribution could be fitted ({source})"))
        return out
    kind = min(aic, key=aic.__getitem__)
    out.diagnostics[f"{path}.aic"] = {k: round(v, 2) for k, v in aic.items()}
    method = (
        f"scipy {kind} fit, chosen by AIC among {', '.join(families)} "
        f"({', '.join(f'{k} {v:.1f}' for k, v in sorted(aic.items(), key=lambda i: i[1]))})"
        + (
            f"; families written with {', '.join(sorted(keep))}, which improvements change"
            if keep
            else ""
        )
    )
    n = len(x)
    if kind == "exponential":
        mean = float(x.mean())
        out.fitted.append(
            wald(f"{path}.mean", math.log(mean), 1 / math.sqrt(n), source, method, "log")
        )
        out.draws.append(
            Draws(np.array([math.log(mean)]), np.array([[1 / n]]), [("log", [0], [f"{path}.mean"])])
        )
    elif kind == "gamma":
        shape, _, scale = fits["gamma"][1]
        # observed information of (log shape, log scale) for the gamma
        info = n * np.array([[shape**2 * _trigamma(shape), shape], [shape, shape]])
        cov = np.linalg.inv(info)
        latent = np.log([shape, scale])
        for i, part in enumerate(("shape", "scale")):
            out.fitted.append(
                wald(f"{path}.{part}", latent[i], math.sqrt(cov[i, i]), source, method, "log")
            )
        out.draws.append(
            Draws(latent, cov, [("log", [0], [f"{path}.shape"]), ("log", [1], [f"{path}.scale"])])
        )
    else:
        logs = np.log(x)
        mu, sigma = float(logs.mean()), float(logs.std())
        mean = math.exp(mu + sigma**2 / 2)
        sd = mean * math.sqrt(math.expm1(sigma**2))
        # delta method from (mu, log sigma), whose estimates are independent
        var_mu, var_ls = sigma**2 / n, 1 / (2 * n)
        d_mean = np.array([1.0, sigma**2])  # d log(mean) / d(mu, log sigma)
        d_sd = np.array([1.0, sigma**2 + sigma**2 * math.exp(sigma**2) / math.expm1(sigma**2)])
        cov_base = np.diag([var_mu, var_ls])
        jac = np.stack([d_mean, d_sd])
        cov = jac @ cov_base @ jac.T
        latent = np.log([mean, sd])
        for i, part in enumerate(("mean", "sd")):
            out.fitted.append(
                wald(
                    f"{path}.{part}",
                    latent[i],
                    math.sqrt(cov[i, i]),
                    source,
                    method + "; delta method",
                    "log",
                )
            )
        out.draws.append(
            Draws(latent, cov, [("log", [0], [f"{path}.mean"]), ("log", [1], [f"{path}.sd"])])
        )
    out.diagnostics[f"{path}.kind"] = kind
    return out


def _trigamma(x: float) -> float:
    from scipy import special

    return float(special.polygamma(1, x))


def fitted_kind(result: FitResult, path: str) -> str | None:
    kind = result.diagnostics.get(f"{path}.kind")
    return str(kind) if kind else None


__all__ = ["Fitted", "fit_arrivals", "fit_services", "fitted_kind"]
