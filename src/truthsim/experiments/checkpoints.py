"""Finished replications kept on disk, so an interrupted experiment resumes where it stopped.

Each replication is saved, atomically, under a key made of the exact scenario variant, the root
seed and the replication index. A resumed run reloads what matches and computes the rest; a
changed scenario or seed matches nothing and is computed afresh. A saved file that cannot be
read is reported, never quietly computed again, and the store counts what it loaded and what
was computed, so a resumed run can say what it reused.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from truthsim._version import __version__ as VERSION
from truthsim.engine.money import PlanningDays
from truthsim.errors import ExperimentError
from truthsim.io import to_json, write_text


class Checkpoints:
    """A folder of finished replications (``<key>.json``).

    ``fresh`` starts over: the replications kept there are discarded, but only when the run
    first uses the folder, after every input has been checked (a mistyped option loses nothing).
    """

    def __init__(self, folder: Path, fresh: bool = False) -> None:
        self.folder = folder
        self.fresh = fresh
        self._fingerprints: dict[int, tuple[Any, str]] = {}
        self.loaded = 0  #: replications read back from the folder
        self.computed = 0  #: replications computed and saved here

    def _start(self) -> None:
        if self.fresh:
            self.fresh = False
            if self.folder.exists():
                shutil.rmtree(self.folder)

    def key(self, task: Any) -> str:
        fingerprint = self._fingerprint(task.scenario)
        valued = ":period"  # saved with the planning period day by day
        base_of = getattr(task, "base_of", None)
        if base_of is not None:  # the day-0 customers come from this scenario's base
            valued += f":base-{self._fingerprint(base_of)}"
        text = f"{fingerprint}:{task.root}:{task.index}:{VERSION}{valued}"  # version: other numbers
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _fingerprint(self, scenario: Any) -> str:
        known = self._fingerprints.get(id(scenario))
        if known is not None and known[0] is scenario:  # an id is reused once its object is gone
            return known[1]
        text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
        fingerprint = hashlib.sha256(text.encode()).hexdigest()
        self._fingerprints[id(scenario)] = (scenario, fingerprint)
        return fingerprint

    def load(self, task: Any) -> Any | None:
        from truthsim.experiments.replication import RunSummary  # replication imports this module

        self._start()
        path = self.folder / f"{self.key(task)}.json"
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            headline = {k: math.nan if v is None else float(v) for k, v in data["headline"].items()}
            period = data.get("period")
            summary = RunSummary(
                headline,
                list(data["touchpoints"]),
                np.array(data["active"], dtype=np.int32),
                None if period is None else PlanningDays.from_dict(period),
            )
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise ExperimentError(
                f"{path} is not a saved replication that can be read ({type(error).__name__}: "
                f"{error}); delete that file to compute the replication again, or start over "
                "with --force"
            ) from None
        self.loaded += 1
        return summary

    def save(self, task: Any, summary: Any) -> None:
        self._start()
        data = {
            "headline": summary.headline,
            "touchpoints": summary.touchpoints,
            "active": np.asarray(summary.active).tolist(),
            "period": None if summary.period is None else summary.period.to_dict(),
        }
        write_text(self.folder / f"{self.key(task)}.json", to_json(data))
        self.computed += 1

    def count(self) -> int:
        return len(list(self.folder.glob("*.json"))) if self.folder.exists() else 0
