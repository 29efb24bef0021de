"""The leverage map against closed forms, against finite differences, and as a command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import make_scenario, station
from truthsim.behaviour.outcome import OutcomeModel
from truthsim.behaviour.outcome_score import cumulative, cumulative_slopes, outcome_score
from truthsim.behaviour.recovery import moment_impacts
from truthsim.cli import main
from truthsim.experiments import Execution, leverage
from truthsim.experiments.levers import levers
from truthsim.scenario import apply_changes, load_scenario
from truthsim.scenario.improvement import Improvement
from truthsim.scenario.probability import logit, sigmoid

#: standard errors a fixed-seed estimate may sit from the truth (a 0.3% chance by noise)
Z = 3.0
SHIFTS = {"misery": -0.2, "mediocrity": 0.0, "magic": 0.2}
DAYS, PER_DAY = 20, 200.0


def geometric_shop():
    """One self-service moment; memory fades within the day between journeys, so each journey
    returns independently with p = sum_k P(k) sigmoid(logit(b) + shift_k): the geometric law."""
    return make_scenario(
        {"kiosk": station(servers=None, shifts=SHIFTS)},
        per_day=PER_DAY,
        horizon_days=float(DAYS),
        baseline_return=0.5,
        memory={"reference_return": 0.5, "forgetting_half_life_days": 0.001, "ceiling": None},
    )


def kept_closed_form(p: float) -> float:
    """Customers active after DAYS whole days: arrivals over each day a, kept if all of their
    DAYS - a journeys (one a day) returned: PER_DAY * sum_k p^(k+1)."""
    return PER_DAY * p * (1 - p**DAYS) / (1 - p)


def geometric_terms(scenario):
    impacts, _ = moment_impacts(scenario.touchpoints["kiosk"], 0.5)
    p = [sigmoid(logit(0.5) + x) for x in impacts]
    shares = scenario.touchpoints["kiosk"].outcomes.as_tuple()
    return p, sum(a * b for a, b in zip(shares, p, strict=True))


@pytest.fixture(scope="module")
def geometric_map():
    return leverage(
        geometric_shop(),
        replications=20,
        difference_replications=20,
        check=True,
        seed=11,
        execution=Execution(jobs=1),
    )


def test_outcome_scores_are_the_outcome_rules_derivatives() -> None:
    """The analytic score equals d log P / d theta of OutcomeModel.probabilities, numerically."""
    shares, tolerance, doubling, factor = (0.07, 0.73, 0.20), 8.0, 8.0, 1.2
    waits = np.array([0.0, 5.0, 12.0, 30.0])
    eps = 1e-6

    def probabilities(p, t):
        model = OutcomeModel.build(p, t, doubling)
        return np.array([model.probabilities(w, factor) for w in waits])

    base = probabilities(shares, tolerance)
    per_minute = math.log(2) / doubling
    lower, upper, pushed = cumulative(0.07, 0.80, tolerance * factor, per_minute, waits)
    moved = {
        "magic": ((0.07, 0.73 - eps, 0.20 + eps), tolerance),
        "misery": ((0.07 - eps, 0.73 + eps, 0.20), tolerance),
        "tolerance": (shares, tolerance + eps),
    }
    for lever, (p, t) in moved.items():
        numeric = (probabilities(p, t) - base) / eps / base
        d_lower, d_upper = cumulative_slopes(
            lever, 0.07, 0.80, lower, upper, pushed, per_minute, np.full(4, factor)
        )
        for outcome in range(3):
            score = outcome_score(np.full(4, outcome), lower, upper, d_lower, d_upper)
            assert score == pytest.approx(numeric[:, outcome], abs=2e-4), (lever, outcome)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["magic", "misery"])
def test_derivative_matches_the_geometric_law(geometric_map, kind: str) -> None:
    p, mean = geometric_terms(geometric_shop())
    moved = p[2] - p[1] if kind == "magic" else p[1] - p[0]  # d(mean return) per unit share
    slope = (kept_closed_form(mean + 1e-6) - kept_closed_form(mean - 1e-6)) / 2e-6
    row = geometric_map.row(f"kiosk.{kind}")
    assert row.method == "score"
    assert abs(row.kept.mean - slope * moved * 0.1) < Z * row.kept.se


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["magic", "misery"])
def test_finite_difference_matches_the_geometric_law(geometric_map, kind: str) -> None:
    """Over its step the difference is the closed form's secant, per 10 points."""
    scenario = geometric_shop()
    p, mean = geometric_terms(scenario)
    row = geometric_map.row(f"kiosk.{kind}")
    moved = (p[2] - p[1] if kind == "magic" else p[1] - p[0]) * row.lever.step
    secant = (kept_closed_form(mean + moved) - kept_closed_form(mean)) / row.lever.step * 0.1
    assert abs(row.difference.mean - secant) < Z * row.difference.se


def word_of_mouth_shop():
    """Complaints and word of mouth on: a misery deters prospects, a magic moment refers."""
    desk = station(servers=None, shifts={"misery": -0.1, "mediocrity": 0.05, "magic": 0.2})
    desk["outcomes"] = {"misery": 0.3, "mediocrity": 0.4, "magic": 0.3}
    return make_scenario(
        {
            "kiosk": station(servers=None, shifts={"misery": -0.2, "mediocrity": 0, "magic": 0.1}),
            "desk": desk,
        },
        per_day=200.0,
        horizon_days=30.0,
        baseline_return=0.6,
        memory={"reference_return": 0.6},
        journey=["kiosk"],
        complaints={"touchpoint": "desk", "share": 0.3, "delay": {"kind": "fixed", "value": 60}},
        word_of_mouth={
            "misery_tells": 10,
            "deterred_share": 0.05,
            "resolved_tells": 4,
            "magic_tells": 5,
            "referred_share": 0.05,
            "magic_moments": 1,
        },
    )


@pytest.mark.slow
def test_derivatives_carry_word_of_mouth_and_agree_with_differences() -> None:
    """Half of a misery's cost here is the prospects it deters: a derivative that left word of
    mouth out would sit far below the simulated difference. The secant over the step is the
    mean of the slopes at its two ends; the misery lever curves, and the map says so."""
    result = leverage(
        word_of_mouth_shop(), replications=20, difference_replications=20, check=True, seed=5
    )
    for row in result.rows:
        if row.lever.scored:
            assert not row.agreement.excludes_zero, row.lever.name
    misery = result.row("kiosk.misery")
    assert misery.curvature.excludes_zero and misery.linear_words().startswith("curves")


def test_levers_state_their_step_and_what_they_skip() -> None:
    scenario = load_scenario("airline")
    found, skipped = levers(scenario, {"gate": 23.0})
    names = {lever.name for lever in found}
    assert "onboard.servers" in skipped and "onboard.magic" in names
    gate = {lever.kind: lever for lever in found if lever.touchpoint == "gate"}
    assert gate["misery"].step == pytest.approx(0.025)  # half the misery there is
    assert dict(gate["peak_servers"].changes)["touchpoints.gate.servers"] == "+1 from 21 to 24"
    service = dict(gate["service"].changes)  # gamma: the scale shrinks, the shape stays
    assert set(service) == {"touchpoints.gate.service.scale"}
    changed = apply_changes(scenario, service).touchpoints["gate"].service.expected()
    assert changed == pytest.approx(scenario.touchpoints["gate"].service.expected() - 0.15)


def test_a_levers_improvement_line_is_a_valid_improvement() -> None:
    scenario = load_scenario("airline")
    found, _ = levers(scenario)
    for lever in found:
        written = yaml.safe_load(lever.improvement())
        (improvement,) = written.values()
        changes = Improvement.model_validate(improvement).changes
        assert apply_changes(scenario, changes) == apply_changes(scenario, dict(lever.changes))
    magic = next(lever for lever in found if lever.name == "gate.magic")
    shares = apply_changes(scenario, dict(magic.changes)).touchpoints["gate"].outcomes
    assert (shares.misery, shares.mediocrity, shares.magic) == pytest.approx((0.05, 0.70, 0.25))


@pytest.mark.slow
def test_the_map_names_a_leader_only_when_it_is_sure() -> None:
    scenario = geometric_shop()
    data = {**scenario.model_dump(), "touchpoints": {}}
    data["touchpoints"] = {
        "kiosk": station(servers=None, shifts=SHIFTS),
        "faint": station(servers=None, shifts={"misery": -0.01, "mediocrity": 0, "magic": 0.01}),
    }
    data["journey"] = ["kiosk", "faint"]
    two = leverage(type(scenario).model_validate(data), replications=6, seed=3)
    magic = next(c for c in two.claims if c.kind == "magic")
    assert magic.leader == "kiosk" and magic.close == []
    assert "more than at any other touchpoint" in two.answer()


@pytest.mark.slow
def test_command_writes_the_map_its_figure_and_a_report(tmp_path) -> None:
    out = tmp_path / "map"
    scenario = tmp_path / "shop.yaml"
    scenario.write_text(yaml.safe_dump(geometric_shop().model_dump(mode="json")))
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["leverage", str(scenario), "-r", "3", "-q", "--out", str(out), "--plots", str(out / "p")],
    )
    assert result.exit_code == 0, result.output
    assert "kiosk" in result.output and "changes: {touchpoints.kiosk" in result.output
    data = json.loads((out / "leverage.json").read_text())
    assert {row["lever"] for row in data["levers"]} == {"kiosk.magic", "kiosk.misery"}
    assert (out / "p" / "journey_map.png").exists()
    report = runner.invoke(main, ["report", "--from", str(out), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    assert "journey" in (tmp_path / "r.html").read_text().lower()


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--touchpoint", "gat"], "no touchpoint 'gat'"),
        (["--lever", "gate.magik"], "no lever 'gate.magik'"),
        (["--difference-replications", "1"], "--difference-replications"),
    ],
)
@pytest.mark.slow
def test_command_refuses_bad_input_clearly(tmp_path, arguments, words) -> None:
    scenario = tmp_path / "shop.yaml"
    data = geometric_shop().model_dump(mode="json")
    data["touchpoints"]["gate"] = data["touchpoints"].pop("kiosk")
    data["journey"] = ["gate"]
    scenario.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(main, ["leverage", str(scenario), "-r", "2", "-q", *arguments])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_derivative_matches_the_shifted_beta_geometric_law() -> None:
    """Customers differ in their baseline return (churn ~ Beta(a, b), the sBG law); each
    customer's journeys return with p_c = sum_k P(k) sigmoid(logit(b_c) + shift_k), so
    kept = rate * sum_k E[p_c^(k+1)], an integral over the Beta."""
    from scipy import integrate, stats

    a, b = 2.0, 3.0
    scenario = geometric_shop()
    data = scenario.model_dump()
    data["segments"]["everyone"]["baseline_return"] = {"churn_alpha": a, "churn_beta": b}
    scenario = type(scenario).model_validate(data)
    impacts, _ = moment_impacts(scenario.touchpoints["kiosk"], 0.5)
    shares = np.array(scenario.touchpoints["kiosk"].outcomes.as_tuple())

    def kept(epsilon: float) -> float:
        moved = shares + epsilon * np.array([0.0, -1.0, 1.0])  # magic from mediocrity

        def integrand(churn: float) -> float:
            p = sum(s * sigmoid(logit(1 - churn) + x) for s, x in zip(moved, impacts, strict=True))
            return stats.beta.pdf(churn, a, b) * PER_DAY * p * (1 - p**DAYS) / (1 - p)

        return integrate.quad(integrand, 1e-9, 1 - 1e-9, limit=200)[0]

    slope = (kept(1e-4) - kept(-1e-4)) / 2e-4 * 0.1
    row = leverage(scenario, replications=20, seed=13).row("kiosk.magic")
    assert abs(row.kept.mean - slope) < Z * row.kept.se


@pytest.mark.slow
def test_the_same_seed_gives_the_same_map_on_any_number_of_workers() -> None:
    one = leverage(geometric_shop(), replications=3, seed=2, execution=Execution(jobs=1)).to_dict()
    two = leverage(geometric_shop(), replications=3, seed=2, execution=Execution(jobs=2)).to_dict()
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_levers_a_score_cannot_measure_are_left_out_with_a_reason() -> None:
    """No magic to move yet (a score at zero probability has no mean zero), or every segment
    with its own mix (the touchpoint's shared mix reaches nobody)."""
    scenario = geometric_shop()
    data = scenario.model_dump()
    data["touchpoints"]["kiosk"]["outcomes"] = {"misery": 0.2, "mediocrity": 0.8, "magic": 0.0}
    found, skipped = levers(type(scenario).model_validate(data))
    assert "kiosk.magic" in skipped and {lever.name for lever in found} == {"kiosk.misery"}
    data["touchpoints"]["kiosk"]["outcomes_by_segment"] = {
        "everyone": {"misery": 0.1, "mediocrity": 0.6, "magic": 0.3}
    }
    found, skipped = levers(type(scenario).model_validate(data))
    assert not found and "own outcome mix" in skipped["kiosk.misery"]


def test_shares_moved_between_themselves_leave_the_third_exactly() -> None:
    scenario = load_scenario("airline")
    changes = {"touchpoints.reservation.outcomes.magic": "+0.1"}
    changes["touchpoints.reservation.outcomes.mediocrity"] = "-0.1"
    moved = apply_changes(scenario, changes).touchpoints["reservation"].outcomes
    assert moved.misery == scenario.touchpoints["reservation"].outcomes.misery


def test_rows_with_and_without_a_check_become_one_table_of_records() -> None:
    """A checked map's rows carry the check's columns only where the lever was checked, and a
    share is None where the mean derivative is 0; on main the records took the first row's
    columns (a KeyError, or the check's columns dropped)."""
    from truthsim.experiments.tables import rows_to_records

    rows = [
        {"lever": "a.magic", "kept": 10.0, "difference_kept": 8.0, "difference_share": None},
        {"lever": "a.servers", "kept": 4},
    ]
    records = rows_to_records(rows, "lever")
    assert records.dtype.names == ("lever", "kept", "difference_kept")
    assert records["difference_kept"][0] == 8.0 and np.isnan(records["difference_kept"][1])
    assert rows_to_records(rows[::-1], "lever").dtype.names == records.dtype.names
