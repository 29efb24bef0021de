"""The customer-base ("buy till you die") reference models in truthsim.calibration.btyd.

Published figures checked here, and where they come from:
- CDNOW sample, BG/NBD (r, alpha, a, b) = (0.243, 4.414, 0.793, 2.426), LL = -9582.4 and
  Pareto/NBD (r, alpha, s, beta) = (0.553, 10.578, 0.606, 11.669), LL = -9595.0:
  Fader, Hardie & Lee (2005), Marketing Science 24(2).
- CDNOW, MBG/NBD (0.525, 6.183, 0.891, 1.614): BTYDplus (Platzer), as quoted in the tests of
  the lifetimes package.
- CDNOW, BG/NBD E[X(t)] at six t and E[Y(39) | 2, 30.43, 38.86] = 1.226: Hardie's BG/NBD
  spreadsheet, as quoted in lifetimes' tests.
- CDNOW, Pareto/NBD P(alive | 26, 30.86, 31) = 0.9979 at BTYD's estimates (0.5534, 10.5802,
  0.6061, 11.6562) and E[Y(52) | 26, 30.86, 31] = 25.46: the BTYD walkthrough vignette.
- Donations, BG/BB (alpha, beta, gamma, delta) = (1.204, 0.750, 0.657, 2.783), LL = -33,225.6,
  P(alive in 2002) = 0.11, 0.59, 0.93 for (x, t_x) = (0, 0), (2, 4), (6, 6) (Table 6): Fader,
  Hardie & Shang (2010), Marketing Science 29(6); expected donations in 2002-06 of 12,884.2:
  Hardie's BG/BB spreadsheet, as quoted in lifetimes' tests.
No published holdout total is asserted: the sample's 1,882 repeat transactions in weeks 40-78
(same-day purchases merged) are a count of the vendored data, not a figure from the papers.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import betaln, gammaln

from truthsim.calibration.btyd import (
    Fit,
    Summary,
    bgbb,
    bgnbd,
    holdout_counts,
    mbgnbd,
    pareto_nbd,
    summarise,
)
from truthsim.calibration.btyd.summary import poisson_log
from truthsim.datasets import path

WEEK_39 = 272 / 7  # 1997-09-30, the last day of week 39, in weeks since 1997-01-01
WEEK_78 = 545 / 7  # 1998-06-30


@pytest.fixture(scope="module")
def cdnow_log() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = np.loadtxt(path("cdnow_sample.csv"), delimiter=",", skiprows=1, dtype=str)
    days = (data[:, 1].astype("datetime64[D]") - np.datetime64("1997-01-01")).astype(float)
    return data[:, 0].astype(np.int64), days / 7, data[:, 2].astype(float)


@pytest.fixture(scope="module")
def cdnow(cdnow_log) -> Summary:
    customer, weeks, _ = cdnow_log
    return summarise(customer, weeks, WEEK_39)


@pytest.fixture(scope="module")
def donations() -> tuple[Summary, np.ndarray]:
    d = np.loadtxt(path("donations.csv"), delimiter=",", skiprows=1)
    return Summary(d[:, 0], d[:, 1], d[:, 2]), d[:, 3]


def close(fit: Fit, published: dict[str, float], loglike: float) -> None:
    for k, v in published.items():
        assert fit.params[k] == pytest.approx(v, rel=0.001, abs=0.002), k
    assert fit.loglike == pytest.approx(loglike, abs=0.1)


# --- summaries ---------------------------------------------------------------------------


def test_summarise_small_log():
    customer = np.array([7, 3, 7, 3, 7, 9, 5, 5])
    time = np.array([4.0, 1.0, 0.0, 1.0, 2.0, 11.0, 2.0, 9.5])
    s = summarise(customer, time, end=10.0)
    np.testing.assert_array_equal(s.ids, [3, 5, 7])  # 9 starts after end
    np.testing.assert_array_equal(s.x, [0, 1, 2])  # the tie of customer 3 counts once
    np.testing.assert_array_equal(s.t_x, [0, 7.5, 4])
    np.testing.assert_array_equal(s.T, [9, 8, 10])
    assert s.x.dtype == np.float64 and len(s) == 3
    raw = summarise(customer, time, end=10.0, merge_ties=False)
    np.testing.assert_array_equal(raw.x, [1, 1, 2])
    counts = holdout_counts(customer, time, 1.0, 10.0, np.array([7, 9, 3, 42]))
    np.testing.assert_array_equal(counts, [2, 0, 0, 0])
    counts = holdout_counts(customer, time, 0.0, 12.0, np.array([9, 5]))
    np.testing.assert_array_equal(counts, [1, 2])
    assert len(summarise(customer, time, end=-1.0)) == 0
    assert holdout_counts(customer, time, 20.0, 30.0, np.array([3])).tolist() == [0]


def test_summarise_matches_a_loop_over_customers():
    rng = np.random.default_rng(8)
    customer = rng.integers(0, 300, 5000)
    time = np.round(rng.uniform(0, 50, 5000), 1)  # with ties
    s = summarise(customer, time, 30.0)
    held = holdout_counts(customer, time, 30.0, 45.0, s.ids)
    for k, i in enumerate(s.ids):
        mine = np.unique(time[customer == i])
        cal = mine[mine <= 30.0]
        assert (s.x[k], s.t_x[k], s.T[k]) == (len(cal) - 1, cal[-1] - cal[0], 30.0 - cal[0])
        assert held[k] == np.sum((mine > 30.0) & (mine <= 45.0))
    assert set(s.ids) == {i for i in np.unique(customer) if time[customer == i].min() <= 30.0}


def test_summary_rejects_impossible_rows():
    with pytest.raises(ValueError):
        Summary([1.0], [5.0], [4.0])
    with pytest.raises(ValueError):
        Summary([0.0], [1.0], [4.0])
    with pytest.raises(FileNotFoundError):
        path("nope.csv")


def test_cdnow_counts(cdnow_log, cdnow):
    customer, weeks, amount = cdnow_log
    assert len(customer) == 6919 and amount.sum() == pytest.approx(244091.94, abs=0.01)
    assert len(cdnow) == 2357 and cdnow.ids[0] == 1 and cdnow.ids[-1] == 2357
    assert np.max(WEEK_39 - cdnow.T) < 12  # all first purchases in the first 12 weeks
    assert cdnow.x.sum() == 2457  # Fader & Hardie's count, same-day purchases merged
    assert summarise(customer, weeks, WEEK_39, merge_ties=False).x.sum() == 2603
    assert cdnow.T.max() == pytest.approx(38.86, abs=0.005)
    holdout = holdout_counts(customer, weeks, WEEK_39, WEEK_78, cdnow.ids)
    assert holdout.sum() == 1882


# --- published fits ----------------------------------------------------------------------


@pytest.mark.slow
def test_bgnbd_cdnow_published(cdnow):
    fit = bgnbd.fit(cdnow)
    close(fit, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4)
    assert fit.n == 2357 and set(fit.se) == set(bgnbd.NAMES)
    t = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    sheet = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    np.testing.assert_allclose(bgnbd.expected(fit.params, t), sheet, atol=6e-4)
    one = Summary([2.0], [30.43], [38.86])
    assert bgnbd.conditional_expected(fit.params, 39, one)[0] == pytest.approx(1.226, abs=1e-3)
    assert bgnbd.p_alive(fit.params, Summary([0.0], [0.0], [5.0]))[0] == 1.0


@pytest.mark.slow
def test_pareto_nbd_cdnow_published(cdnow):
    fit = pareto_nbd.fit(cdnow)
    close(fit, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0)
    one = Summary([26.0], [30.86], [31.0])
    btyd = (0.5534, 10.5802, 0.6061, 11.6562)
    assert pareto_nbd.p_alive(btyd, one)[0] == pytest.approx(0.9979, abs=5e-4)
    assert pareto_nbd.conditional_expected(btyd, 52, one)[0] == pytest.approx(25.46, abs=0.01)


@pytest.mark.slow
def test_mbgnbd_cdnow_btydplus(cdnow):
    fit = mbgnbd.fit(cdnow)
    for k, v in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert fit.params[k] == pytest.approx(v, abs=2e-3), k


def test_bgbb_donations_published(donations):
    summary, weights = donations
    fit = bgbb.fit(summary, weights)
    close(fit, {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}, -33225.6)
    assert fit.n == 11104
    alive = bgbb.p_alive(fit.params, summary)
    for (x, t_x), table6 in {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}.items():
        row = np.flatnonzero((summary.x == x) & (summary.t_x == t_x))[0]
        assert alive[row] == pytest.approx(table6, abs=0.005)
    total = weights @ bgbb.conditional_expected(fit.params, 5, summary)
    assert total == pytest.approx(12884.2, abs=0.5)


def test_cdnow_holdout_forecasts_are_ours(cdnow):
    """Our own figures (not published): weeks 40-78 forecasts from the published estimates."""
    bg = bgnbd.conditional_expected((0.243, 4.414, 0.793, 2.426), 39, cdnow).sum()
    pn = pareto_nbd.conditional_expected((0.553, 10.578, 0.606, 11.669), 39, cdnow).sum()
    assert bg == pytest.approx(1653.9, abs=1.0) and pn == pytest.approx(1665.9, abs=1.0)


# --- closed forms against quadrature and Monte Carlo --------------------------------------


def _nbd(r: float, alpha: float, x: float, y: float) -> float:
    return np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + y))


@pytest.mark.parametrize("case", [(2, 30.43, 38.86), (0, 0, 20), (7, 3, 50), (40, 5, 6)])
def test_likelihoods_against_quadrature(case):
    x, t_x, T = case
    one = Summary([x], [t_x], [T])
    r, alpha, a, b = 0.7, 3.0, 0.9, 2.2

    def beta_pdf(p: float) -> float:
        return np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p) - betaln(a, b))

    def bg(p: float) -> float:  # BG/NBD: dies after a repeat purchase
        alive = (1 - p) ** x * _nbd(r, alpha, x, T)
        return beta_pdf(p) * (alive + (x > 0) * p * (1 - p) ** (x - 1) * _nbd(r, alpha, x, t_x))

    def mbg(p: float) -> float:  # MBG/NBD: may also die at time 0
        alive = (1 - p) ** (x + 1) * _nbd(r, alpha, x, T)
        return beta_pdf(p) * (alive + p * (1 - p) ** x * _nbd(r, alpha, x, t_x))

    for model, f in ((bgnbd, bg), (mbgnbd, mbg)):
        want = np.log(integrate.quad(f, 0, 1, epsrel=1e-11, limit=200)[0])
        assert model.loglike((r, alpha, a, b), one)[0] == pytest.approx(want, rel=1e-6)

    def death(u: float, r: float, alpha: float, s: float, beta: float) -> float:
        return _nbd(r, alpha, x, u) * s * beta**s / (beta + u) ** (s + 1)  # mu ~ gamma(s, beta)

    for r, alpha, s, beta in ((0.55, 10.58, 0.61, 11.67), (2.0, 50.0, 0.3, 1.0)):
        alive = _nbd(r, alpha, x, T) * (beta / (beta + T)) ** s
        died = integrate.quad(death, t_x, T, args=(r, alpha, s, beta), epsrel=1e-12, limit=200)
        want = np.log(alive + died[0])
        got = pareto_nbd.loglike((r, alpha, s, beta), one)[0]
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


CONTINUOUS = {
    bgnbd: {"r": 0.9, "alpha": 5.0, "a": 0.8, "b": 2.5},
    mbgnbd: {"r": 0.9, "alpha": 5.0, "a": 0.8, "b": 2.5},
    pareto_nbd: {"r": 0.9, "alpha": 5.0, "s": 0.7, "beta": 12.0},
}


def _within(diff: np.ndarray, k: float = 4.0) -> bool:
    return abs(diff.mean()) < k * diff.std(ddof=1) / np.sqrt(len(diff)) + 1e-12


@pytest.mark.parametrize("model", list(CONTINUOUS), ids=lambda m: m.__name__.split(".")[-1])
def test_continuous_closed_forms_against_simulation(model):
    params, n, cal, hold = CONTINUOUS[model], 20_000, 26.0, 26.0
    customer, time = model.simulate(params, n, cal + hold, np.random.default_rng(11))
    ids = np.arange(n)
    for t in (4.0, 26.0, 52.0):
        counts = holdout_counts(customer, time, 0.0, t, ids)
        assert _within(counts - model.expected(params, t)), t
    summary = summarise(customer, time, cal)
    y = holdout_counts(customer, time, cal, cal + hold, summary.ids)
    ce = model.conditional_expected(params, hold, summary)
    for group in (
        summary.x == 0,
        summary.x == 1,
        (summary.x >= 2) & (summary.x < 5),
        summary.x >= 5,
    ):
        assert group.sum() > 500 and _within((y - ce)[group])


def _latent(model, params, n: int, T: float, rng: np.random.Generator):
    """Summary at T and whether each customer is alive at T, from the models' stories."""
    if model is pareto_nbd:
        lam = rng.gamma(params["r"], 1 / params["alpha"], n)
        life = rng.exponential(1.0, n) / rng.gamma(params["s"], 1 / params["beta"], n)
        customer, time = poisson_log(rng, lam, np.minimum(life, T))
        return summarise(customer, time, T), life > T
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    cap = rng.geometric(rng.beta(params["a"], params["b"], n)) - (model is mbgnbd)
    customer, time = poisson_log(rng, lam, np.full(n, T), cap)
    summary = summarise(customer, time, T)
    return summary, summary.x < cap  # dead once the fatal purchase (the cap-th) is made


@pytest.mark.parametrize("model", list(CONTINUOUS), ids=lambda m: m.__name__.split(".")[-1])
def test_p_alive_against_simulation(model):
    params = CONTINUOUS[model]
    summary, alive = _latent(model, params, 20_000, 30.0, np.random.default_rng(5))
    p = model.p_alive(params, summary)
    assert np.all((p >= 0) & (p <= 1))
    for group in (summary.x == 0, summary.x == 1, summary.x >= 2):
        assert _within((alive - p)[group])


def test_bgbb_closed_forms_against_simulation():
    params, n, cal, hold = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}, 20_000, 6, 5
    customer, time = bgbb.simulate(params, n, cal + hold, np.random.default_rng(3))
    ids = np.arange(n)
    for m in (1, 6, 11):
        assert _within(holdout_counts(customer, time, 0, m, ids) - bgbb.expected(params, m)), m
    summary = summarise(customer, time, cal)
    np.testing.assert_array_equal(summary.T, cal)
    y = holdout_counts(customer, time, cal, cal + hold, summary.ids)
    ce = bgbb.conditional_expected(params, hold, summary)
    for group in (summary.x == 0, summary.x == 3, summary.x == 6):
        assert _within((y - ce)[group])
    # P(alive at n+1): an alive customer transacts at n+1 with probability E[p | data]
    y1 = holdout_counts(customer, time, cal, cal + 1, summary.ids)
    al, be = params["alpha"], params["beta"]
    p_buy = (al + summary.x) / (al + be + cal)
    assert _within(y1 - bgbb.p_alive(params, summary) * p_buy)


def test_gamma_one_limit_and_s_one_limit():
    near = bgbb.expected((1.2, 0.75, 1 + 1e-6, 2.8), [1.0, 6.0])
    np.testing.assert_allclose(bgbb.expected((1.2, 0.75, 1.0, 2.8), [1.0, 6.0]), near, rtol=1e-5)
    near = pareto_nbd.expected((0.5, 4.0, 1 + 1e-7, 10.0), [3.0, 30.0])
    np.testing.assert_allclose(
        pareto_nbd.expected((0.5, 4.0, 1.0, 10.0), [3.0, 30.0]), near, rtol=1e-5
    )


# --- recovery and coverage ---------------------------------------------------------------


def _compress(summary: Summary) -> tuple[Summary, np.ndarray]:
    rows, weights = np.unique(np.c_[summary.x, summary.t_x, summary.T], axis=0, return_counts=True)
    return Summary(*rows.T), weights


@pytest.mark.slow
@pytest.mark.parametrize("model", [*CONTINUOUS, bgbb], ids=lambda m: m.__name__.split(".")[-1])
def test_recovery_intervals_cover_truth(model):
    """3,000 synthetic customers; the 95% intervals cover the truth. With 16 intervals in all,
    some seed will miss one by chance (0.95^16 = 0.44): seed 42 is one where none does;
    coverage as such is checked over seeds below."""
    rng = np.random.default_rng(42)
    if model is bgbb:
        truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
        summary, weights = _compress(summarise(*bgbb.simulate(truth, 3000, 10, rng), 10))
        fit = bgbb.fit(summary, weights)
    else:
        truth = CONTINUOUS[model]
        fit = model.fit(summarise(*model.simulate(truth, 3000, 52.0, rng), 52.0))
    assert fit.n == 3000
    for k, (low, high) in fit.intervals(0.95).items():
        assert low < truth[k] < high, (k, low, high)
        assert low < fit.params[k] < high
    sd = np.sqrt(np.diag(fit.covariance))
    np.testing.assert_allclose(list(fit.se.values()), np.array(list(fit.params.values())) * sd)
    narrow = fit.intervals(0.5)
    assert all(narrow[k][0] > low for k, (low, _) in fit.intervals(0.95).items())


@pytest.mark.slow
def test_coverage_over_seeds():
    """95% intervals from 40 small BG/NBD samples: coverage consistent with 95%
    (binomial sd over 40 is 1.4, so >= 33 is about 3.6 sd below the expected 38)."""
    truth = {"r": 0.9, "alpha": 5.0, "a": 0.8, "b": 2.5}
    hits = dict.fromkeys(truth, 0)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        fit = bgnbd.fit(summarise(*bgnbd.simulate(truth, 400, 52.0, rng), 52.0))
        for k, (low, high) in fit.intervals().items():
            hits[k] += low < truth[k] < high
    assert all(h >= 33 for h in hits.values()), hits
