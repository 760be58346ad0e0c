"""Writing a build's files all or nothing, under names that are safe.

Every output is first written to a temporary file in the output folder and renamed
over the old one only when all of them are complete, so a failed or interrupted build
leaves the previous files as they were and no partial ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: renames are still atomic one by one
    fcntl = None  # type: ignore[assignment]

from voiceguide import interrupts
from voiceguide.errors import ExportError, OptionError

MAX_NAME = 100
"""Longest output file name stem, characters."""

AUDIO_EXTENSIONS = ("mp3", "m4a", "ogg", "opus", "wav", "flac", "aac", "oga", "m4b", "mp4")
"""Extensions :func:`safe_name` drops from the end of a name: ``--name a.mp3`` writes
``a.mp3``, not ``a.mp3.mp3``."""


def safe_name(name: str) -> str:
    """``name`` made safe as an output file stem: every character but letters, digits,
    ``_``, ``-``, ``.`` and spaces becomes ``-``; no leading dots; no audio extension at
    the end (``a.mp3`` → ``a``); at most :data:`MAX_NAME` long. Raises
    :class:`OptionError` when nothing usable is left."""
    cleaned = _trimmed(re.sub(r"[^\w.\- ]+", "-", name))
    stem, dot, extension = cleaned.rpartition(".")
    while dot and extension.lower() in AUDIO_EXTENSIONS:
        cleaned = _trimmed(stem)
        stem, dot, extension = cleaned.rpartition(".")
    cleaned = _trimmed(cleaned[:MAX_NAME])
    if not cleaned:
        raise OptionError(f"'{name}' cannot name a file: use letters or digits")
    return cleaned


def _trimmed(name: str) -> str:
    """``name`` without spaces, dots and dashes at either end."""
    return name.strip(" .-")


class StagedOutputs:
    """Temporary files beside their final names, renamed into place together.

    Use as a context manager: ``stage(path)`` gives a temporary path to write; leaving
    the block normally renames every staged file over its final name; leaving it with an
    exception (Ctrl-C included) removes the temporary files and touches nothing else.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.staged: dict[Path, Path] = {}

    def stage(self, final: Path) -> Path:
        with interrupts.held():  # a Ctrl-C now would leave a file no one knows about
            try:
                temp = _create(self.folder, prefix=f".{final.name}.", suffix=".part")
            except OSError as exc:
                raise ExportError(f"cannot write to {self.folder}: {exc.strerror}") from exc
            self.staged[final] = temp
        return temp

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is not None:
            self._discard()
            return
        final = None
        try:
            with _locked(self.folder):
                for final, temp in self.staged.items():
                    os.replace(temp, final)
        except OSError as exc:
            self._discard()
            raise ExportError(f"could not write {final}: {exc.strerror}") from exc

    def _discard(self) -> None:
        with interrupts.held():
            for temp in self.staged.values():
                try:
                    os.unlink(temp)
                except FileNotFoundError:
                    pass


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder itself (POSIX; no lock file), so that
    two builds of one routine rename their files one set after the other: the folder
    never pairs one build's audio with the other's timeline."""
    if fcntl is None:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _create(folder: Path, prefix: str, suffix: str) -> Path:
    """A new, empty file ``folder/PREFIXrandomSUFFIX``, made with the mode every output
    gets (0o666 less the process umask, applied by the system). Unlike
    :func:`tempfile.mkstemp` (0o600, to be widened after) it needs no umask read, which
    cannot be done without changing it for every thread for a moment."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name in {folder}")


def write_json(document: Mapping, path: Path) -> None:
    write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise ExportError(f"could not write {path}: {exc.strerror}") from exc
