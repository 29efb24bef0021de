"""Decision-grade answers on small scenarios: the value of a kept customer, the selection's
guarantee, and one answer in the terminal, the JSON and the report.

Statistical checks use fixed seeds and tolerances of two binomial standard errors.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from html import escape
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import make_scenario, shop, station
from truthsim import simulate
from truthsim.cli import main
from truthsim.errors import ExperimentError
from truthsim.experiments import Budget, Execution, budget_sets, compare
from truthsim.experiments.replication import RunSummary
from truthsim.experiments.valuation import default_delta, improvement_cost, valuation

CONFIDENCE = 0.95


def allowed(rate: float, repetitions: int) -> float:
    return 2 * math.sqrt(rate * (1 - rate) / repetitions)


def _self_service_across_the_horizon():
    """Long self-service visits, many of them still going when the horizon comes."""
    return make_scenario(
        {"kiosk": station(servers=None, mean=240.0), "desk": station(servers=3)},
        per_day=300,
        horizon_days=4,
    )


@pytest.mark.parametrize("scenario", [shop, _self_service_across_the_horizon])
def test_the_planning_days_add_up_to_the_headline(scenario) -> None:
    scenario = scenario()
    result = simulate(scenario, 3)
    period = result.period
    assert period.revenue.sum() == pytest.approx(result.headline["revenue"])
    assert period.active[-1].sum() == result.headline["active_at_horizon"]
    assert period.journeys.sum() == np.count_nonzero(result.journeys["end"] >= scenario.warmup)


def test_discounted_revenue_by_hand() -> None:
    scenario = make_scenario(
        per_day=20, horizon_days=200, warmup_days=20, baseline_return=0.6, gap_days=5,
        value={"discount_rate": 0.12},
    )  # fmt: skip
    result = simulate(scenario, 1)
    run = RunSummary(result.headline, result.touchpoints, result.daily["active"], result.period)
    j = result.journeys[result.journeys["end"] >= scenario.warmup]
    day = np.floor((j["end"] - scenario.warmup) / 1440)
    years = (day + 0.5) / 365  # counted at the middle of the day the journey ends
    value = valuation(scenario, [run])
    assert value.days == 180
    assert value.revenue(run) == pytest.approx(float((j["revenue"] * 1.12**-years).sum()))
    assert value.revenue(run) < result.headline["revenue"]


def test_costs_are_discounted_over_the_planning_period() -> None:
    improvements = {"x": {"changes": {"touchpoints.desk.servers": "+1"},
                          "cost": {"one_off": 500, "per_year": 3650}}}  # fmt: skip
    scenario = make_scenario(horizon_days=375, warmup_days=10, improvements=improvements)
    annuity = (1 - 1.12**-1) / math.log(1.12)  # 365 days: one year
    assert improvement_cost(scenario, "x") == pytest.approx(500 + 3650 * annuity)
    free = make_scenario(
        horizon_days=375, warmup_days=10, value={"discount_rate": 0}, improvements=improvements
    )
    assert improvement_cost(free, "x") == pytest.approx(500 + 3650)


def test_the_run_off_option_is_gone_with_a_message(shop_file: Path) -> None:
    result = CliRunner().invoke(main, ["whatif", str(shop_file), "--run-off-days", "0"])
    assert result.exit_code == 2 and "--terminal-value" in result.output, result.output
    assert "Traceback" not in result.output


def test_default_delta_comes_from_the_scenario() -> None:
    scenario = make_scenario(per_day=100, horizon_days=50, baseline_return=0.5)
    assert default_delta(scenario, "customers") == pytest.approx(5.0)
    assert default_delta(scenario, "net_value") == pytest.approx(5.0 * 100 / 0.5)


def test_budget_candidates_are_every_set_that_fits() -> None:
    """A set that could take another improvement is a candidate too (on main only the pair
    was: an improvement that does nothing was bought because the budget had room)."""
    improvements = {
        name: {"changes": {"touchpoints.desk.servers": "+1"}, "cost": cost}
        for name, cost in (
            ("a", {"one_off": 40}),
            ("b", {"one_off": 50}),
            ("c", {"one_off": 70}),
            ("d", {"one_off": 10, "per_year": 100}),
        )
    }
    scenario = make_scenario(improvements=improvements)
    sets = [c for _, c in budget_sets(scenario, None, Budget(100))]
    assert sets == [("a",), ("b",), ("c",), ("a", "b")]
    sets = [c for _, c in budget_sets(scenario, None, Budget(100, per_year=100))]
    assert ("d",) in sets and ("a", "b", "d") in sets and ("b", "c") not in sets
    with pytest.raises(ExperimentError, match="no improvement fits the budget; the cheapest"):
        budget_sets(scenario, None, Budget(5))


@pytest.mark.slow
def test_budget_selects_among_the_sets_that_fit() -> None:
    result = compare(shop(), seed=4, execution=Execution(jobs=1), budget=5000.0)
    assert result.procedure == "budget"
    names = ["friendlier_kiosk", "nothing_really", "friendlier_kiosk + nothing_really"]
    assert [v.name for v in result.variants] == names
    assert result.selection.best in ("baseline", *names)
    assert all(v.cost <= 5000.0 for v in result.variants)
    assert result.to_dict()["value"]["beyond_budget"] == {"three_more_staff": [60000.0, 90000.0]}


def twins(**extra) -> object:
    """Two identical self-service touchpoints chosen at random: which one serves a customer
    changes the random numbers but not the odds, so every improvement below changes nothing."""
    moment = {
        "outcomes": {"misery": 0.2, "mediocrity": 0.5, "magic": 0.3},
        "shifts": {"misery": -0.3, "mediocrity": 0.0, "magic": 0.1},
    }
    touchpoints = {"a": station(None, **moment), "b": station(None, **moment)}
    data = make_scenario(
        touchpoints, per_day=4, horizon_days=8, baseline_return=0.6, gap_days=1,
        improvements={
            f"route_{share}": {"changes": {"journey.0.choice.a": share, "journey.0.choice.b": 1 - share}}
            for share in (0.2, 0.35, 0.8)
        },
        **extra,
    ).model_dump()  # fmt: skip
    data["journey"] = [{"choice": {"a": 0.5, "b": 0.5}}]
    from truthsim.scenario import Scenario

    return Scenario.model_validate(data)


@pytest.mark.slow
def test_improvements_that_change_nothing_are_rarely_called_better() -> None:
    repetitions, each = 120, 10
    whole = compare(twins(), replications=repetitions * each, seed=1, execution=Execution(jobs=2))
    called = 0
    for r in range(repetitions):
        block = slice(r * each, (r + 1) * each)
        rows = [
            replace(v, runs=v.runs[block], baseline_runs=v.baseline_runs[block]).row()
            for v in whole.variants
        ]  # what a run of 10 replications would mark, with the same joint intervals
        called += any(row["significant"] and row["retained_low"] > 0 for row in rows)
    assert called / repetitions <= 1 - CONFIDENCE + allowed(1 - CONFIDENCE, repetitions)


def expected_active(per_day: float, horizon_days: float, gap_days: float, p: float) -> float:
    """Customers active at the horizon when nothing is remembered: each arrival makes a decision
    at the end of each journey that ends before the horizon (service 1 minute, then the gap) and
    stays with probability p each time."""
    horizon, cycle, service = horizon_days * 1440, gap_days * 1440 + 1.0, 1.0
    total = service  # arrivals in the last minute are mid-journey at the horizon: still active
    m = 1
    while True:
        late, early = horizon - service - (m - 1) * cycle, horizon - service - m * cycle
        if late <= 0:
            break
        total += p**m * (late - max(early, 0.0))
        m += 1
    return per_day / 1440 * total


def returns_scenario(per_day: float, horizon_days: float, gap_days: float, ps: list[float]):
    desk = station(None, service={"kind": "fixed", "value": 1.0})
    improvements = {
        f"return_{p}": {"changes": {"segments.everyone.baseline_return": p}} for p in ps[1:]
    }
    return make_scenario(
        {"desk": desk}, per_day=per_day, horizon_days=horizon_days, gap_days=gap_days,
        baseline_return=ps[0], improvements=improvements,
    )  # fmt: skip


@pytest.mark.slow
def test_the_analytic_mean_matches_the_simulation() -> None:
    scenario = returns_scenario(6, 10, 1, [0.7])
    active = [simulate(scenario, s).headline["active_at_horizon"] for s in range(300)]
    truth = expected_active(6, 10, 1, 0.7)
    assert abs(np.mean(active) - truth) <= 3 * math.sqrt(truth / 300)  # a Poisson count


@pytest.mark.slow
def test_selection_finds_the_best_ahead_by_exactly_delta() -> None:
    ps = [0.5, 0.62, 0.7]
    means = [expected_active(6, 10, 1, p) for p in ps]
    delta = means[2] - means[1]  # the best leads by exactly the indifference zone
    scenario = returns_scenario(6, 10, 1, ps)
    repetitions, correct, used = 80, 0, []
    for seed in range(repetitions):
        result = compare(scenario, seed=seed, execution=Execution(jobs=1), select=True, delta=delta)
        correct += result.selection.best == "return_0.7"
        used.append(result.replications_used)
    assert correct / repetitions >= CONFIDENCE - allowed(CONFIDENCE, repetitions)
    assert max(used) > 3 * 10, "the procedure went past its first stage"


@pytest.mark.slow
def test_sequential_selection_is_the_same_for_any_number_of_workers() -> None:
    scenario = returns_scenario(6, 10, 1, [0.5, 0.62, 0.7])
    one = compare(scenario, seed=5, execution=Execution(jobs=1), select=True, delta=0.5)
    two = compare(scenario, seed=5, execution=Execution(jobs=2), select=True, delta=0.5)
    assert one.to_dict() == two.to_dict()


@pytest.mark.slow
def test_precision_sizes_the_run_in_two_stages() -> None:
    scenario = returns_scenario(6, 10, 1, [0.5, 0.6])
    result = compare(scenario, seed=2, execution=Execution(jobs=1), precision=0.8)
    row = result.summary()[0]
    assert result.procedure == "precision" and result.replications > 10, "a second stage ran"
    assert row["retained_high"] - row["retained"] == pytest.approx(
        row["retained"] - row["retained_low"]
    )


@pytest.fixture(scope="module")
def losing(tmp_path_factory, shop_file: Path) -> tuple[str, dict, str]:
    """The shop: three more staff keep the most customers and lose money."""
    out = tmp_path_factory.mktemp("losing") / "results"
    run = CliRunner().invoke(
        main, ["whatif", str(shop_file), "--jobs", "1", "-q", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    html = out.parent / "report.html"
    report = CliRunner().invoke(main, ["report", "--from", str(out), "-o", str(html)])
    assert report.exit_code == 0, report.output
    return run.output, json.loads((out / "whatif.json").read_text()), html.read_text()


@pytest.mark.slow
def test_a_money_losing_best_is_said_plainly_everywhere(losing) -> None:
    text, data, html = losing
    chosen = data["selection"]["by_objective"]
    assert data["selection"]["best"] == chosen["customers"]["best"] == "three_more_staff"
    assert chosen["net_value"]["best"] == "baseline"
    top = data["ranking"][0]
    assert top["improvement"] == "three_more_staff" and top["net_value_high"] < 0
    for words in (
        "three_more_staff is the best for customers kept, or within",
        "Changing nothing (the baseline) is the best for net value, or within",
        "three_more_staff loses money: its net value is EUR -",
    ):
        assert words in text and words in html, words


@pytest.mark.slow
def test_terminal_report_and_json_say_the_same_sentences(losing) -> None:
    from truthsim.report.answer import meeting_answer

    text, data, html = losing
    said = meeting_answer({k: v for k, v in data.items() if k != "answer"})
    assert data["answer"] == said
    for sentence in said["brief"]:
        assert sentence in text
        assert f"{escape(sentence)}</p>" in html
    for sentence in said["details"]:
        assert sentence in text and escape(sentence) in html


def test_the_brief_speaks_to_a_manager(losing) -> None:
    """What to do in the improvement's own words, not its key; no indifference zone."""
    _, data, _ = losing
    brief = data["answer"]["brief"]
    assert brief[0] == "To keep the most customers: three more staff."
    assert "within" not in " ".join(brief)  # the indifference zone is a detail
    assert any(s.startswith("How sure: ") for s in brief)
    assert any("customers" in s and "net value" in s for s in brief)


def test_selection_object_in_json(losing) -> None:
    _, data, _ = losing
    selection = data["selection"]
    for key in ("objective", "delta", "confidence", "best", "contenders", "replications_used"):
        assert key in selection, key
    assert selection["replications_used"] == sum(selection["replications"].values())
    for row in data["ranking"]:
        for key in ("net_value", "net_value_low", "net_value_high", "cost_per_retained_low",
                    "cost_per_retained_high"):  # fmt: skip
            assert key in row, key


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-r", "5", "--precision", "3"], "--precision decides"),
        (["-r", "5", "--budget", "10"], "--max-replications the most per variant"),
        (["--budget", "10", "--precision", "3"], "not both"),
        (["--objective", "profit"], "--objective"),
        (["--first-stage", "5"], "--first-stage"),
        (["--screen", "1"], "--screen (1) must be 0 (no screen) or from 2 to --first-stage"),
        (["--screen", "11"], "--screen (11) must be 0"),
        (["--screen", "-1"], "--screen"),
        (["--delta", "0"], "--delta"),
    ],
)
def test_bad_answer_options_exit_2(shop_file: Path, args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(main, ["whatif", str(shop_file), "--jobs", "1", *args])
    assert result.exit_code == 2 and fragment in result.output, result.output


def test_sentences_for_an_undecided_selection_and_a_baseline_best() -> None:
    from truthsim.report.answer import answer_sentences

    def selection(objective: str, best, contenders, advised=None) -> dict:
        return {
            "objective": objective,
            "delta": 30.0 if objective == "customers" else 5000.0,
            "confidence": 0.95,
            "procedure": "KN",
            "best": best,
            "contenders": contenders,
            "replications": {"baseline": 40, "a": 40, "b": 40},
            "advised_replications": advised,
            "power": 0.8,
        }

    row = {
        "improvement": "a", "retained": 12.0, "retained_low": -3.0, "retained_high": 27.0,
        "cost": 9000.0, "cost_per_retained": None, "cost_per_retained_low": None,
        "cost_per_retained_high": None, "net_value": -800.0, "net_value_low": -2500.0,
        "net_value_high": 900.0,
    }  # fmt: skip
    data = {
        "objective": "customers",
        "currency": "EUR",
        "confidence": 0.95,
        "ranking": [row],
        "value": {"discount_rate": 0.12, "planning_days": 365, "terminal_value_per_customer": None},
        "selection": {
            "by_objective": {
                "customers": selection("customers", None, ["a", "b"], 57),
                "net_value": selection("net_value", "baseline", ["baseline"]),
            }
        },
    }
    text = answer_sentences(data)
    assert text[0] == (
        "For customers kept, a and b cannot be told apart within 40 replications (at 95% "
        "confidence, to within 30 customers); the selection is sure to finish within 57 "
        "replications per variant."
    )
    assert text[1].startswith("Changing nothing (the baseline) is the best for net value")
    assert "Cost per customer kept: not measurable" in " ".join(text)
    assert "a may gain or lose money" in " ".join(text)
    assert text[-1].startswith("Money is counted over the planning period, the 365 days (1.0 "
                               "years) from day 0 to the horizon")  # fmt: skip
    assert text[-1].endswith("What customers bring after the period is not counted.")
