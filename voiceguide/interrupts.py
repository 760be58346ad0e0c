"""Ctrl-C, SIGTERM and SIGHUP, turned into exceptions that unwind a build cleanly, and
held off for the few steps that must not be cut in two: creating a file or a process
and taking note of it, so that cleanup knows it is there.

A signal is raised as an exception wherever the main thread happens to be, even in the
middle of the standard library (between starting ffmpeg and returning it, say). So the
handlers installed here look first: inside :func:`held`, the signal waits and is raised
as the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TypeVar

T = TypeVar("T")

WAKE_SECONDS = 0.1
"""How often a thread waiting on others wakes to let a signal in. A signal the system
hands to another thread (one in LAME, say) only sets a flag; the main thread acts on it
when it next runs, and a wait without end never would: a Ctrl-C in a batch once let the
build under way run to its end, seven seconds on."""


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so no partial file stays."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOPPING = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_depth = 0
_pending: list[int] = []


def install() -> None:
    """Handle the stopping signals (main thread only, as Python requires). A signal the
    process was started ignoring stays ignored: ``nohup`` (SIGHUP) and a shell's
    background job (SIGINT) keep protecting the build."""
    for signum in STOPPING:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _arrived)


def _arrived(signum: int, frame) -> None:
    if _depth:
        _pending.append(signum)
    else:
        _raise(signum)


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Stopping signals wait until the block is done, then arrive as usual. (Off the
    main thread nothing needs holding: signals are only ever raised in the main one.)"""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            signum = _pending[0]
            _pending.clear()
            _raise(signum)


def waiting() -> bool:
    """Whether a stopping signal arrived inside :func:`held` and waits for its end, to be
    raised in this thread (only the main thread is ever stopped: off it, never)."""
    return bool(_pending) and threading.current_thread() is threading.main_thread()


def result(future: Future[T]) -> T:
    """``future``'s result, waited for :data:`WAKE_SECONDS` at a time."""
    return next(completed((future,))).result()


def completed(futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
    """``futures`` as each is done, waited for :data:`WAKE_SECONDS` at a time."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
        yield from done
