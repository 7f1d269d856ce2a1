"""A progress bar on stderr for work that outlasts a second: many files, or one huge fleet.

The bar is for a person at a terminal: it is never drawn when stderr is not a terminal (CI
logs, pipes) or when the caller says the run is for machines (--format json, github, sarif).
It appears only once the work has taken GHAFMEMGEN_PROGRESS_DELAY seconds (default 1), so
quick runs never import rich; it shows the file being worked on, weighted by file size, and
disappears when the work is done.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TextIO

from ghafmemgen.cli.root import is_terminal

DEFAULT_DELAY = 1.0


NEVER = 24 * 3600.0  # a delay this long (or inf) means no bar: no timer thread is started


def delay() -> float:
    """GHAFMEMGEN_PROGRESS_DELAY in seconds: negative is 0, not a number (or NaN) is the
    default, and anything from NEVER up to inf turns the bar off."""
    try:
        value = float(os.environ.get("GHAFMEMGEN_PROGRESS_DELAY", DEFAULT_DELAY))
    except ValueError:
        return DEFAULT_DELAY
    if math.isnan(value):
        return DEFAULT_DELAY
    return min(max(0.0, value), NEVER)


class _Bar:
    """Starts a rich bar from a timer thread once the delay has passed; the loop reports
    which file it is on and how many bytes are done."""

    def __init__(self, *, total: int, label: str, stream: TextIO) -> None:
        self._total, self._label, self._stream = max(total, 1), label, stream
        self._lock = threading.Lock()
        self._done, self._current = 0, ""
        self._progress: Any = None
        self._task: Any = None
        self._closed = False

    def start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._closed:
                return
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=Console(file=self._stream, stderr=True),
                transient=True,
                redirect_stdout=False,
                # messages printed to stderr meanwhile go above the bar, not through it
                redirect_stderr=self._stream is sys.stderr,
            )
            self._task = self._progress.add_task(self._description(), total=self._total)
            self._progress.update(self._task, completed=self._done)
            self._progress.start()

    def _description(self) -> str:
        return f"{self._label} {self._current}".rstrip()

    def at(self, name: str, done: int) -> None:
        with self._lock:
            self._current, self._done = name, done
            if self._progress is not None:
                self._progress.update(self._task, completed=done, description=self._description())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._progress is not None:
                self._progress.stop()


def track(
    paths: Sequence[Path],
    *,
    enabled: bool,
    label: str,
    stream: TextIO | None = None,
    after: float | None = None,
) -> Iterator[Path]:
    """Yield `paths` in order; with `enabled` and a terminal on `stream` (stderr), draw a
    bar once the work has taken `after` seconds (GHAFMEMGEN_PROGRESS_DELAY)."""
    stream = sys.stderr if stream is None else stream
    wait = delay() if after is None else after
    if not enabled or not paths or wait >= NEVER or not is_terminal(stream):
        yield from paths
        return
    sizes = [_size(path) for path in paths]
    bar = _Bar(total=sum(sizes), label=label, stream=stream)
    timer = threading.Timer(wait, bar.start)
    timer.daemon = True
    timer.start()
    done = 0
    try:
        for path, size in zip(paths, sizes, strict=True):
            bar.at(path.name, done)
            yield path
            done += size
    finally:
        timer.cancel()
        bar.close()


def _size(path: Path) -> int:
    try:
        return max(path.stat().st_size, 1)
    except OSError:
        return 1


def spinner(label: str, *, stream: TextIO | None = None) -> AbstractContextManager[object]:
    """A rich spinner with `label` on stderr while a single long wait lasts (`import --flake`
    waiting for nix); nothing when stderr is not a terminal."""
    stream = stream or sys.stderr
    if not is_terminal(stream) or os.environ.get("TERM") == "dumb":
        return nullcontext()
    from rich.console import Console

    return Console(file=stream).status(label)
