"""Writing a build's files all or nothing, under names that are safe.

Every output is first written to a temporary file (``.NAME.xxxxxxxx.part``) in the output
folder. When all of them are complete, their data is flushed to disk and the set is
committed: under a lock on the folder and with stopping signals held, each old file is
kept as a hard link (``.NAME.xxxxxxxx.old``), then each new one renamed over its name
and every file of the set this build does not write (a stale ``NAME.vtt``, the stem's
audio in another format) removed. A rename that fails, or a signal that arrives
meanwhile, puts every old file back from its link: the folder holds the previous set or
the new one, never a mix. The folder is flushed after the renames, as git and SQLite do.

A build that was killed leaves its ``.part`` files behind; each is locked (``flock``)
by the build writing it, so the next commit in the folder removes those no live build
holds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: renames are still atomic one by one
    fcntl = None  # type: ignore[assignment]

from voiceguide import interrupts
from voiceguide.errors import ExportError, OptionError
from voiceguide.locks import claim
from voiceguide.model import Routine

MAX_NAME = 100
"""Longest output file name stem, characters."""
MAX_NAME_BYTES = 255
"""Longest file name most file systems take, bytes (ext4, XFS, btrfs, APFS, NTFS)."""
PART_SUFFIX = ".part"
OLD_SUFFIX = ".old"
LONGEST_EXTRA = len(".") + len(".timeline.json") + len(".12345678") + len(PART_SUFFIX)
"""Bytes a stem's longest file adds to it: its temporary ``.STEM.timeline.json.xxxxxxxx.part``."""
MAX_STEM_BYTES = MAX_NAME_BYTES - LONGEST_EXTRA
"""Longest output file name stem, bytes in UTF-8: every file of the set then fits."""

AUDIO_EXTENSIONS = ("mp3", "m4a", "ogg", "opus", "wav", "flac", "aac", "oga", "m4b", "mp4")
"""Extensions :func:`safe_name` drops from the end of a name: ``--name a.mp3`` writes
``a.mp3``, not ``a.mp3.mp3``."""


def not_a_folder(path: Path) -> Path | None:
    """The first of ``path`` and the folders above it that exists but is not a folder
    (a file, a device, a broken link), or None when the folder exists or can be made."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return None
        if os.path.lexists(candidate):
            return candidate
    return None


def safe_name(name: str) -> str:
    """``name`` made safe as an output file stem: every character but letters, digits,
    ``_``, ``-``, ``.`` and spaces becomes ``-`` (so do characters that are not text: a
    file name that is not UTF-8); no leading dots; no audio extension at the end
    (``a.mp3`` → ``a``); at most :data:`MAX_NAME` long. Raises :class:`OptionError` when
    nothing usable is left, or when the stem is longer than a file name may be
    (:data:`MAX_STEM_BYTES` in UTF-8), before anything is voiced."""
    shown = shown_name(name)
    # composed first: "ñ" saved as "n" and a combining tilde (as macOS names files) is a letter
    composed = unicodedata.normalize("NFC", _valid_text(name))
    cleaned = _trimmed(re.sub(r"[^\w.\- ]+", "-", composed))
    stem, dot, extension = cleaned.rpartition(".")
    while dot and extension.lower() in AUDIO_EXTENSIONS:
        cleaned = _trimmed(stem)
        stem, dot, extension = cleaned.rpartition(".")
    cleaned = _trimmed(cleaned[:MAX_NAME])
    if not cleaned:
        raise OptionError(f"'{shown}' cannot name a file: use letters or digits")
    size = len(cleaned.encode("utf-8"))
    if size > MAX_STEM_BYTES:
        raise OptionError(
            f"'{shown}' is too long for a file name: {size} bytes in UTF-8, at most "
            f"{MAX_STEM_BYTES}; use a shorter one"
        )
    return cleaned


def shown_name(name: str) -> str:
    """``name`` as it can be printed: bytes that were not UTF-8 (kept by Python as lone
    surrogates) shown as ``\\xNN``."""
    return (
        name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        if (_valid_text(name) != name)
        else name
    )


def printable(routine: Routine) -> Routine:
    """``routine`` with a name and source that can be written as UTF-8: from a file whose
    name is not UTF-8, its undecodable bytes shown as ``\\xNN``."""
    name, source = shown_name(routine.name), shown_name(routine.source)
    if (name, source) == (routine.name, routine.source):
        return routine
    return dataclasses.replace(routine, name=name, source=source)


def _valid_text(name: str) -> str:
    """``name`` with every character that cannot be written as UTF-8 (a lone surrogate,
    from a file name that was not UTF-8) replaced by ``-``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("-" if 0xD800 <= ord(c) <= 0xDFFF else c for c in name)
    return name


def _trimmed(name: str) -> str:
    """``name`` without spaces, dots and dashes at either end."""
    return name.strip(" .-")


class StagedOutputs:
    """Temporary files beside their final names, committed together.

    Use as a context manager: ``stage(path)`` gives a temporary path to write; leaving
    the block normally commits the set (every staged file renamed over its final name,
    every ``retired`` one removed), all or nothing; leaving it with an exception
    (Ctrl-C included) removes the temporary files and touches nothing else.
    """

    def __init__(self, folder: Path, retired: Iterable[Path] = ()):
        self.folder = folder
        self.retired = [Path(p) for p in retired]
        """Files of the set that this build does not write: removed as it commits."""
        self.removed: list[Path] = []
        """The retired files there were, once the commit has removed them."""
        self.staged: dict[Path, Path] = {}
        self._locks: list[int] = []

    def stage(self, final: Path) -> Path:
        with interrupts.held():  # a Ctrl-C now would leave a file no one knows about
            try:
                temp, handle = _create_locked(self.folder, prefix=f".{final.name}.")
            except OSError as exc:
                raise ExportError(f"cannot write to {self.folder}: {exc.strerror}") from exc
            self.staged[final] = temp
            self._locks.append(handle)
        return temp

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is not None:
            self._discard()
            return
        committed: list[Path] | None = None
        try:
            for temp in self.staged.values():
                _sync(temp)
            with interrupts.held(), _locked(self.folder):
                remove_leftovers(self.folder)
                retired = [p for p in self.retired if p not in self.staged]
                committed = _commit(self.folder, self.staged, retired)
                self.removed = committed or []
        except OSError as exc:
            self._discard()
            raise ExportError(f"could not write to {self.folder}: {exc.strerror}") from exc
        except BaseException as exc:
            self._discard()
            if committed is not None:  # a signal held over the commit, which was done
                exc.written = tuple(self.staged)  # type: ignore[attr-defined]
            raise
        self._release()

    def _discard(self) -> None:
        with interrupts.held():
            for temp in self.staged.values():
                _unlink(temp)
            self._release()

    def _release(self) -> None:
        for handle in self._locks:
            os.close(handle)
        self._locks.clear()


def _commit(folder: Path, staged: Mapping[Path, Path], retired: list[Path]) -> list[Path] | None:
    """Rename each staged file over its final name and remove each retired one, all or
    nothing: every old file is first kept as a hard link (or, where the file system has
    none, renamed aside), and put back if a step fails or a stopping signal is waiting.
    The retired files that were there and are removed; None if it was undone for a
    signal. The caller holds the signals and the folder's lock."""
    finals = [*staged, *retired]
    kept: dict[Path, tuple[Path, bool]] = {}  # final → (its old file's copy, linked)
    done: list[Path] = []
    final = folder
    try:
        for final in finals:
            if os.path.lexists(final):
                kept[final] = _keep(folder, final)
        for final in finals:
            if final in staged:
                os.replace(staged[final], final)
            elif final in kept:
                os.unlink(final)
            done.append(final)
            if interrupts.waiting():
                raise _Undo
        final = folder
        _sync_folder(folder)
        if interrupts.waiting():  # the last moment the commit can still be undone
            raise _Undo
    except BaseException as exc:
        for each in reversed(finals):
            if each in done:
                _restore(each, kept.get(each))
            elif each in kept and not kept[each][1]:
                _restore(each, kept[each])
        for copy, _ in kept.values():
            _unlink(copy)
        _sync_folder(folder, quietly=True)
        if isinstance(exc, _Undo):
            return None  # the signal waiting arrives as the caller's held() block ends
        if isinstance(exc, OSError):
            raise ExportError(f"could not write {final}: {exc.strerror}") from exc
        raise
    for copy, _ in kept.values():
        _unlink(copy)
    return [p for p in retired if p in kept]


class _Undo(Exception):
    """A stopping signal arrived during a commit: it is undone."""


def _keep(folder: Path, final: Path) -> tuple[Path, bool]:
    """A copy of ``final`` that puts it back when renamed over it: a hard link beside it,
    or (where there are no hard links) ``final`` itself, renamed aside."""
    for _ in range(100):
        copy = folder / f".{final.name}.{secrets.token_hex(4)}{OLD_SUFFIX}"
        try:
            os.link(final, copy, follow_symlinks=False)
            return copy, True
        except FileExistsError:
            continue
        except OSError as exc:
            if os.path.isdir(final) and not os.path.islink(final):
                raise OSError(exc.errno, "it is a folder", str(final)) from exc
            os.rename(final, copy)  # fails as the rename over it would: nothing changed
            return copy, False
    raise FileExistsError(f"no free temporary name in {folder}")


def _restore(final: Path, kept: tuple[Path, bool] | None) -> None:
    """Put the old ``final`` back (or remove the new one, if there was none)."""
    try:
        if kept is None:
            os.unlink(final)
        elif kept[1]:
            os.replace(kept[0], final)
        else:
            os.rename(kept[0], final)
    except OSError:
        pass  # as much as can be undone is


def remove_leftovers(folder: Path) -> int:
    """Remove the temporary files that builds killed in ``folder`` left behind: each
    ``.part`` no live build holds (its writer keeps a lock on it) and each ``.old`` copy
    (made only during a commit, which holds the folder's lock, as the caller does).
    How many were removed."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not name.startswith(".") or not name.endswith((PART_SUFFIX, OLD_SUFFIX)):
            continue
        if not re.fullmatch(r"\..+\.[0-9a-f]{8}\.(part|old)", name):
            continue
        path = folder / name
        if name.endswith(PART_SUFFIX) and _owned(path):
            continue
        removed += _unlink(path)
    return removed


def _owned(path: Path) -> bool:
    """Whether a live build holds ``path``'s lock (or it cannot be told)."""
    if fcntl is None:
        return True
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(handle)
    return False


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder itself (POSIX; no lock file), so that
    two builds of one routine commit their files one set after the other: the folder
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


def _create_locked(folder: Path, prefix: str) -> tuple[Path, int]:
    """A new, empty file ``folder/PREFIXxxxxxxxx.part`` and an open handle holding its
    lock (so that no other build takes it for a killed one's leftover), made with the
    mode every output gets (0o666 less the process umask, applied by the system).
    Unlike :func:`tempfile.mkstemp` (0o600, to be widened after) it needs no umask read,
    which cannot be done without changing it for every thread for a moment."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(4)}{PART_SUFFIX}"
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        if claim(path, handle):
            return path, handle
        os.close(handle)
    raise FileExistsError(f"no free temporary name in {folder}")


def _sync(path: Path) -> None:
    """Flush ``path``'s data to the disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(folder: Path, *, quietly: bool = False) -> None:
    """Flush the folder's entries (the renames) to the disk, where the system allows."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        if quietly:
            return
        raise
    try:
        os.fsync(handle)
    except OSError as exc:  # some file systems cannot flush a folder: nothing to do there
        if not quietly and exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(handle)


def _unlink(path: Path) -> int:
    try:
        os.unlink(path)
    except OSError:
        return 0
    return 1


def make_folder(folder: Path) -> Path:
    """``folder``, made (with the folders above it) if missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the output folder {folder}: {exc.strerror}") from exc
    return folder


def write_json(document: Mapping, path: Path) -> None:
    write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise ExportError(f"could not write to {visible_folder(path)}: {exc.strerror}") from exc


def visible_folder(name: str | bytes | int | os.PathLike[str]) -> str:
    """The folder a file is written in, past the hidden files and folders a build works
    in (``.NAME.part``, ``.NAME.programme``): what a message names."""
    folder = Path(os.fsdecode(name) if not isinstance(name, int) else ".").parent
    while folder.name.startswith(".") and folder.parent != folder:
        folder = folder.parent
    return str(folder)
