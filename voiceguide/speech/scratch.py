"""The voice workers' temporary folders (``voiceguide-tts-*`` in the system's temporary
folder), each locked (``flock``) by the build that made it for as long as it lives.

A build that was killed cannot remove its folder; the next one to make a folder removes
every ``voiceguide-tts-*`` of this user that no live build holds.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile

try:
    import fcntl
except ImportError:  # Windows: folders are removed by their own build only
    fcntl = None  # type: ignore[assignment]

from voiceguide.locks import claim

PREFIX = "voiceguide-tts-"


def make() -> tuple[str, int | None]:
    """A new folder and the open handle that holds its lock (close it after removing the
    folder); leftovers of killed builds are removed first."""
    remove_leftovers()
    for _ in range(100):
        folder = tempfile.mkdtemp(prefix=PREFIX)
        if fcntl is None:
            return folder, None
        try:
            handle = os.open(folder, os.O_RDONLY)
        except FileNotFoundError:  # another build took it for a leftover before we locked it
            continue
        if claim(folder, handle):
            return folder, handle
        os.close(handle)
    raise FileExistsError("no free temporary folder")


def remove_leftovers(root: str | None = None) -> int:
    """Remove every ``voiceguide-tts-*`` folder of this user in ``root`` (the system's
    temporary folder) that no live build holds; how many were removed."""
    if fcntl is None:
        return 0
    root = root or tempfile.gettempdir()
    removed = 0
    try:
        names = [n for n in os.listdir(root) if n.startswith(PREFIX)]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(root, name)
        try:
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            continue  # a live build's
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(handle)
        removed += 1
    return removed
