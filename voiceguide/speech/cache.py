"""A cache of synthesised clips, so a rebuild speaks only the phrases that changed.

Entries are content-addressed: the key is a sha256 of everything that shapes a clip
(the engine's identity, the text, :data:`FORMAT_VERSION`), so a stale entry is never
looked up, only left behind. Each entry is one small self-checking file::

    <folder>/<key[:2]>/<key>.clip

    offset  size  field
         0     6  MAGIC (b"VGCLIP")
         6     2  format version, unsigned, little-endian
         8     4  sample rate, unsigned, little-endian
        12     8  sample count, unsigned, little-endian
        20    32  sha256 of the PCM
        52     -  the PCM: mono signed 16-bit little-endian, sample count * 2 bytes

Beside the clips, under the same cap, it keeps encoded audio: the frames LAME made of a
part of an MP3, keyed by the part's samples and the encoder's settings, so that a part
is encoded once (:mod:`voiceguide.mp3reuse`)::

    <folder>/<key[:2]>/<key>.frames

    offset  size  field
         0     6  FRAMES_MAGIC (b"VGMP3F")
         6     2  format version, unsigned, little-endian
         8     8  byte count, unsigned, little-endian
        16    32  sha256 of the frames
        48     -  the frames

A damaged entry (short, wrong magic or version, wrong length, checksum mismatch,
unreadable, larger than :data:`~voiceguide.speech.entries.MAX_ENTRY_BYTES`, not a
regular file: a symlink, a pipe, a device) is deleted and reported as missing, so it is
simply rebuilt; nothing is read through a symlink, and a shard folder that is a symlink
is neither read nor written. Writes go to a temporary file in the same folder and are
moved into place with :func:`os.replace`, each phrase as soon as it is voiced (an
interrupted build keeps what it voiced); a cache that cannot be written (read-only
folder, full disk) only costs speed.

The cache is bounded: it keeps at most ``$VOICEGUIDE_CACHE_MAX`` bytes (500 MB unless
set: :func:`max_bytes_from_env`; ``0`` keeps nothing). An entry's modification time is
when it was last used, as a read touches it; after a build that added to it,
:meth:`ClipCache.trim` drops the least recently used entries (encoded parts before any
phrase) until the cache fits, with one scan of the folder. Trims are taken in turn (an
``flock`` on the cache folder), and an entry is dropped only if it is still the file the
scan saw, unused since. Entries are never changed in place, only replaced or unlinked,
so a build that opened one reads it whole, and one that finds it gone voices the phrase
(or encodes the part) again, as for any missing entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import struct
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import BadInput
from voiceguide.speech.base import SAMPLE_WIDTH, Clip
from voiceguide.speech.entries import (
    TEMP_SUFFIX,
    Entry,
    TrimLock,
    drop,
    identity,
    load,
    remove,
    store,
)
from voiceguide.speech.sizes import DEFAULT_MAX_BYTES, max_bytes_from_env

CACHE_DIR_ENV = "VOICEGUIDE_CACHE_DIR"
"""Environment variable naming the cache folder (overrides the platform default)."""
APP_NAME = "voiceguide"
SUBFOLDER = "speech"
"""The folder inside the user's cache folder for voiceguide that holds the clips."""

FORMAT_VERSION = 1
"""Bump when the entry layout or the key recipe changes: old entries then go unused."""
MAGIC = b"VGCLIP"
HEADER = struct.Struct("<6sHIQ32s")
"""Magic, format version, rate, sample count, sha256 of the PCM."""
ENTRY_SUFFIX = ".clip"
FRAMES_SUFFIX = ".frames"
"""An entry of encoded audio: the frames of a part of an MP3 (:mod:`voiceguide.mp3reuse`)."""
FRAMES_MAGIC = b"VGMP3F"
FRAMES_HEADER = struct.Struct("<6sHQ32s")
"""Magic, format version, byte count, sha256 of the frames."""
STALE_TEMP_SECONDS = 3600.0
"""A temporary file this much older than a trim is a killed build's: the trim removes it
(a write takes milliseconds)."""

_KEY = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY_NAME = re.compile(
    r"[0-9a-f]{64}" + f"(?:{re.escape(ENTRY_SUFFIX)}|{re.escape(FRAMES_SUFFIX)})"
)
_TEMP_NAME = re.compile(r"\.[0-9a-f]{64}\..*" + re.escape(TEMP_SUFFIX))
_OWN_NAME = re.compile(f"{_ENTRY_NAME.pattern}|{_TEMP_NAME.pattern}")


def default_dir() -> Path:
    """``$VOICEGUIDE_CACHE_DIR`` if set (refused as bad input when it names anything but
    a folder: a cache there would keep nothing, and say so nowhere), else ``speech`` in
    the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        folder = Path(configured).expanduser()
        if folder.exists() and not folder.is_dir():
            raise BadInput(
                f"the environment variable {CACHE_DIR_ENV} ({configured}) is not a folder"
            )
        return folder
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME)) / SUBFOLDER


@dataclass(frozen=True)
class CacheInfo:
    """What :meth:`ClipCache.info` reports: where the cache is, how big, and its cap."""

    folder: Path
    entries: int
    """Voiced phrases."""
    bytes: int
    max_bytes: int = DEFAULT_MAX_BYTES
    parts: int = 0
    """Encoded parts of MP3s."""


class ClipCache:
    """Clips on disk, one file per key, sharded by the key's first two hex digits, at
    most ``max_bytes`` bytes of them (unless given, :func:`max_bytes_from_env`: a bad
    ``$VOICEGUIDE_CACHE_MAX`` raises its :class:`~voiceguide.errors.BadInput` here)."""

    def __init__(self, folder: Path | str, max_bytes: int | None = None):
        self.folder = Path(folder)
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes

    # -- keys ---------------------------------------------------------------------

    def key(self, engine_id: Mapping[str, str], text: str) -> str:
        """The sha256 (hex) of a canonical JSON of the engine identity, text and format.

        Values are compared as strings, so ``{"rate": 150}`` and ``{"rate": "150"}``
        give the same key; the order of the mapping does not matter.
        """
        identity = {str(name): str(value) for name, value in engine_id.items()}
        canonical = json.dumps(
            {"format": FORMAT_VERSION, "engine": identity, "text": text},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        """Where the entry for ``key`` lives (whether or not it exists)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / key[:2] / (key + ENTRY_SUFFIX)

    # -- entries --------------------------------------------------------------------

    def get(self, key: str) -> Clip | None:
        """The cached clip, or ``None`` if missing; a damaged entry is deleted first.
        Only a regular file in a real shard folder of the cache is read (never through a
        symlink, never a pipe or device), and only if it is at most
        :data:`~voiceguide.speech.entries.MAX_ENTRY_BYTES`."""
        self.path(key)  # checks the key
        if self.max_bytes == 0:
            return None  # the cache keeps nothing
        return load(self.folder / key[:2], key + ENTRY_SUFFIX, _decode)

    def put(self, key: str, clip: Clip) -> bool:
        """Store ``clip`` under ``key`` atomically; ``False`` if it could not be written
        (a shard folder that is a symlink is not written through)."""
        self.path(key)
        if self.max_bytes == 0:
            return False
        return store(self.folder / key[:2], key, key + ENTRY_SUFFIX, [_header(clip), clip.pcm])

    def get_frames(self, key: str) -> bytes | None:
        """The encoded audio kept under ``key`` (:meth:`put_frames`), as :meth:`get`."""
        self.path(key)
        if self.max_bytes == 0:
            return None
        return load(self.folder / key[:2], key + FRAMES_SUFFIX, _decode_frames)

    def put_frames(self, key: str, frames: bytes) -> bool:
        """Keep encoded audio (an MP3 part's frames) under ``key``, as :meth:`put`."""
        self.path(key)
        if self.max_bytes == 0:
            return False
        header = FRAMES_HEADER.pack(
            FRAMES_MAGIC, FORMAT_VERSION, len(frames), hashlib.sha256(frames).digest()
        )
        return store(self.folder / key[:2], key, key + FRAMES_SUFFIX, [header, frames])

    # -- the whole cache --------------------------------------------------------------

    def info(self) -> CacheInfo:
        """How many phrases and encoded parts the cache holds, their total size in
        bytes, and its cap."""
        found = self._entries()
        parts = sum(e.path.endswith(FRAMES_SUFFIX) for e in found)
        size = sum(e.size for e in found)
        return CacheInfo(self.folder, len(found) - parts, size, self.max_bytes, parts)

    def trim(self) -> int:
        """Drop the least recently used entries until the cache holds at most
        ``max_bytes``, and killed builds' temporary files; the number of entries dropped.
        Encoded parts go before any phrase: a phrase costs more to make again, and is
        what every rebuild needs, where a part is reused only where the same sound falls
        on the same place in an MP3's frames.

        One scan of the folder; one trim at a time (others wait on the lock, then scan
        what is left). An entry read or rewritten since the scan is kept. Never raises
        for the file system: a cache it cannot trim only stays larger."""
        try:
            with self._trimming():
                stale: list[str] = []
                found = sorted(self._entries(stale), key=_trim_order)
                total = sum(e.size for e in found)
                dropped = 0
                for entry in found:
                    if total <= self.max_bytes:
                        break
                    gone = drop(entry)
                    if gone is not None:
                        total -= entry.size
                        dropped += gone
                for path in stale:
                    remove(Path(path))
                return dropped
        except OSError:
            return 0

    def _trimming(self) -> TrimLock:
        return TrimLock(self.folder)

    def _entries(self, stale: list[str] | None = None) -> list[Entry]:
        """Every entry file, with when it was last used, its size and its identity; in
        the same pass, the temporary files older than :data:`STALE_TEMP_SECONDS` are
        added to ``stale`` if it is given."""
        found = []
        before = time.time_ns() - int(STALE_TEMP_SECONDS * 1e9)
        for child in self._own_entries(_OWN_NAME):
            try:
                info = child.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if child.name.endswith((ENTRY_SUFFIX, FRAMES_SUFFIX)):
                found.append(Entry(info.st_mtime_ns, info.st_size, child.path, identity(info)))
            elif stale is not None and info.st_mtime_ns < before:
                stale.append(child.path)
        return found

    def clear(self) -> int:
        """Delete every entry (and leftover temporary file), then empty shard folders.

        Only files this cache writes are touched; anything else in the folder stays.
        Returns the number of entries removed.
        """
        removed = sum(remove(path) for path in self._own_files(_ENTRY_NAME))
        for path in self._own_files(_TEMP_NAME):
            remove(path)
        for shard in self._shards():
            try:
                shard.rmdir()
            except OSError:
                pass  # not empty: it holds something that is not ours
        return removed

    def _shards(self) -> list[Path]:
        """The shard folders (not one that is a symlink)."""
        try:
            with os.scandir(self.folder) as children:
                return [
                    Path(child.path)
                    for child in children
                    if _SHARD.fullmatch(child.name) and child.is_dir(follow_symlinks=False)
                ]
        except OSError:
            return []

    def _own_files(self, pattern: re.Pattern) -> Iterator[Path]:
        """Files in the shard folders whose names match ``pattern`` (no symlinks)."""
        return (Path(child.path) for child in self._own_entries(pattern))

    def _own_entries(self, pattern: re.Pattern) -> Iterator[os.DirEntry[str]]:
        for shard in self._shards():
            try:
                with os.scandir(shard) as children:
                    found = [
                        child
                        for child in children
                        if pattern.fullmatch(child.name) and child.is_file(follow_symlinks=False)
                    ]
            except OSError:
                continue
            yield from found


def _header(clip: Clip) -> bytes:
    """An entry file's header: the clip's PCM follows it."""
    return HEADER.pack(
        MAGIC, FORMAT_VERSION, clip.rate, clip.samples, hashlib.sha256(clip.pcm).digest()
    )


def _decode(data: bytes) -> Clip | None:
    """The clip in an entry file's bytes, or ``None`` if anything does not check out."""
    if len(data) < HEADER.size:
        return None
    magic, version, rate, samples, digest = HEADER.unpack_from(data)
    pcm = data[HEADER.size :]
    if magic != MAGIC or version != FORMAT_VERSION or rate <= 0:
        return None
    if len(pcm) != samples * SAMPLE_WIDTH or hashlib.sha256(pcm).digest() != digest:
        return None
    return Clip(pcm, rate)


def _trim_order(entry: Entry) -> tuple[bool, int, str]:
    """Encoded parts first, then phrases; each least recently used first."""
    return not entry.path.endswith(FRAMES_SUFFIX), entry.used, entry.path


def _decode_frames(data: bytes) -> bytes | None:
    """The frames in a frames entry's bytes, or ``None`` if anything does not check out."""
    if len(data) < FRAMES_HEADER.size:
        return None
    magic, version, size, digest = FRAMES_HEADER.unpack_from(data)
    frames = data[FRAMES_HEADER.size :]
    if magic != FRAMES_MAGIC or version != FORMAT_VERSION or len(frames) != size:
        return None
    return frames if hashlib.sha256(frames).digest() == digest else None


from voiceguide.speech.cached import CachedEngine  # noqa: E402 - where builds find it

__all__ = ["CACHE_DIR_ENV", "HEADER", "CacheInfo", "CachedEngine", "ClipCache", "default_dir"]
