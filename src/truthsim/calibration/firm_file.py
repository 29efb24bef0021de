"""A scenario that starts from a firm's customers in its data, made ready to run anywhere.

``customer_base: {data: FOLDER}`` needs the firm's files read and each customer's posterior
computed under the scenario (see :mod:`truthsim.calibration.firm`). That is done once, here, and
the result saved as plain arrays in a cache file; the scenario then names the file
(``{file: ...}``), which the engine and every worker process read without the calibration.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from truthsim.calibration.data import read_data
from truthsim.calibration.firm import firm_base
from truthsim.engine.firm_base import save_firm_base
from truthsim.scenario.customer_base import CustomerBase
from truthsim.scenario.schema import Scenario


def with_firm_base(scenario: Scenario, folder: str | Path | None = None) -> Scenario:
    """``scenario`` starting from the firm's customers in ``folder`` (default: its own
    ``customer_base.data``), their base computed once and saved (a scenario of another base is
    returned as it is)."""
    if folder is None:
        if scenario.customer_base.kind != "data":
            return scenario
        folder = scenario.customer_base.data
    folder = Path(folder)  # type: ignore[arg-type]
    path = _cache_path(scenario, folder)
    if not path.exists():
        data = read_data(folder, scenario)
        if data.journeys is None:
            from truthsim.errors import DataError

            raise DataError(
                f"{folder}: a base of the firm's customers needs journeys.csv or transactions.csv"
            )
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        save_firm_base(firm_base(data, scenario), partial)
        os.replace(partial, path)
    saved = CustomerBase(kind="file", file=str(path))
    return scenario.model_copy(update={"customer_base": saved})


def _cache_path(scenario: Scenario, folder: Path) -> Path:
    """A file named by what the base depends on: the scenario's dynamics and the data files."""
    what = scenario.model_dump(
        mode="json",
        exclude={"improvements", "horizon_days", "warmup_days", "value", "name", "description"},
    )
    files = (
        sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.iterdir()
            if p.is_file()
        )
        if folder.is_dir()
        else []
    )
    digest = hashlib.sha256(
        json.dumps([what, str(folder.resolve()), files], sort_keys=True).encode()
    ).hexdigest()[:24]
    directory = Path(tempfile.gettempdir()) / "truthsim-bases"
    directory.mkdir(exist_ok=True)
    return directory / f"{digest}.npz"
