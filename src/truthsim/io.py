"""Writing results to files: atomically (temp file, then rename), never over existing work."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


class OutputExistsError(FileExistsError):
    """An output file is already there and overwriting was not asked for."""


#: the list of files a results set wrote, kept beside them so the next --force knows what to replace
MANIFEST = ".truthsim-files"
#: results files written before the manifest existed (recognised in older folders)
_EARLIER = frozenset(
    [
        "summary.json",
        "touchpoints.csv",
        "daily.csv",
        "figures.json",
        "moments.csv",
        "journeys.csv",
        "customers.csv",
        "records.npz",
        "whatif.csv",
        "whatif.json",
        "replications.csv",
        "scenario.json",
        "meta.json",
        "sweep.csv",
        "sweep.json",
        "sensitivity.csv",
        "sensitivity.json",
        "samples.csv",
        "causes.csv",
        "cohort.csv",
        "hourly.csv",
    ]
)

Content = str | bytes


def earlier_results(directory: Path) -> list[str]:
    """Names of the truthsim results files already in ``directory`` (none: an empty list)."""
    if not directory.is_dir():
        return []
    listed: set[str] = set(_EARLIER)
    with contextlib.suppress(OSError, ValueError, TypeError):
        listed |= set(json.loads((directory / MANIFEST).read_text()))
    return sorted(n for n in listed if "/" not in n and (directory / n).is_file())


def check_free(directory: Path, names: Iterable[str] = (), force: bool = False) -> None:
    """Refuse, before anything is simulated, a folder that holds results (unless ``force``).

    ``names`` are further files the coming run would write (a user's own files of another name
    are never touched).
    """
    if force:
        return
    taken = sorted(set(earlier_results(directory)) | {n for n in names if (directory / n).exists()})
    if taken:
        raise OutputExistsError(
            f"{directory}: {', '.join(taken)} already there; choose another --out or add --force"
        )


def write_results(directory: Path, files: Mapping[str, Content], force: bool = False) -> list[Path]:
    """Write a results set as one: refuse an occupied folder unless ``force``; with it, the set
    replaces the earlier one (its files not rewritten now are removed, so no stale file of
    another run stays beside the new ones)."""
    check_free(directory, files, force)
    earlier = earlier_results(directory)
    written = []
    for name, content in files.items():
        path = directory / name
        write_bytes(path, content.encode("utf-8") if isinstance(content, str) else content)
        written.append(path)
    for name in earlier:
        if name not in files:
            (directory / name).unlink(missing_ok=True)
    write_text(directory / MANIFEST, json.dumps(sorted(files)) + "\n")
    return written


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: readers see the old file or the new, never half."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # the permissions a plain open() would have given
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def to_json(data: Any) -> str:
    """Stable JSON: sorted only where the data says so, NaN as null, a trailing newline."""
    return json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"


def significant(data: Any, digits: int = 10) -> Any:
    """``data`` with every float rounded to ``digits`` significant digits: a summary's
    statistics without the float noise of their last bits (0.6604, not 0.6604000000000001);
    sums of whole amounts stay exact. For files people read; records keep every bit."""
    if isinstance(data, Mapping):
        return {k: significant(v, digits) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [significant(v, digits) for v in data]
    if isinstance(data, float) and data == data and abs(data) != float("inf"):
        return float(f"{data:.{digits}g}")
    return data


def rows_to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def records_to_csv(records: np.ndarray) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = records.dtype.names or ()
    writer.writerow(names)
    columns = [records[n].tolist() for n in names]
    for row in zip(*columns, strict=True):
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def records_to_npz(records: Mapping[str, np.ndarray]) -> bytes:
    import numpy as np  # loaded when records are written, not for every command

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **records)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return "" if value != value else repr(value)
    return "" if value is None else value


def _clean(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _clean(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_clean(v) for v in data]
    if type(data).__module__ == "numpy" and hasattr(data, "item"):  # a numpy scalar
        data = data.item()
    if isinstance(data, float) and (data != data or data in (float("inf"), float("-inf"))):
        return None
    return data
