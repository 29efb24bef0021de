"""What a customer who gives up waiting does next: lost, tries again later, or goes on.

On main every abandonment ended the journey with no revenue: a caller who hangs up never
rang again, and a traveller who left the ticket queue lost the ticket already bought."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from tests.conftest import make_scenario, station
from truthsim import ScenarioError, simulate
from truthsim.scenario import parse_scenario

FIXED_30 = {"kind": "fixed", "value": 30}


def queue(abandonment: dict | None) -> object:
    """An impatient desk, then a kiosk: many give up waiting at the desk."""
    extra = {} if abandonment is None else {"abandonment": abandonment}
    desk = station(servers=1, mean=6.0, patience={"kind": "exponential", "mean": 3.0}, **extra)
    return make_scenario({"desk": desk, "kiosk": station(servers=None)}, per_day=150,
                         horizon_days=10, baseline_return=0.6, gap_days=3)  # fmt: skip


def records(scenario) -> dict[str, bytes]:
    return {k: v.tobytes() for k, v in simulate(scenario, seed=3).records().items()}


def test_lost_is_the_default_and_a_retry_nobody_takes_changes_nothing() -> None:
    lost = records(queue({"then": "lost"}))
    assert records(queue(None)) == lost
    assert records(queue({"then": "retry", "share": 0.0, "delay": FIXED_30})) == lost


def test_abandoners_who_continue_keep_the_journey_and_its_revenue() -> None:
    run = simulate(queue({"then": "continue"}), seed=3)
    m, j = run.moments, run.journeys
    assert np.count_nonzero(m["abandoned"]) > 300
    assert np.all(m["outcome"][m["abandoned"]] == 0), "giving up is a misery"
    assert np.all(j["completed"]) and np.all(j["revenue"] == 100.0)
    kiosk = run.touchpoint_names.index("kiosk")
    visited = {(c, n) for c, n in zip(m["customer"][m["touchpoint"] == kiosk],
                                      m["journey"][m["touchpoint"] == kiosk], strict=True)}  # fmt: skip
    assert visited == set(zip(j["customer"].tolist(), j["journey"].tolist(), strict=True))


def _tries(run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each first try at the desk that was given up, and whether a second try followed."""
    m = run.moments[run.moments["touchpoint"] == run.touchpoint_names.index("desk")]
    order = np.lexsort((m["arrival"], m["journey"], m["customer"]))
    m = m[order]
    same = (m["customer"][1:] == m["customer"][:-1]) & (m["journey"][1:] == m["journey"][:-1])
    first = np.ones(len(m), dtype=bool)
    first[1:] = ~same
    gave_up = first & m["abandoned"]
    again = np.zeros(len(m), dtype=bool)
    again[:-1] = same
    return m, gave_up, again


def test_every_abandoner_tries_again_after_the_delay() -> None:
    run = simulate(queue({"then": "retry", "share": 1.0, "delay": FIXED_30}), seed=3)
    m, gave_up, again = _tries(run)
    ended = gave_up & (m["arrival"] + m["wait"] + 30 < 10 * 1440 - 60)  # room for a second try
    assert np.count_nonzero(ended) > 300 and np.all(again[ended])
    second = np.flatnonzero(ended) + 1
    assert m["arrival"][second] == pytest.approx(m["arrival"][ended] + m["wait"][ended] + 30)
    # a second try given up ends the journey: no third
    assert not np.any(again[second][m["abandoned"][second]])


def test_the_share_who_try_again() -> None:
    run = simulate(queue({"then": "retry", "share": 0.4, "delay": FIXED_30}), seed=3)
    m, gave_up, again = _tries(run)
    early = gave_up & (m["arrival"] + m["wait"] + 30 < 10 * 1440 - 60)
    n = np.count_nonzero(early)
    share = np.count_nonzero(again[early]) / n
    assert abs(share - 0.4) <= 3 * math.sqrt(0.4 * 0.6 / n), (share, n)


@pytest.mark.parametrize(
    ("abandonment", "fragment"),
    [
        ({"then": "retry", "share": 0.5}, "then: retry needs a delay"),
        ({"then": "continue", "share": 0.5}, "share and delay are for then: retry"),
        ({"then": "call back"}, "abandonment.then"),
    ],
)
def test_abandonment_mistakes_are_named(abandonment: dict, fragment: str) -> None:
    data = queue(None).model_dump(mode="json")
    data["touchpoints"]["desk"]["abandonment"] = abandonment
    with pytest.raises(ScenarioError, match=fragment):
        parse_scenario(yaml.safe_dump(data), "s.yaml")
