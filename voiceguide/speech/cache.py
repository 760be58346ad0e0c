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

A damaged entry (short, wrong magic or version, wrong length, checksum mismatch,
unreadable, larger than :data:`MAX_ENTRY_BYTES`, not a regular file: a symlink, a pipe, a
device) is deleted and reported as missing, so it is simply rebuilt; nothing is read
through a symlink, and a shard folder that is a symlink is neither read nor written.
Writes go to a temporary file in the same folder and are moved into place with
:func:`os.replace`, each phrase as soon as it is voiced (an interrupted build keeps what
it voiced); a cache that cannot be written (read-only folder, full disk) only costs
speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import SynthesisError
from voiceguide.limits import LIMITS
from voiceguide.speech.base import SAMPLE_WIDTH, Clip, Engine, OnClip, VoiceInfo

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
TEMP_SUFFIX = ".tmp"
MAX_ENTRY_BYTES = LIMITS.max_cache_entry_bytes
"""Largest entry read, bytes (with its header); a larger file is damaged."""

_KEY = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}" + re.escape(ENTRY_SUFFIX))
_TEMP_NAME = re.compile(r"\.[0-9a-f]{64}\..*" + re.escape(TEMP_SUFFIX))


def default_dir() -> Path:
    """``$VOICEGUIDE_CACHE_DIR`` if set, else ``speech`` in the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME)) / SUBFOLDER


@dataclass(frozen=True)
class CacheInfo:
    """What :meth:`ClipCache.info` reports: where the cache is and how big."""

    folder: Path
    entries: int
    bytes: int


class ClipCache:
    """Clips on disk, one file per key, sharded by the key's first two hex digits."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

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
        :data:`MAX_ENTRY_BYTES`."""
        self.path(key)  # checks the key
        try:
            shard = _open_shard(self.folder / key[:2])
        except OSError:
            return None  # missing, or not a folder of ours: nothing to read or remove
        try:
            data = _read_entry(shard, key + ENTRY_SUFFIX)
            clip = None if data is None else _decode(data)
            if clip is None:
                _remove_in(shard, key + ENTRY_SUFFIX)
            return clip
        except FileNotFoundError:
            return None
        finally:
            os.close(shard)

    def put(self, key: str, clip: Clip) -> bool:
        """Store ``clip`` under ``key`` atomically; ``False`` if it could not be written
        (a shard folder that is a symlink is not written through)."""
        self.path(key)
        data = _encode(clip)
        temp: str | None = None
        shard: int | None = None
        try:
            (self.folder / key[:2]).mkdir(parents=True, exist_ok=True)
            shard = _open_shard(self.folder / key[:2])
            for _ in range(100):
                temp = f".{key}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
                try:
                    handle = os.open(temp, _CREATE, 0o600, dir_fd=shard)
                    break
                except FileExistsError:
                    temp = None
            if temp is None:
                return False
            with os.fdopen(handle, "wb") as f:
                f.write(data)
            os.replace(temp, key + ENTRY_SUFFIX, src_dir_fd=shard, dst_dir_fd=shard)
        except OSError:
            if temp is not None and shard is not None:
                _remove_in(shard, temp)
            return False
        finally:
            if shard is not None:
                os.close(shard)
        return True

    # -- the whole cache --------------------------------------------------------------

    def info(self) -> CacheInfo:
        """How many entries the cache holds and their total size in bytes."""
        entries = size = 0
        for path in self._own_files(_ENTRY_NAME):
            try:
                size += path.stat().st_size
            except OSError:
                continue
            entries += 1
        return CacheInfo(self.folder, entries, size)

    def clear(self) -> int:
        """Delete every entry (and leftover temporary file), then empty shard folders.

        Only files this cache writes are touched; anything else in the folder stays.
        Returns the number of entries removed.
        """
        removed = sum(_remove(path) for path in self._own_files(_ENTRY_NAME))
        for path in self._own_files(_TEMP_NAME):
            _remove(path)
        for shard in self._shards():
            try:
                shard.rmdir()
            except OSError:
                pass  # not empty: it holds something that is not ours
        return removed

    def _shards(self) -> list[Path]:
        try:
            children = list(self.folder.iterdir())
        except OSError:
            return []
        return [
            p for p in children if _SHARD.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
        ]

    def _own_files(self, pattern: re.Pattern) -> Iterable[Path]:
        """Files in the shard folders whose names match ``pattern``."""
        for shard in self._shards():
            try:
                children = list(shard.iterdir())
            except OSError:
                continue
            for path in children:
                if pattern.fullmatch(path.name) and not path.is_symlink() and path.is_file():
                    yield path


class CachedEngine:
    """Any :class:`~voiceguide.speech.base.Engine`, with its clips kept in a cache.

    ``engine_id`` names everything that shapes a clip (engine, requested voice, rate,
    versions); it is built by the caller, not read from the engine, because an engine
    may only know its voice once it has started. The inner engine is asked only for
    missing texts, all in one call, and not at all when everything is cached.
    """

    def __init__(self, engine: Engine, cache: ClipCache, engine_id: Mapping[str, str]):
        self.engine = engine
        self.cache = cache
        self.engine_id = dict(engine_id)
        self.hits = 0
        """Distinct texts taken from the cache, over all calls."""
        self.misses = 0
        """Distinct texts the inner engine had to synthesise, over all calls."""

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def rate(self) -> int:
        return self.engine.rate

    @property
    def voice(self) -> str:
        return self.engine.voice

    def synthesize(self, texts: Iterable[str], on_clip: OnClip | None = None) -> dict[str, Clip]:
        """One clip per distinct text, in first-seen order, from the cache if possible;
        each handed to ``on_clip`` as it is found or voiced."""
        keys = {text: self.cache.key(self.engine_id, text) for text in dict.fromkeys(texts)}
        clips: dict[str, Clip] = {}
        missing: list[str] = []
        for text, key in keys.items():
            clip = self.cache.get(key)
            if clip is None:
                missing.append(text)
            else:
                clips[text] = clip
                if on_clip is not None:
                    on_clip(text, clip)
        self.hits += len(clips)
        self.misses += len(missing)
        if missing:
            # each phrase kept as soon as it is voiced: an interrupted build keeps them
            def keep(text: str, clip: Clip) -> None:
                self.cache.put(keys[text], clip)
                if on_clip is not None:
                    on_clip(text, clip)

            made = self.engine.synthesize(missing, on_clip=keep)
            for text in missing:
                if text not in made:
                    raise SynthesisError(f"the voice engine returned no clip for {text!r}")
                clips[text] = made[text]
        return {text: clips[text] for text in keys}

    def voices(self) -> list[VoiceInfo]:
        return self.engine.voices()

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> CachedEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _encode(clip: Clip) -> bytes:
    """An entry file's bytes: header, then the PCM."""
    header = HEADER.pack(
        MAGIC, FORMAT_VERSION, clip.rate, clip.samples, hashlib.sha256(clip.pcm).digest()
    )
    return header + clip.pcm


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


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
_READ = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)


def _open_shard(path: Path) -> int:
    """A handle on a shard folder, refused (OSError) if it is a symlink or no folder."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)


def _read_entry(shard: int, name: str) -> bytes | None:
    """The bytes of the entry ``name`` in ``shard``; ``None`` if it is not a regular file
    (a symlink, a pipe, a device) or is larger than any entry can be."""
    try:
        handle = os.open(name, _READ, dir_fd=shard)
    except FileNotFoundError:
        raise
    except OSError:
        return None  # a symlink (O_NOFOLLOW), or unreadable
    with os.fdopen(handle, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        data = f.read(MAX_ENTRY_BYTES + 1)
    return data if len(data) <= MAX_ENTRY_BYTES else None


def _remove_in(shard: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=shard)
    except OSError:
        pass


def _remove(path: Path) -> bool:
    """Delete a file if possible; ``True`` if it was deleted."""
    try:
        path.unlink()
    except OSError:
        return False
    return True
