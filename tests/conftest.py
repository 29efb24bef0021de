"""Small scenarios built in code, for tests that need a known answer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from truthsim.scenario import Scenario


def station(servers: int | None = 1, mean: float = 1.0, **extra: Any) -> dict[str, Any]:
    """A touchpoint with exponential service, waits that do not matter, and no shifts."""
    tp: dict[str, Any] = {
        "servers": "unlimited" if servers is None else servers,
        "service": {"kind": "exponential", "mean": mean},
        "outcomes": {"misery": 0.1, "mediocrity": 0.6, "magic": 0.3},
        "wait": {"tolerance": 0, "doubling": None},
        "shifts": {"misery": 0.0, "mediocrity": 0.0, "magic": 0.0},
    }
    tp.update(extra)
    return tp


def scenario_data(
    touchpoints: dict[str, dict[str, Any]] | None = None,
    *,
    per_day: float = 100.0,
    horizon_days: float = 10.0,
    warmup_days: float = 0.0,
    baseline_return: float = 0.0,
    gap_days: float = 1.0,
    **extra: Any,
) -> dict[str, Any]:
    touchpoints = touchpoints or {"desk": station()}
    data: dict[str, Any] = {
        "name": "test",
        "horizon_days": horizon_days,
        "warmup_days": warmup_days,
        "arrivals": {"per_day": per_day},
        "segments": {
            "everyone": {
                "share": 1.0,
                "value_per_journey": 100.0,
                "baseline_return": baseline_return,
                "days_between_journeys": {"kind": "fixed", "value": gap_days},
            }
        },
        "touchpoints": touchpoints,
        "journey": list(touchpoints),
        "memory": {"reference_return": 0.5},
    }
    data.update(extra)
    return copy.deepcopy(data)


#: a touchpoint whose moments never move the return: what a plain purchase log knows
QUIET_DESK = {
    "servers": "unlimited",
    "service": {"kind": "exponential", "mean": 1.0},
    "outcomes": {"misery": 0, "mediocrity": 1, "magic": 0},
    "wait": {"tolerance": 0, "doubling": None},
    "shifts": {"misery": 0.0, "mediocrity": 0.0, "magic": 0.0},
}


def quiet_scenario(name: str, segments: dict, **top: Any) -> dict:
    """Scenario data whose only touchpoint never moves the return: returns and rhythm alone,
    the customer-base models' world (``top``: horizon, arrivals, memory ...)."""
    return {
        "name": name,
        "warmup_days": 0,
        "segments": segments,
        "touchpoints": {"desk": dict(QUIET_DESK)},
        "journey": ["desk"],
        **top,
    }


def make_scenario(*args: Any, **kwargs: Any) -> Scenario:
    return Scenario.model_validate(scenario_data(*args, **kwargs))


SHIFTS = {"misery": -0.25, "mediocrity": 0.0, "magic": 0.05}


def shop(**extra):
    """A congested desk where waiting sours moments and impatient customers leave."""
    desk = station(
        servers=2,
        mean=6.0,
        patience={"kind": "exponential", "mean": 8.0},
        wait={"tolerance": 2.0, "doubling": 4.0},
        shifts=SHIFTS,
    )
    kiosk = station(servers=None, shifts=SHIFTS)
    improvements = {
        "three_more_staff": {
            "changes": {"touchpoints.desk.servers": "+3"},
            "cost": {"one_off": 60000, "per_year": 90000},
        },
        "friendlier_kiosk": {
            "changes": {"touchpoints.kiosk.outcomes.magic": 0.32},
            "cost": {"one_off": 1000},
        },
        "nothing_really": {"changes": {"touchpoints.desk.servers": 2}},
    }
    return make_scenario(
        {"kiosk": kiosk, "desk": desk},
        per_day=150.0,
        horizon_days=12.0,
        baseline_return=0.7,
        gap_days=3.0,
        improvements=improvements,
        **extra,
    )


@pytest.fixture(scope="session")
def shop_file(tmp_path_factory) -> Path:
    """The shop scenario written as a YAML file, for command-line tests."""
    path = tmp_path_factory.mktemp("shop") / "shop.yaml"
    path.write_text(yaml.safe_dump(shop().model_dump(mode="json")))
    return path


@pytest.fixture(scope="session")
def airline() -> Scenario:
    from truthsim import load_scenario

    return load_scenario("airline")
