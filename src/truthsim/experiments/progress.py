"""Progress of long experiments: a bar on a terminal or in a notebook, plain lines in a log.

A bar redrawn in place is unreadable in a pipe, ``tee`` or a CI log, and a silent ten-minute
run looks hung; so where the output is not a terminal, a plain line goes out every few seconds
with what is done, the time taken and an estimate of what is left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO

#: called with (replications done, of how many); ``None`` when the total is open (a sequential
#: procedure adds replications until it decides)
Progress = Callable[[int, int | None], None]
Display = Literal["auto", "bar", "lines", "none"]
#: seconds between two plain progress lines
LINE_INTERVAL = 5.0


def duration(seconds: float) -> str:
    """``75`` -> ``1 min 15 s``: a duration for a person."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class ProgressLines:
    """A plain line on ``stream`` at most every ``interval`` seconds, and one at the end."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        interval: float = LINE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.stream, self.interval, self.clock = label, stream, interval, clock
        self.start = clock()
        self.last = self.start

    def __call__(self, done: int, total: int | None) -> None:
        now = self.clock()
        if (total is None or done < total) and now - self.last < self.interval:
            return
        self.last = now
        elapsed = now - self.start
        if total is None:
            line = (
                f"{self.label}: {done} replications done, {duration(elapsed)} elapsed; "
                "more, a few at a time, until the selection decides"
            )
            print(line, file=self.stream, flush=True)
            return
        line = f"{self.label}: {done}/{total} replications done, {duration(elapsed)} elapsed"
        if 0 < done < total:
            line += f", about {duration(elapsed / done * (total - done))} left"
        print(line, file=self.stream, flush=True)


class ProgressBar:
    """A tqdm bar (tqdm.auto: a widget in a notebook, text on a terminal)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label, self.stream = label, stream
        self.bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="run", file=self.stream)
        elif self.bar.total != total:
            self.bar.total = total  # an open total (None): the count alone
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Cumulative:
    """Progress over the batches of a sequential procedure, counted on from batch to batch:
    the first batch (the first stage) with its total, the later ones with an open total."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self.before = 0  #: replications of the batches already finished
        self.batches = 0

    def __call__(self, done: int, total: int | None) -> None:
        self.inner(self.before + done, total if self.batches == 0 else None)
        if total is not None and done >= total:
            self.before += total
            self.batches += 1


@contextmanager
def progress_display(
    label: str, display: Display = "auto", stream: TextIO | None = None
) -> Iterator[Progress | None]:
    """A progress callback for ``display``: a bar on a terminal ("auto"), lines otherwise."""
    stream = stream or sys.stderr
    if display == "auto":
        display = "bar" if _interactive(stream) else "lines"
    if display == "none":
        yield None
        return
    if display == "lines":
        yield ProgressLines(label, stream)
        return
    bar = ProgressBar(label, stream)
    try:
        yield bar
    finally:
        bar.close()


def _interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules
