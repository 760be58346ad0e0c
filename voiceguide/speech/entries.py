"""The speech cache's files, trusted no further than a regular file in its own folder:
opened without following symlinks, read with a size bound, touched when used, dropped
only if unchanged since a trim's scan (:mod:`voiceguide.speech.cache` is the cache)."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from voiceguide.limits import LIMITS

try:
    import fcntl
except ImportError:  # Windows: trims are not taken in turn, which is safe, only wasteful
    fcntl = None  # type: ignore[assignment]

MAX_ENTRY_BYTES = LIMITS.max_cache_entry_bytes
"""Largest entry read; a larger one is damaged."""
TEMP_SUFFIX = ".tmp"
T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """An entry as a trim's scan saw it."""

    used: int
    """Modification time, nanoseconds: when it was last written or read."""
    size: int
    path: str
    inode: tuple[int, int]


NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW
READ = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0)


def open_shard(path: Path) -> int:
    """A handle on a shard folder, refused (OSError) if it is a symlink or no folder."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | NOFOLLOW)


def load(shard_path: Path, name: str, decode: Callable[[bytes], T | None]) -> T | None:
    """What ``decode`` makes of the entry ``name`` in the shard folder ``shard_path``
    (marked used), or ``None`` if it is missing or damaged: a damaged entry (not a
    regular file, too large, or one ``decode`` refuses) is deleted."""
    try:
        shard = open_shard(shard_path)
    except OSError:
        return None  # missing, or not a folder of ours: nothing to read or remove
    try:
        data = read_entry(shard, name, touch=True)
        found = None if data is None else decode(data)
        if found is None:
            remove_in(shard, name)
        return found
    except FileNotFoundError:
        return None
    finally:
        os.close(shard)


def store(shard_path: Path, key: str, name: str, pieces: Sequence[bytes]) -> bool:
    """Write ``pieces`` as the entry ``name`` in the shard folder ``shard_path``
    atomically (a temporary file named after ``key``, then renamed); ``False`` if it
    could not be written (a shard folder that is a symlink is not written through)."""
    temp: str | None = None
    shard: int | None = None
    try:
        shard_path.mkdir(parents=True, exist_ok=True)
        shard = open_shard(shard_path)
        for _ in range(100):
            temp = f".{key}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
            try:
                handle = os.open(temp, CREATE, 0o600, dir_fd=shard)
                break
            except FileExistsError:
                temp = None
        if temp is None:
            return False
        with os.fdopen(handle, "wb") as f:  # piece by piece: no copy of a clip
            for piece in pieces:
                f.write(piece)
        os.replace(temp, name, src_dir_fd=shard, dst_dir_fd=shard)
    except OSError:
        if temp is not None and shard is not None:
            remove_in(shard, temp)
        return False
    finally:
        if shard is not None:
            os.close(shard)
    return True


def read_entry(shard: int, name: str, *, touch: bool = False) -> bytes | None:
    """The bytes of the entry ``name`` in ``shard``; ``None`` if it is not a regular file
    (a symlink, a pipe, a device) or is larger than any entry can be. With ``touch``, an
    entry read is marked used now (its modification time), for the trims."""
    try:
        handle = os.open(name, READ, dir_fd=shard)
    except FileNotFoundError:
        raise
    except OSError:
        return None  # a symlink (O_NOFOLLOW), or unreadable
    with os.fdopen(handle, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        data = f.read(MAX_ENTRY_BYTES + 1)
        if touch and len(data) <= MAX_ENTRY_BYTES:
            mark_used(f.fileno())
    return data if len(data) <= MAX_ENTRY_BYTES else None


def mark_used(handle: int) -> None:
    """Set the open file's modification time to now, if allowed (a cache shared
    read-only stays as it is)."""
    if os.utime in os.supports_fd:
        try:
            os.utime(handle)
        except OSError:
            pass


def identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def drop(entry: Entry) -> int | None:
    """Unlink ``entry`` if it is still the file the scan saw, unused since: 1 if it was
    removed, 0 if it was already gone, ``None`` if it was kept (read or rewritten since
    the scan, or not removable). Between the check and the unlink another build may
    replace it: that entry is then voiced again, nothing worse."""
    try:
        now = os.stat(entry.path, follow_symlinks=False)
    except FileNotFoundError:
        return 0
    except OSError:
        return None
    if identity(now) != entry.inode or now.st_mtime_ns != entry.used:
        return None
    try:
        os.unlink(entry.path)
    except FileNotFoundError:
        return 0
    except OSError:
        return None
    return 1


class TrimLock:
    """The cache folder itself, ``flock``-ed from ``with`` to its end, so that trims run
    one at a time and leave no lock file behind. Without ``flock`` (Windows) or a folder
    to lock, a trim runs unlocked: it only unlinks files, each one checked first."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.handle: int | None = None

    def __enter__(self) -> TrimLock:
        if fcntl is not None:
            try:
                self.handle = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                fcntl.flock(self.handle, fcntl.LOCK_EX)
            except OSError:
                self.__exit__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            os.close(self.handle)  # and with it the lock
            self.handle = None


def remove_in(shard: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=shard)
    except OSError:
        pass


def remove(path: Path) -> bool:
    """Delete a file if possible; ``True`` if it was deleted."""
    try:
        path.unlink()
    except OSError:
        return False
    return True
