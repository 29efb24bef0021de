"""Calibration: parameter recovery with honest intervals, the shifted-beta-geometric law on
Fader & Hardie's published cohort, bad data refused with file/row/column/fix, synthetic data
round trips, and parameter uncertainty drawn per replication."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import make_scenario, scenario_data, shop, station
from truthsim.calibration import calibrate, synthesize, write_synthetic
from truthsim.calibration.cohort import fit_cohort, sbg_survival
from truthsim.calibration.data import Cohort
from truthsim.cli import main
from truthsim.errors import DataError
from truthsim.experiments import Execution, compare
from truthsim.experiments.replication import replication_scenario
from truthsim.experiments.uncertainty import PARAMETER_STREAM, uncertainty_from_dict
from truthsim.scenario import Scenario
from truthsim.scenario.patch import apply_improvement

pytest.importorskip("statsmodels")

KIOSK = {"misery": -0.1, "mediocrity": 0.0, "magic": 0.05}
DESK = {"misery": -0.2, "mediocrity": 0.0, "magic": 0.08}
#: the truth of every behavioural value the recovery test checks
TRUTH = {
    "segments.everyone.baseline_return": 0.6,
    "touchpoints.kiosk.shifts.misery": -0.1,
    "touchpoints.kiosk.shifts.magic": 0.05,
    "touchpoints.desk.shifts.misery": -0.2,
    "touchpoints.desk.shifts.magic": 0.08,
    "touchpoints.kiosk.outcomes.misery": 0.1,
    "touchpoints.kiosk.outcomes.magic": 0.3,
    "touchpoints.desk.outcomes.misery": 0.1,
    "touchpoints.desk.outcomes.magic": 0.3,
}
#: Fader & Hardie (2007), regular customers: active of 1,000 in years 0-7
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def two_moments(days: float):
    """Two self-service moments per journey whose outcomes move the return, no queues."""
    kiosk = station(servers=None, shifts=KIOSK)
    desk = station(servers=None, shifts=DESK)
    return make_scenario(
        {"kiosk": kiosk, "desk": desk},
        per_day=60.0,
        horizon_days=days,
        baseline_return=0.6,
        gap_days=2.0,
    )


def fitted(scenario, folder, seed, response_rate=1.0):
    data = synthesize(scenario, seed, response_rate=response_rate, margin_days=3.0)
    write_synthetic(data, folder, force=True)
    return calibrate(scenario, folder, half_life=False)


@pytest.mark.slow
def test_intervals_cover_the_truth_at_the_nominal_rate(tmp_path):
    """16 synthetic firms: 144 intervals. Coverage of 95% intervals within 3 standard errors
    (sqrt(.95 x .05 / 144) = 0.018), and the z-scores' spread near 1 (too wide intervals fail
    this side: its standard error is about 1 / sqrt(2 x 144) = 0.059)."""
    scenario = two_moments(15.0)
    z, covered, rejected = [], [], 0
    for seed in range(16):
        result = fitted(scenario, tmp_path / str(seed), seed)
        rejected += result.fit.diagnostics["heterogeneity"][0]["p_value"] < 0.05
        for path, truth in TRUTH.items():
            p = result.parameter(path)
            covered.append(p.low <= truth <= p.high)
            z.append((p.estimate - truth) / p.se)
    n = len(covered)
    rate = float(np.mean(covered))
    assert abs(rate - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / n), rate
    assert abs(float(np.std(z)) - 1.0) <= 3 / math.sqrt(2 * n), np.std(z)
    assert abs(float(np.mean(z))) <= 3 / math.sqrt(n) * 1.5, np.mean(z)  # shared customers
    # customers alike: the heterogeneity test at 5% rejects in at most 4 of 16 (binomial 0.7%)
    assert rejected <= 4, rejected


@pytest.mark.slow
def test_estimates_converge_as_the_data_grow(tmp_path):
    """Four times the days: standard errors about halve, and estimates stay within 3 of them."""
    small = fitted(two_moments(15.0), tmp_path / "small", 1)
    large = fitted(two_moments(60.0), tmp_path / "large", 1)
    for path, truth in TRUTH.items():
        a, b = small.parameter(path), large.parameter(path)
        assert 0.25 < b.se / a.se < 0.7, (path, a.se, b.se)
        assert abs(b.estimate - truth) <= 3 * b.se, (path, b.estimate)


@pytest.mark.slow
def test_survey_non_response_does_not_bias_the_shifts(tmp_path):
    """With a third of customers answering, histories stop at the first unknown journey, so no
    decision is chosen by what followed it: the shifts stay within 3 standard errors."""
    result = fitted(two_moments(60.0), tmp_path, 2, response_rate=0.35)
    for path in ("touchpoints.desk.shifts.misery", "touchpoints.kiosk.shifts.misery"):
        p = result.parameter(path)
        assert abs(p.estimate - TRUTH[path]) <= 3 * p.se, (path, p.estimate, p.se)
    assert any("used up to the first such journey" in n for n in result.fit.notes)


def test_fader_hardie_regular_customers():
    """The published sBG estimates for the regular segment are alpha 0.704, beta 1.182."""
    fit = fit_cohort(Cohort(np.array(REGULAR, dtype=float), 0), "everyone", "sbg")
    by = {p.path.rsplit(".", 1)[-1]: p for p in fit.fitted}
    assert abs(by["churn_alpha"].estimate - 0.704) < 0.001
    assert abs(by["churn_beta"].estimate - 1.182) < 0.001
    assert by["churn_alpha"].low < 0.704 < by["churn_alpha"].high
    fitted_curve = sbg_survival(by["churn_alpha"].estimate, by["churn_beta"].estimate, 7) * 1000
    se = np.sqrt(fitted_curve * (1 - fitted_curve / 1000))
    assert np.all(np.abs(fitted_curve - REGULAR) <= 3 * se)


def write_regular(folder):
    (folder / "cohort.csv").write_text(
        "period,active\n" + "".join(f"{k},{a}\n" for k, a in enumerate(REGULAR))
    )


def test_a_cohort_alone_without_spread_is_a_geometric_fit_that_says_customers_differ(tmp_path):
    """A segment written as one number is fitted as one number (the geometric law), and the
    likelihood-ratio test says the regular customers differ, suggesting --spread."""
    write_regular(tmp_path)
    result = calibrate(make_scenario(), tmp_path)
    p = result.parameter("segments.everyone.baseline_return")
    exposed, survived = sum(REGULAR[:-1]), sum(REGULAR[1:])
    assert p.estimate == pytest.approx(survived / exposed)
    (test,) = result.fit.diagnostics["heterogeneity"]
    assert test["p_value"] < 1e-6 and not test["spread_fitted"]
    assert any("--spread" in n for n in result.fit.notes)


def test_calibrated_cohort_simulates_fader_hardie_years(tmp_path):
    """--spread fits the sBG law to the published years (Fader & Hardie's alpha and beta, in
    truthsim's mean and polarisation); the calibrated scenario, simulated, keeps each year's
    survivors within 3 standard errors of that law (binomial, over the customers acquired early
    enough to be seen that long)."""
    write_regular(tmp_path)
    scenario = make_scenario(per_day=3.0, horizon_days=8 * 365 + 1, gap_days=365.0)
    result = calibrate(scenario, tmp_path, spread=True)
    mean = result.parameter("segments.everyone.baseline_return.mean").estimate
    polarisation = result.parameter("segments.everyone.baseline_return.polarisation").estimate
    # Fader & Hardie's alpha 0.704, beta 1.182 in truthsim's words
    assert mean == pytest.approx(1.182 / (0.704 + 1.182), abs=1e-3)
    assert polarisation == pytest.approx(1 / (0.704 + 1.182 + 1), abs=1e-3)
    total = 1 / polarisation - 1
    alpha, beta = (1 - mean) * total, mean * total
    from truthsim import simulate

    run = simulate(result.scenario, 5)
    c, horizon = run.customers, 8 * 365 + 1
    for year in range(1, 8):
        early = c[c["acquired"] / 1440 <= horizon - year * 365 - 1]
        share = float(np.mean(early["journeys"] > year))
        expect = float(sbg_survival(alpha, beta, year)[-1])
        se = math.sqrt(expect * (1 - expect) / len(early))
        assert abs(share - expect) <= 3 * se, (year, share, expect)


def spread_firm():
    """The two self-service moments, with customers who differ: baseline return Beta with mean
    0.6 and polarisation 0.3 (each customer draws theirs once)."""
    kiosk = station(servers=None, shifts=KIOSK)
    desk = station(servers=None, shifts=DESK)
    return make_scenario(
        {"kiosk": kiosk, "desk": desk},
        per_day=60.0,
        horizon_days=30.0,
        baseline_return={"mean": 0.6, "polarisation": 0.3},
        gap_days=2.0,
    )


@pytest.mark.slow
def test_a_spread_written_in_the_scenario_is_recovered(tmp_path):
    """One firm of 1,800 customers whose baselines differ: following the scenario, mean and
    polarisation are fitted (each estimate within 3 standard errors of the truth, two-sided),
    so are the shifts, and the likelihood-ratio test finds the spread."""
    scenario = spread_firm()
    write_synthetic(
        synthesize(scenario, 7, response_rate=1.0, margin_days=3.0), tmp_path, force=True
    )
    result = calibrate(scenario, tmp_path, half_life=False)
    truth = {
        "segments.everyone.baseline_return.mean": 0.6,
        "segments.everyone.baseline_return.polarisation": 0.3,
        **{k: v for k, v in TRUTH.items() if ".shifts." in k},
    }
    for path, value in truth.items():
        p = result.parameter(path)
        assert abs(p.estimate - value) <= 3 * p.se, (path, p.estimate, p.se)
    (test,) = result.fit.diagnostics["heterogeneity"]
    assert test["spread_fitted"] and test["p_value"] < 1e-6
    spread = result.scenario.segments["everyone"].baseline_return
    assert spread.polarisation == pytest.approx(
        result.parameter("segments.everyone.baseline_return.polarisation").estimate, abs=1e-6
    )


def airline_like(days: float = 30.0):
    return Scenario.model_validate(airline_like_data(days))


def airline_like_data(days: float = 30.0):
    """The airline's structure in small: a call, bags at a staffed curb that a third visit
    (queues, impatient customers who abandon: a misery that ends the journey) after a delay
    that passes whether or not they do, boarding with failures and recoveries, a complaints
    desk after a misery (its moment joins the journey's memory), a staffing schedule, a
    finite market and a memory ceiling."""
    shifts = {"misery": -0.12, "mediocrity": 0.0, "magic": 0.04}
    data = scenario_data(
        {
            "call": station(servers=None, shifts=shifts),
            "curb": station(
                servers={"schedule": [[0, 1], [12, 2]]},
                mean=20.0,
                patience={"kind": "exponential", "mean": 10.0},
                wait={"tolerance": 2.0, "doubling": 4.0},
                shifts=CURB,
            ),
            "board": station(
                servers=None,
                importance=1.5,
                failure={"rate": 0.05, "recovery": 0.6},
                shifts={"misery": -0.15, "mediocrity": 0.0, "magic": 0.05},
            ),
            "desk": station(
                servers=1,
                mean=10.0,
                patience={"kind": "exponential", "mean": 15.0},
                outcomes={"misery": 0.3, "mediocrity": 0.35, "magic": 0.35},
                shifts=COMPLAINTS,
            ),
        },
        per_day=100.0,
        horizon_days=days,
        baseline_return=0.6,
    )
    data["segments"]["everyone"]["days_between_journeys"] = {
        "kind": "gamma",
        "shape": 2,
        "scale": 3,
    }
    data["arrivals"]["market_size"] = 5000
    data["journey"] = [
        "call",
        {
            "touchpoint": "curb",
            "probability": 0.35,
            "delay": {"kind": "uniform", "low": 1440, "high": 4320},
        },
        "board",
    ]
    data["complaints"] = {
        "touchpoint": "desk",
        "share": 0.3,
        "delay": {"kind": "uniform", "low": 60, "high": 2880},
    }
    data["memory"] = {"ceiling": 0.9, "forgetting_half_life_days": 20}
    return data


CURB = {"misery": -0.08, "mediocrity": 0.0, "magic": 0.03}
COMPLAINTS = {"misery": -0.15, "mediocrity": 0.05, "magic": 0.15}


@pytest.mark.slow
def test_no_bias_from_abandonment_delays_or_complaints(tmp_path):
    """The airline once gave a curbside misery shift 2 standard errors too negative. Five firms
    with its features in small (4,000 journeys each, 60% answer surveys): the mean z-score of
    the curb's misery shift and of the complaints desk's misery and magic shifts stays within 3
    of its standard errors (1 / sqrt(5) each: a bias of 2 standard errors shows 93% of the
    time), and 95% intervals hold the truth at about their rate over all 15 (at least 12:
    fewer has binomial probability 0.5%)."""
    scenario = airline_like()
    truth = {
        "touchpoints.curb.shifts.misery": CURB["misery"],
        "touchpoints.desk.shifts.misery": COMPLAINTS["misery"],
        "touchpoints.desk.shifts.magic": COMPLAINTS["magic"],
    }
    z: dict[str, list[float]] = {path: [] for path in truth}
    covered = 0
    for seed in range(5):
        folder = tmp_path / str(seed)
        data = synthesize(scenario, seed, response_rate=0.6, margin_days=6.0)
        write_synthetic(data, folder)
        result = calibrate(scenario, folder, half_life=False)
        for path, value in truth.items():
            p = result.parameter(path)
            z[path].append((p.estimate - value) / p.se)
            covered += p.low <= value <= p.high
    for path, scores in z.items():
        assert abs(float(np.mean(scores))) <= 3 / math.sqrt(len(scores)), (path, scores)
    assert covered >= 12, covered


@pytest.mark.slow
def test_a_run_folder_with_complaints_schedules_and_a_market_calibrates(tmp_path):
    """`truthsim run --out` writes causes.csv, hourly.csv and a pooled cohort.csv beside the
    records: calibrate reads the records, leaves the pooled cohort out with a note, fits the
    complaints desk's outcome mix and shifts like any touchpoint's, and leaves the staffing
    schedule and the market as they are."""
    data = airline_like_data(10.0)
    scenario = Scenario.model_validate(data)
    path = tmp_path / "airline_like.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    done = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "--cohort-days", "5"])
    assert done.exit_code == 0, done.output
    assert {"causes.csv", "hourly.csv", "cohort.csv"} <= {p.name for p in out.iterdir()}
    result = calibrate(scenario, out, half_life=False)
    assert any("cohort.csv is a table of cohorts pooled" in n for n in result.fit.notes)
    for part in ("outcomes.misery", "outcomes.magic", "shifts.misery", "shifts.magic"):
        result.parameter(f"touchpoints.desk.{part}")
    assert result.scenario.touchpoints["curb"].servers == scenario.touchpoints["curb"].servers
    assert result.scenario.arrivals.market_size == 5000
    assert any(u.path == "arrivals.per_day" for u in result.unidentified) or (
        "arrivals.csv" not in result.files
    )
    (out / "journeys.csv").unlink()
    with pytest.raises(DataError, match="pooled"):
        calibrate(scenario, out)


# -- bad data: one clear message, exit 2 -------------------------------------------------------


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "moments.csv",
            "customer,journey,touchpoint\nA,0,desk\n",
            ["moments.csv", "row 1", "no column 'outcome'"],
        ),
        (
            "moments.csv",
            "customer,journey,touchpoint,outcome\nA,0,dsek,magic\n",
            ["row 2", "column 'touchpoint'", "'dsek' is not a touchpoint", "did you mean 'desk'"],
        ),
        (
            "moments.csv",
            "customer,journey,touchpoint,outcome\nA,0,desk,great\n",
            ["row 2", "column 'outcome'", "misery, mediocrity, magic"],
        ),
        (
            "moments.csv",
            "customer,journey,touchpoint,outcome,wait\nA,0,desk,magic,-3\n",
            ["row 2", "column 'wait'", "cannot be negative"],
        ),
        (
            "cohort.csv",
            "period,active\n0,100\n1,80\n2,90\n",
            ["cohort.csv", "row 4", "column 'active'", "grows from 80 to 90"],
        ),
        (
            "journeys.csv",
            "customer,journey,start,returned\nA,0,0,false\nA,1,10,\n",
            ["row 2", "did not return after journey 0, yet journey 1 follows"],
        ),
    ],
)
def test_bad_data_is_refused_with_its_place_and_fix(tmp_path, shop_file, name, text, expected):
    folder = write(tmp_path / "data", name, text)
    result = CliRunner().invoke(
        main, ["calibrate", str(shop_file), "--data", str(folder), "-o", str(tmp_path / "c.yaml")]
    )
    assert result.exit_code == 2, result.output
    for words in expected:
        assert words in result.output, result.output
    assert "Traceback" not in result.output
    with pytest.raises(DataError):
        calibrate(shop(), folder)


@pytest.mark.slow
def test_synthesize_then_calibrate_on_the_command_line(tmp_path, shop_file):
    runner = CliRunner()
    data, out = tmp_path / "data", tmp_path / "fit" / "calibrated.yaml"
    done = runner.invoke(main, ["synthesize", str(shop_file), "--out", str(data), "--seed", "3"])
    assert done.exit_code == 0, done.output
    assert {p.name for p in data.glob("*.csv")} == {
        "moments.csv",
        "journeys.csv",
        "cohort.csv",
        "arrivals.csv",
    }
    done = runner.invoke(
        main, ["calibrate", str(shop_file), "--data", str(data), "-o", str(out), "--no-half-life"]
    )
    assert done.exit_code == 0, done.output
    from truthsim import load_scenario

    calibrated = load_scenario(out)
    report = json.loads((out.parent / "calibration.json").read_text())
    for p in report["parameters"]:
        assert set(p) >= {"path", "estimate", "low", "high", "se"}
        assert p["low"] <= p["estimate"] <= p["high"]
    misery = next(p for p in report["parameters"] if p["path"] == "touchpoints.desk.shifts.misery")
    assert calibrated.touchpoints["desk"].shifts.misery == pytest.approx(
        misery["estimate"], abs=1e-6
    )
    assert "# calibrated: misery" in out.read_text()
    assert report["unidentified"] and all(u["reason"] for u in report["unidentified"])
    check = report["diagnostics"]["check"]
    assert {r["touchpoint"] for r in check["outcome_mix"]} == {"kiosk", "desk"}
    again = runner.invoke(main, ["calibrate", str(shop_file), "--data", str(data), "-o", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output


# -- parameter uncertainty ---------------------------------------------------------------------


def kiosk_draws() -> dict:
    """A baseline return and the kiosk's outcome mix, with their sampling covariance."""
    return {
        "draws": [
            {
                "latent": [math.log(0.7 / 0.3), -2.2, 0.3],
                "covariance": [[0.04, 0.0, 0.0], [0.0, 0.02, 0.005], [0.0, 0.005, 0.01]],
                "targets": [
                    {
                        "transform": "logit",
                        "latent": [0],
                        "paths": ["segments.everyone.baseline_return"],
                    },
                    {
                        "transform": "outcomes",
                        "latent": [1, 2],
                        "paths": [
                            f"touchpoints.kiosk.outcomes.{o}"
                            for o in ("misery", "mediocrity", "magic")
                        ],
                    },
                ],
            }
        ]
    }


def test_each_replication_draws_once_for_every_variant():
    scenario = shop()
    drawn = uncertainty_from_dict(kiosk_draws(), scenario=scenario)
    friendlier = list(scenario.improvements["friendlier_kiosk"].changes.items())
    staff = list(scenario.improvements["three_more_staff"].changes.items())
    seen = set()
    for i in range(3):
        base = replication_scenario(scenario, 11, i, drawn)
        kiosk = replication_scenario(
            apply_improvement(scenario, "friendlier_kiosk"), 11, i, drawn, friendlier
        )
        staffed = replication_scenario(
            apply_improvement(scenario, "three_more_staff"), 11, i, drawn, staff
        )
        b = base.segments["everyone"].baseline_return
        assert (
            kiosk.segments["everyone"].baseline_return
            == b
            == staffed.segments["everyone"].baseline_return
        )
        assert staffed.touchpoints["kiosk"].outcomes == base.touchpoints["kiosk"].outcomes
        assert kiosk.touchpoints["kiosk"].outcomes.magic == pytest.approx(0.32)  # on top
        assert staffed.touchpoints["desk"].servers == scenario.touchpoints["desk"].servers + 3
        assert replication_scenario(scenario, 11, i, drawn) == base
        seen.add(b)
    assert len(seen) == 3


def test_parameter_draws_take_no_matrix_product():
    """BLAS adds up a matrix product in an order chosen for the processor, so a draw through
    it could differ between Dask workers; the draw sums each row itself."""

    products = {np.dot, np.inner, np.einsum, np.tensordot, np.vdot}

    class NoProduct(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            if ufunc is np.matmul:
                raise AssertionError("a BLAS matrix product in a parameter draw")
            plain = [np.asarray(x) if isinstance(x, NoProduct) else x for x in inputs]
            return getattr(ufunc, method)(*plain, **kwargs)

        def __array_function__(self, func, types, args, kwargs):
            if func in products:
                raise AssertionError(f"{func.__name__} in a parameter draw")
            return super().__array_function__(func, types, args, kwargs)

        def dot(self, *args, **kwargs):
            raise AssertionError("a BLAS matrix product in a parameter draw")

    drawn = uncertainty_from_dict(kiosk_draws(), scenario=shop())
    group = drawn.groups[0]
    guarded = dataclasses.replace(
        drawn, groups=(dataclasses.replace(group, factor=group.factor.view(NoProduct)),)
    )
    latent = [v for _, values, _ in guarded.draw(11, 2) for v in values]
    z = np.random.default_rng(
        np.random.SeedSequence(entropy=11, spawn_key=(2, PARAMETER_STREAM))
    ).standard_normal(3)
    expected = group.center + np.asarray(group.factor) @ z
    assert latent == pytest.approx(list(expected), rel=1e-12)


def test_parameter_uncertainty_is_the_same_for_any_number_of_workers():
    scenario = shop()
    drawn = uncertainty_from_dict(kiosk_draws(), scenario=scenario)
    kwargs = {
        "replications": 2,
        "seed": 4,
        "horizon_days": 4.0,
        "parameter_uncertainty": drawn,
        "improvements": ["friendlier_kiosk"],
    }
    one = compare(scenario, execution=Execution(jobs=1), **kwargs).to_dict()
    two = compare(scenario, execution=Execution(jobs=2), **kwargs).to_dict()
    plain = compare(
        scenario,
        execution=Execution(jobs=1),
        replications=2,
        seed=4,
        horizon_days=4.0,
        improvements=["friendlier_kiosk"],
    ).to_dict()
    assert one == two
    assert one["baseline"] != plain["baseline"]


def test_a_calibration_file_that_does_not_fit_is_refused(tmp_path, shop_file):
    bad = tmp_path / "calibration.json"
    bad.write_text(
        json.dumps(
            {
                "draws": [
                    {
                        "latent": [0.1],
                        "covariance": [[0.01]],
                        "targets": [
                            {
                                "transform": "logit",
                                "latent": [0],
                                "paths": ["segments.nobody.baseline_return"],
                            }
                        ],
                    }
                ]
            }
        )
    )
    result = CliRunner().invoke(
        main, ["whatif", str(shop_file), "-r", "2", "--parameter-uncertainty", str(bad), "-q"]
    )
    assert result.exit_code == 2, result.output
    assert "calibration.json" in result.output and "Traceback" not in result.output
    (tmp_path / "broken.json").write_text("{")
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(shop_file),
            "--vary",
            "touchpoints.desk.servers=1,2",
            "--parameter-uncertainty",
            str(tmp_path / "broken.json"),
        ],
    )
    assert result.exit_code == 2 and "not valid JSON" in result.output


@pytest.mark.slow
def test_calibrated_yaml_keeps_the_files_own_comments(tmp_path, shop_file):
    text = "# our shop, as we run it\n" + shop_file.read_text()
    source = tmp_path / "shop.yaml"
    source.write_text(text)
    write_synthetic(synthesize(shop(), 2), tmp_path / "data")
    from truthsim.calibration.writing import calibrated_yaml

    result = calibrate(source, tmp_path / "data", half_life=False)
    written = calibrated_yaml(result, text)
    assert "# our shop, as we run it" in written
    assert yaml.safe_load(written)["segments"]["everyone"]["baseline_return"] == pytest.approx(
        result.parameter("segments.everyone.baseline_return").estimate, abs=1e-6
    )
