"""Each part of an MP3 encoded once: within a build, and across builds through the cache.

A part is encoded by a fresh LAME started on the frame grid (:mod:`voiceguide.mp3lame`),
so the same samples with the same settings always make the same frames, wherever the
part sits. A part is therefore known by the sha256 of its samples: one whose samples
were encoded before, earlier in this build (the same words at the same place in the
frame grid) or by an earlier build (a rebuild, whose parts before the first change all
come back), takes those frames instead of being encoded again.

Only a part of at most :data:`MAX_HASHED_BYTES` of samples is held to be hashed first; a
longer one (only a session with nothing silent in it, under a bed, has one) is encoded
as it is rendered, never held whole.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING

from voiceguide.errors import ExportError
from voiceguide.mp3lame import Cancelled, Lame, encode
from voiceguide.mp3plan import Part
from voiceguide.mp3splice import Frames

if TYPE_CHECKING:
    from voiceguide.speech.cache import ClipCache

MAX_HASHED_BYTES = 8 << 20
"""Most samples (bytes) of a part held to be hashed before it is encoded: three minutes
at 22.05 kHz."""
MAX_KEPT_BYTES = 16 << 20
"""Most bytes of frames kept for reuse within a build."""


class Reuse:
    """The frames of every part of one stream, each encoded once (by ``lame``), from
    the parts encoded earlier in the build and, given a ``cache``, in earlier builds.
    Safe to use from several threads at once."""

    def __init__(self, lame: Lame, cache: ClipCache | None = None):
        self.lame = lame
        self.cache = cache if cache is not None and cache.max_bytes > 0 else None
        self._identity = lame.identity() if self.cache is not None else {}
        self._lock = threading.Lock()
        self._made: dict[bytes, Future[Frames]] = {}
        self._kept = 0
        self.encoded = 0
        """Parts LAME encoded."""
        self.reused = 0
        """Parts whose frames were made earlier in the build."""
        self.cached = 0
        """Parts whose frames came from the cache."""
        self.stored = 0
        """Parts whose frames went into the cache."""

    def frames(
        self, part: Part, render: Callable[[int, int], Iterable[bytes]], cancel: threading.Event
    ) -> Frames:
        """The frames of ``part``, whose samples ``render`` gives, read once; stops with
        :class:`~voiceguide.mp3lame.Cancelled` once ``cancel`` is set."""
        chunks = iter(render(part.start, part.end))
        held, digest = _held(chunks, cancel)
        if digest is None:  # too long to hold: encoded as rendered
            return self._encode(itertools.chain(held, chunks), cancel)
        with self._lock:
            earlier = self._made.get(digest)
            if earlier is None:
                mine: Future[Frames] = Future()
                self._made[digest] = mine
            else:
                self.reused += 1
        if earlier is not None:
            return earlier.result()  # made, or being made by another thread
        try:
            frames = self._cached(digest, part)
            if frames is None:
                frames = self._encode(iter(held), cancel)
                self._store(digest, frames)
        except BaseException as exc:
            mine.set_exception(exc)
            with self._lock:
                del self._made[digest]  # a later part with these samples tries again
            raise
        mine.set_result(frames)
        self._keep(digest, len(frames.data))
        return frames

    def _encode(self, chunks: Iterator[bytes], cancel: threading.Event) -> Frames:
        frames = Frames.of(encode(self.lame, chunks, cancel), self.lame.rate)
        with self._lock:
            self.encoded += 1
        return frames

    def _key(self, digest: bytes) -> str:
        assert self.cache is not None
        return self.cache.key(self._identity, f"mp3 part {digest.hex()}")

    def _cached(self, digest: bytes, part: Part) -> Frames | None:
        """The part's frames from the cache, if they are there, whole and as many as the
        part has."""
        if self.cache is None:
            return None
        data = self.cache.get_frames(self._key(digest))
        if data is None:
            return None
        try:
            frames = Frames.of(data, self.lame.rate)
        except ExportError:
            return None
        if len(frames) != part.frames:
            return None
        with self._lock:
            self.cached += 1
        return frames

    def _store(self, digest: bytes, frames: Frames) -> None:
        if self.cache is not None and self.cache.put_frames(self._key(digest), frames.data):
            with self._lock:
                self.stored += 1

    def _keep(self, digest: bytes, size: int) -> None:
        """Keep the frames for later parts of this build while they fit
        :data:`MAX_KEPT_BYTES`; past it, only the parts being made are shared."""
        with self._lock:
            if self._kept + size > MAX_KEPT_BYTES:
                self._made.pop(digest, None)
            else:
                self._kept += size

    def trim_cache(self) -> None:
        """Keep the cache within its cap, if this stream added to it."""
        if self.cache is not None and self.stored:
            self.cache.trim()


def _held(chunks: Iterator[bytes], cancel: threading.Event) -> tuple[list[bytes], bytes | None]:
    """The first chunks, up to :data:`MAX_HASHED_BYTES`, and the sha256 of them all if
    that was every chunk (``None`` if more follow)."""
    held: list[bytes] = []
    size = 0
    digest = hashlib.sha256()
    while not cancel.is_set():  # before each chunk is asked for
        chunk = next(chunks, None)
        if chunk is None:
            return held, digest.digest()
        held.append(chunk)
        digest.update(chunk)
        size += len(chunk)
        if size > MAX_HASHED_BYTES:
            return held, None
    raise Cancelled
