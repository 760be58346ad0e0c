"""Memory freed while a session's speech is handled, given back to the system.

A session's speech is copied clip by clip (trimmed, then levelled), each original let
go as its copy is made. glibc keeps what is freed for reuse rather than returning it,
and a clip voiced on another thread was freed into that thread's own pool, which the
main thread's copies never reuse: without help the process would hold the speech
twice. :class:`Releaser` asks the C library to give freed pages back every so often.
Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

RELEASE_EVERY = 32 << 20
"""Bytes freed between two requests to give memory back (each takes a few ms)."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none."""
    try:  # the process's own symbols: no search for the library (which would fork)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> None:
    """Return the pages of every freed block to the system now."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Releaser:
    """Counts bytes as they are freed and gives memory back after each
    :data:`RELEASE_EVERY` of them."""

    def __init__(self) -> None:
        self.freed = 0

    def freeing(self, size: int) -> None:
        self.freed += size
        if self.freed >= RELEASE_EVERY:
            self.freed = 0
            give_back()
