"""Old module names work for one release, with a deprecation warning naming the new one."""

from __future__ import annotations

import importlib
import sys

import pytest

RENAMED = [
    ("truthsim.engine.model", "truthsim.engine.simulation", "Simulation"),
    ("truthsim.scenario.model", "truthsim.scenario.schema", "Scenario"),
    ("truthsim.engine.value", "truthsim.engine.money", "PlanningDays"),
    ("truthsim.experiments.value", "truthsim.experiments.valuation", "Valuation"),
    ("truthsim.experiments.errors", "truthsim.errors", "ExperimentError"),
]


@pytest.mark.parametrize(("old", "new", "name"), RENAMED)
def test_old_name_warns_and_serves_the_new_module(old: str, new: str, name: str):
    sys.modules.pop(old, None)
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        found = getattr(module, name)
    assert found is getattr(importlib.import_module(new), name)


def test_a_star_import_from_an_old_name_brings_the_new_modules_names():
    namespace: dict = {}
    sys.modules.pop("truthsim.scenario.model", None)
    with pytest.warns(DeprecationWarning, match="truthsim.scenario.schema"):
        exec("from truthsim.scenario.model import *", namespace)
    assert namespace["Scenario"] is importlib.import_module("truthsim.scenario.schema").Scenario
