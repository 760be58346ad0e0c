"""Claiming what a build made (a temporary file or folder) with an ``flock``: while the
lock is held, other builds know the build is alive and leave it alone."""

from __future__ import annotations

import os

try:
    import fcntl
except ImportError:  # Windows: nothing is claimed, leftovers go with their own build
    fcntl = None  # type: ignore[assignment]


def claim(path: str | os.PathLike[str], handle: int) -> bool:
    """Lock ``handle`` (opened on ``path``) and say whether ``path`` is still that file or
    folder: another build may have taken it for a leftover and removed it before it was
    locked. Without ``flock`` there is nothing to claim."""
    if fcntl is None:
        return True
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        return os.path.samestat(os.fstat(handle), os.stat(path, follow_symlinks=False))
    except FileNotFoundError:
        return False
