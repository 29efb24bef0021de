"""Improvements as dotted-path changes."""

from __future__ import annotations

import pytest

from truthsim.scenario import ScenarioError, apply_changes, apply_improvement
from truthsim.scenario.patch import PathError, get_path


def test_add_scale_set(airline) -> None:
    changed = apply_changes(
        airline,
        {
            "touchpoints.ticket_counter.servers": "+1",
            "touchpoints.curbside.service.mean": "x0.5",
            "arrivals.per_day": 12,
            "touchpoints.gate.servers": {"add": 2},
        },
    )
    assert (
        changed.touchpoints["ticket_counter"].servers
        == airline.touchpoints["ticket_counter"].servers + 1
    )
    assert (
        changed.touchpoints["curbside"].service.mean
        == airline.touchpoints["curbside"].service.mean / 2
    )
    assert changed.arrivals.per_day == 12
    assert changed.touchpoints["gate"].servers == airline.touchpoints["gate"].servers + 2
    assert airline.arrivals.per_day == 80, "the original is untouched"


def test_setting_one_outcome_rescales_the_others(airline) -> None:
    gate = apply_improvement(airline, "gate_greeting_training").touchpoints["gate"].outcomes
    old = airline.touchpoints["gate"].outcomes
    assert gate.magic == 0.35
    assert gate.misery + gate.mediocrity + gate.magic == pytest.approx(1.0, abs=1e-12)
    assert gate.misery / gate.mediocrity == pytest.approx(old.misery / old.mediocrity)


def test_unknown_paths_suggest_a_fix(airline) -> None:
    with pytest.raises(PathError, match="did you mean 'gate'"):
        apply_changes(airline, {"touchpoints.gat.servers": "+1"})
    with pytest.raises(PathError, match="unlimited"):
        apply_changes(airline, {"touchpoints.onboard.servers": "+1"})
    assert get_path(airline.model_dump(), "journey.1.probability") == 0.35


def test_changes_that_break_the_scenario_are_refused(airline) -> None:
    with pytest.raises(ScenarioError, match="greater than or equal to 1"):
        apply_changes(airline, {"touchpoints.gate.servers": "-5"})
