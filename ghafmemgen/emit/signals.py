"""One path for the signals that end a write: SIGINT, SIGTERM and SIGHUP.

CI cancellation, `timeout` and `docker stop` send SIGTERM, a closed terminal SIGHUP, Ctrl-C
SIGINT; all three must leave the files wholly old or wholly new with no temporary behind.
Inside `interruptible()` each raises Interrupted, an exception that runs every cleanup, as
Ctrl-C's KeyboardInterrupt does. Inside `critical()` (a commit, a rollback, a cleanup) a
signal waits until the section ends, so it never cuts a rename sequence in two. A signal the
parent set to be ignored (nohup) stays ignored. Only the main thread installs handlers.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ghafmemgen.errors import Interrupted


@dataclass(slots=True)
class _Deferral:
    depth: int = 0  # open critical sections
    pending: int | None = None  # the first signal that arrived inside one


_DEFERRAL = _Deferral()
_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_signal(signum: int, _frame: object) -> None:
    if _DEFERRAL.depth:
        if _DEFERRAL.pending is None:
            _DEFERRAL.pending = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Inside: SIGTERM and SIGHUP raise Interrupted as Ctrl-C does, so cleanups run."""
    previous: dict[signal.Signals, Any] = {}
    for signum in _HANDLED:
        try:
            old = signal.getsignal(signum)
            if old != signal.SIG_IGN:
                signal.signal(signum, _on_signal)
                previous[signum] = old
        except ValueError:  # not the main thread: signals are not ours to take
            break
    try:
        yield
    finally:
        for handled, handler in previous.items():
            signal.signal(handled, handler)


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """A commit or a cleanup that a signal must not cut in two: the signal waits, and is
    raised as Interrupted when the outermost section ends."""
    _DEFERRAL.depth += 1
    try:
        yield
    finally:
        _DEFERRAL.depth -= 1
        if not _DEFERRAL.depth and _DEFERRAL.pending is not None:
            signum, _DEFERRAL.pending = _DEFERRAL.pending, None
            raise Interrupted(signum)
