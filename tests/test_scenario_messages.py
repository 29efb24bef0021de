"""Messages about a broken scenario: every problem at once, in line order, each said once and
in plain words; and a mistyped command gets a did-you-mean."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from truthsim.cli import main
from truthsim.scenario import ScenarioError, parse_scenario

GOOD = """\
name: shop
arrivals: {per_day: 10}
touchpoints:
  desk:
    servers: 1
    service: {kind: exponential, mean: 2}
    outcomes: {misery: 0.1, mediocrity: 0.5, magic: 0.4}
journey: [desk]
segments:
  all:
    share: 1
    value_per_journey: 10
    baseline_return: 0.5
    days_between_journeys: {kind: fixed, value: 3}
    patience: 1
improvements:
  more_staff: {changes: {touchpoints.desk.servers: +1}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "shop.yaml")
    return str(caught.value).splitlines()


def test_the_base_file_is_valid() -> None:
    parse_scenario(GOOD, "shop.yaml")


def test_a_field_is_described_in_words_that_read() -> None:
    (line,) = problems(GOOD.replace("patience: 1", "patience: -1"))
    assert "patience is the multiplies" not in line
    assert "; patience: multiplies touchpoint patience" in line


@pytest.mark.parametrize(("written", "hint"), [("35", "did you mean 0.35?"), ("1.35", None)])
def test_a_percentage_hint_only_for_what_looks_like_one(written: str, hint: str | None) -> None:
    (line,) = problems(GOOD.replace("magic: 0.4}", f"magic: {written}}}"))
    assert "between 0 and 1" in line
    if hint:
        assert hint in line
    else:
        assert "did you mean" not in line


def test_a_duplicate_key_does_not_hide_the_other_problems() -> None:
    text = GOOD.replace("    servers: 1\n", "    servers: 1\n    servers: 2\n").replace(
        "patience: 1", "patience: -1"
    )
    found = problems(text)
    assert any("appears twice" in line for line in found)
    assert any("segments.all.patience" in line for line in found)


def test_an_improvements_path_typo_comes_with_the_other_problems() -> None:
    text = GOOD.replace("patience: 1", "patience: -1").replace(
        "touchpoints.desk.servers: +1", "touchpoints.desk.servrs: +1"
    )
    found = problems(text)
    assert any("segments.all.patience" in line for line in found)
    assert any("servrs" in line and "did you mean 'servers'" in line for line in found)


def test_a_misspelt_key_is_one_problem() -> None:
    found = problems(GOOD.replace("    servers: 1\n", "    servrs: 1\n"))
    assert len(found) == 1, found
    assert "unknown key 'servrs'; did you mean 'servers'?" in found[0]


def test_problems_come_in_line_order() -> None:
    text = GOOD.replace("patience: 1", "patience: -1").replace("magic: 0.4}", "magic: 1.4}")
    found = problems(text)
    lines = [int(re.match(r"shop\.yaml:(\d+):", line).group(1)) for line in found]
    assert len(lines) >= 2 and lines == sorted(lines)


def test_a_mistyped_command_gets_a_did_you_mean() -> None:
    result = CliRunner().invoke(main, ["runn", "airline"])
    assert result.exit_code == 2
    assert "did you mean 'run'" in result.output


@pytest.mark.slow
def test_run_takes_quiet_and_a_warmup(tmp_path) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(
        main,
        ["run", "airline", "--horizon-days", "10", "--warmup-days", "3", "-q", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    summary = (out / "summary.json").read_text()
    assert '"warmup_days": 3.0' in summary


def test_a_scenario_from_a_dict_is_checked_as_a_file_is() -> None:
    import yaml

    import truthsim

    data = yaml.safe_load(GOOD)
    data["improvements"]["more_staff"]["changes"]["touchpoints.desk.servers"] = "+1"  # adds
    assert truthsim.scenario_from_dict(data) == parse_scenario(GOOD, "shop.yaml")
    data["touchpoints"]["desk"]["servrs"] = data["touchpoints"]["desk"].pop("servers")
    with pytest.raises(ScenarioError) as caught:
        truthsim.scenario_from_dict(data, "my dict")
    assert str(caught.value) == (
        "my dict: touchpoints.desk.servrs: unknown key 'servrs'; did you mean 'servers'? "
        "(allowed here: label, servers, service, patience, abandonment, outcomes, "
        "outcomes_by_segment, wait, load, failure, internal, needs, complain, importance, shifts)"
    )


@pytest.mark.slow
def test_scenarios_and_results_read_as_people_read_them() -> None:
    import truthsim

    scenario = truthsim.load_scenario("airline")
    assert str(scenario) == repr(scenario) and len(str(scenario)) < 200
    html = scenario._repr_html_()
    assert "schedule=" not in html and "1-2 by hour" in html
    result = truthsim.simulate(scenario, seed=1, horizon_days=3)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", result._repr_html_())
    shown = dict(zip(cells[::2], cells[1::2], strict=True))
    assert shown["return rate"].endswith("%") and not any("e+" in v for v in shown.values())
    assert shown["revenue"] == f"{result.headline['revenue']:,.0f}"


@pytest.mark.slow
def test_a_runs_summary_files_carry_no_float_noise(tmp_path) -> None:
    import json

    out = tmp_path / "r"
    result = CliRunner().invoke(
        main, ["run", "airline", "--horizon-days", "5", "-q", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    floats = [v for v in summary["headline"].values() if isinstance(v, float)]
    assert floats and all(
        len(repr(v).replace("-", "").replace(".", "").lstrip("0")) <= 12 for v in floats
    )
    _, *rows = (out / "touchpoints.csv").read_text().splitlines()
    cells = [c for row in rows for c in row.split(",") if re.fullmatch(r"-?\d+\.\d+", c)]
    digits = [len(c.replace("-", "").replace(".", "").lstrip("0")) for c in cells]
    assert cells and max(digits) <= 10, rows[0]
