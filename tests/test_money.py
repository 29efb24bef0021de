"""Money a finance team can sign: one planning period for revenue, cost and customers kept, a
terminal value that treats every customer alike, how the best for net value holds across
planning periods and discount rates, and statements that hold jointly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import make_scenario, shop
from truthsim.cli import main
from truthsim.engine.money import PlanningDays
from truthsim.experiments import Execution, compare
from truthsim.experiments.replication import RunSummary
from truthsim.experiments.robustness import periods, robustness
from truthsim.experiments.valuation import annuity
from truthsim.report.answer import holds


@pytest.mark.slow
def test_cost_per_customer_kept_counts_cost_and_customers_over_one_period() -> None:
    """On main the cost ran to the end of a three-year run-off while the customers were counted
    at the horizon: the cost per customer kept moved elevenfold with the run-off."""
    plain, terminal = (
        compare(
            shop(),
            ["three_more_staff"],
            replications=3,
            seed=3,
            execution=Execution(jobs=1),
            terminal_value=t,
        )
        for t in (False, True)
    )
    a, b = plain.variants[0], terminal.variants[0]
    assert a.cost == pytest.approx(60000 + 90000 * annuity(12 / 365, 0.12))
    assert a.cost == b.cost and a.retained.mean == b.retained.mean
    assert a.cost_per_retained == b.cost_per_retained
    assert a.cost_per_retained == pytest.approx(a.cost / a.retained.mean)


@pytest.mark.slow
def test_the_terminal_value_is_the_same_for_every_customer_of_a_segment() -> None:
    """An improvement's terminal value is its extra customers at the period's end times one
    worth per segment, estimated from the baseline: not what its own service would bring them."""
    result = compare(shop(), ["three_more_staff"], replications=4, seed=5, execution=Execution(jobs=1),
                     terminal_value=True)  # fmt: skip
    (variant,) = result.variants
    value = variant.value
    base = result.baseline.runs
    journeys = sum(r.period.journeys[0] for r in base)
    returns = sum(r.period.returns[0] for r in base)
    step = 1.12 ** -(3.0 / 365)  # the shop's mean of 3 days between journeys
    worth = 100.0 * step / (1 - returns / journeys * step)  # 100 a journey
    assert value.terminal == pytest.approx((worth,))
    kept = variant.gains("customers")
    assert variant.terminal_gains() == pytest.approx(kept * worth * 1.12 ** -(12 / 365))
    plain = compare(
        shop(), ["three_more_staff"], replications=4, seed=5, execution=Execution(jobs=1)
    )
    revenue = variant.gains("revenue") - variant.terminal_gains()
    assert revenue == pytest.approx(plain.variants[0].gains("revenue"))


def _run(per_day: float, days: int = 730) -> RunSummary:
    period = PlanningDays(
        np.full(days, per_day), np.ones((days, 1), dtype=np.int64), np.ones(1), np.zeros(1)
    )
    return RunSummary({}, [], np.zeros(0), period)


def test_the_answer_says_where_the_best_for_net_value_changes() -> None:
    """A: 10 a day for 5,000 one-off; B: 2 a day for nothing; C: 12 a day for 4,000 a year.
    Over one year B earns more net, over two years A does, unless money two years out is
    discounted at 20%; C's running cost keeps it from ever being best."""
    scenario = make_scenario(horizon_days=730, value={"discount_rate": 0.12})
    assert periods(scenario) == ([365, 730], [3, 4, 5])
    runs = [[_run(0.0)], [_run(10.0)], [_run(2.0)], [_run(12.0)]]
    yearly = [(5000, 0), (0, 0), (0, 4000)]
    cells = robustness(scenario, ["baseline", "A", "B", "C"], runs, yearly, 1)
    best = {(c.days, c.rate): c.best for c in cells}
    assert {best[365, r] for r in (0.0, 0.05, 0.12, 0.2)} == {"B"}
    assert best[730, 0.0] == best[730, 0.05] == best[730, 0.12] == "A"
    assert best[730, 0.2] == "B"
    two_years = next(c for c in cells if c.days == 730 and c.rate == 0.0)
    assert two_years.gain == pytest.approx(10 * 730 - 5000)
    words = holds({"value": {"robustness": [c.to_dict() for c in cells],
                             "years_not_simulated": [3, 4, 5]}})  # fmt: skip
    assert "the highest mean net value changes: B in 5 of 8 cases, A over 2 years at 0%" in words[0]
    assert words[1].startswith(
        "Planning periods of 3 years, 4 years and 5 years were not simulated"
    )


@pytest.mark.slow
def test_every_statement_of_the_answer_holds_jointly() -> None:
    """On main each of four families (the table's intervals of customers and of net value, the
    two selections) was at 95% on its own: jointly at least 80%."""
    result = compare(shop(), replications=3, seed=3, execution=Execution(jobs=1))
    data = result.to_dict()
    assert data["value"]["families"] == 4
    each = 1 - 0.05 / 4
    assert all(s.confidence == pytest.approx(each) for s in result.selections.values())
    rows = len(result.variants)
    assert all(v.confidence == pytest.approx(1 - (1 - each) / rows) for v in result.variants)
    assert math.isclose(data["value"]["family_confidence"], each)


@pytest.mark.slow
def test_the_answer_names_its_planning_period_and_what_holds(shop_file) -> None:
    run = CliRunner().invoke(main, ["whatif", str(shop_file), "--jobs", "1", "-r", "3"])
    assert run.exit_code == 0, run.output
    assert "Money is counted over the planning period, the 12 days" in run.output
    assert "Valued over planning periods of 12 days and discount rates of 0%, 5%, 12% and 20%" in (
        run.output
    )
    assert "holds jointly with 95% confidence" in run.output


@pytest.mark.slow
def test_drawn_parameters_show_the_spread_the_mean_hides() -> None:
    """On main the interval of the mean over parameter draws was the only figure, and it
    narrows with replications while the effect across plausible parameters does not."""
    from truthsim.experiments.uncertainty import uncertainty_from_dict
    from truthsim.report.answer import answer_sentences

    draws = {
        "draws": [
            {
                "latent": [math.log(0.7 / 0.3)],
                "covariance": [[0.09]],
                "targets": [
                    {
                        "transform": "logit",
                        "latent": [0],
                        "paths": ["segments.everyone.baseline_return"],
                    }
                ],
            }
        ]
    }
    scenario = shop()
    drawn = uncertainty_from_dict(draws, scenario=scenario)
    result = compare(scenario, ["three_more_staff"], replications=20, seed=3, execution=Execution(jobs=1),
                     parameter_uncertainty=drawn)  # fmt: skip
    data = result.to_dict()
    spread = data["value"]["parameters"]["customers"]
    gains = result.variants[0].gains("customers")
    assert spread["range"]["three_more_staff"] == pytest.approx(
        list(np.quantile(gains, [0.05, 0.95]))
    )
    assert sum(spread["best_share"].values()) == pytest.approx(1.0)
    low, high = spread["range"]["three_more_staff"]
    retained = result.variants[0].retained
    assert high - low > retained.high - retained.low  # the mean is known better than the effect
    text = " ".join(answer_sentences(data))
    assert "about the mean effect over what the data leave unknown" in text
    assert "Across the 20 draws, three_more_staff's gain in customers kept ranged from" in text


def test_a_period_that_is_not_whole_days_costs_its_own_length() -> None:
    improvements = {"x": {"changes": {"touchpoints.desk.servers": "+1"},
                          "cost": {"per_year": 3650}}}  # fmt: skip
    scenario = make_scenario(horizon_days=10.5, value={"discount_rate": 0},
                             improvements=improvements)  # fmt: skip
    from truthsim.experiments.valuation import improvement_cost, valuation

    assert improvement_cost(scenario, "x") == pytest.approx(3650 * 10.5 / 365)
    value = valuation(scenario, [])
    assert value.days == 11 and value.years == pytest.approx(10.5 / 365)
