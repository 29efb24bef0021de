"""Bad scenario files: each gets a message naming the file, the place and the fix; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truthsim.scenario import ScenarioError, bundled_path, load_scenario, parse_scenario

AIRLINE = bundled_path("airline").read_text()  # type: ignore[union-attr]


def edit(old: str, new: str) -> str:
    assert old in AIRLINE, old
    return AIRLINE.replace(old, new, 1)


BAD_FILES = [
    (
        "typo in a key",
        edit("    servers: {schedule: [[0, 1], [6, 2], [22, 1]]}", "    sevrers: 2"),
        [
            "bad.yaml:",
            "touchpoints.reservation.sevrers",
            "unknown key 'sevrers'",
            "did you mean 'servers'",
        ],
    ),
    (
        "negative capacity",
        edit(
            "servers: 1                    # one agent", "servers: -1                   # one agent"
        ),
        [
            "touchpoints.ticket_counter.servers",
            "greater than or equal to 1",
            "got -1",
            "'unlimited'",
        ],
    ),
    (
        "outcomes not summing to 1",
        edit(
            "{misery: 0.05, mediocrity: 0.80, magic: 0.15}",
            "{misery: 0.05, mediocrity: 0.80, magic: 0.25}",
        ),
        ["touchpoints.gate.outcomes", "= 1.1", "must sum to 1"],
    ),
    (
        "unknown touchpoint in the journey",
        edit("  - onboard\n", "  - on_board\n"),
        ["journey[4].touchpoint", "unknown touchpoint 'on_board'", "did you mean 'onboard'"],
    ),
    (
        "unknown touchpoint in a choice",
        edit("{online_checkin: 0.6, ticket_counter: 0.4}", "{online_checkin: 0.6, counter: 0.4}"),
        ["journey[2].choice.counter", "unknown touchpoint 'counter'"],
    ),
    (
        "choice chances not summing to 1",
        edit(
            "{online_checkin: 0.6, ticket_counter: 0.4}",
            "{online_checkin: 0.6, ticket_counter: 0.3}",
        ),
        ["journey[2]", "choice chances sum to 0.9"],
    ),
    (
        "segment shares",
        edit("    share: 0.7", "    share: 0.6"),
        ["segments:", "segment shares sum to 0.9", "make them sum to 1"],
    ),
    (
        "a distribution missing its parameter",
        edit("{kind: exponential, mean: 1.5}", "{kind: exponential}"),
        ["touchpoints.arrival.service", "exponential needs mean"],
    ),
    (
        "an unknown distribution",
        edit("{kind: exponential, mean: 1.5}", "{kind: poisson, mean: 1.5}"),
        ["touchpoints.arrival.service.kind", "'exponential'", "'empirical'"],
    ),
    (
        "a probability above 1",
        edit("    baseline_return: 0.93", "    baseline_return: 93"),
        ["segments.business.baseline_return", "between 0 and 1, not 93", "did you mean 0.93?"],
    ),
    (
        "a word instead of a number",
        edit("  per_day: 80 ", "  per_day: eighty "),
        ["arrivals.per_day", "valid number", "'eighty'"],
    ),
    (
        "a misspelt section (said once: not also 'journey: missing')",
        edit("journey:\n", "journee:\n"),
        ["unknown key 'journee'", "did you mean 'journey'"],
    ),
    (
        "an improvement naming nothing",
        edit("touchpoints.gate.outcomes.magic", "touchpoints.gates.outcomes.magic"),
        [
            "improvements.gate_greeting_training.changes['touchpoints.gates.outcomes.magic']",
            "did you mean 'gate'",
        ],
    ),
    (
        "an improvement that breaks the scenario",
        edit(
            "changes: {touchpoints.ticket_counter.servers: +1 from 5 to 23}",
            "changes: {touchpoints.ticket_counter.servers: -3}",
        ),
        ["improvements.extra_ticket_agent.changes", "servers invalid", "got -3"],
    ),
    (
        "a shift beyond certainty",
        edit(
            "{misery: -0.16, mediocrity: 0.0, magic: 0.04}",
            "{misery: -0.75, mediocrity: 0.0, magic: 0.04}",
        ),
        ["touchpoints.arrival.shifts.misery", "strictly between 0 and 1"],
    ),
    (
        "warm-up longer than the horizon",
        edit("warmup_days: 0 ", "warmup_days: 400 "),
        ["warmup_days", "shorter than the horizon"],
    ),
    (
        "broken YAML",
        edit("currency: EUR", "currency: [EUR"),
        ["bad.yaml:19:", "'[' opened on this line is not closed"],
    ),
    (
        "a duplicated key",
        edit("currency: EUR", "currency: EUR\ncurrency: SEK"),
        ["currency", "appears twice"],
    ),
    (
        "an hourly profile of the wrong length",
        edit("[0, 0, 0, 0, 0.2,", "[0, 0, 0, 0.2,"),
        ["arrivals.hourly_profile", "has 23 weights; it needs 24"],
    ),
    ("not a mapping", "- just\n- a list\n", ["a scenario is a mapping", "holds list"]),
    (
        "every customer certain to return",
        edit("    baseline_return: 0.93", "    baseline_return: 1.0").replace(
            "    baseline_return: 0.62", "    baseline_return: 1.0"
        ),
        ["memory.reference_return", "set memory.reference_return between 0 and 1"],
    ),
]


@pytest.mark.parametrize(
    ("text", "fragments"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_gets_a_clear_message(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_errors_carry_the_yaml_line(tmp_path: Path) -> None:
    text = edit(
        "servers: 1                    # one agent", "servers: -1                   # one agent"
    )
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "servers: -1" in t)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "air.yaml")
    assert f"air.yaml:{line}: touchpoints.ticket_counter.servers" in str(caught.value)


def test_all_errors_are_reported_at_once() -> None:
    text = edit("    share: 0.3\n", "    share: 0.3\n    colour: blue\n")
    text = text.replace("servers: 1                    # one agent", "servers: 0 # one agent", 1)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert len(caught.value.problems) == 2


def test_missing_file_is_one_message() -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario("/nowhere/scenario.yaml")


# -- random mutations never produce anything but a ScenarioError ---------------------------------

VALID = yaml.safe_load(AIRLINE)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(-2, 2), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(VALID) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(["replace", "delete", "rename"]), JUNK),
        min_size=1,
        max_size=3,
    )
)
@pytest.mark.slow
def test_random_mutations_never_raise_anything_else(mutations) -> None:
    import copy

    data = copy.deepcopy(VALID)
    for path, action, junk in mutations:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            if action == "replace":
                parent[key] = junk
            elif action == "delete":
                del parent[key]
            elif isinstance(parent, dict):
                parent[f"{key}x"] = parent.pop(key)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this place
    text = yaml.safe_dump(data)
    try:
        parse_scenario(text, "mutant.yaml")
    except ScenarioError as error:
        assert str(error).startswith("mutant.yaml")


@pytest.mark.parametrize("name", ["airline", "hotel", "telecom"])
def test_libyaml_and_python_read_a_scenario_alike(name: str) -> None:
    """Files are read by libyaml where it is installed; the data and each value's line must be
    what the Python reader (the one behind the syntax hints) gives."""
    from truthsim.scenario import yaml_text

    text = bundled_path(name).read_text()
    fast = yaml_text._read(text, yaml_text._FastLoader)
    slow = yaml_text._read(text, yaml_text._Loader)
    assert fast == slow and len(fast[1]) > 50
    changes = [c for i in fast[0]["improvements"].values() for c in i["changes"].values()]
    if name == "airline":
        assert "+1" in changes, "'+1' is read as text, so it can mean 'add one'"
