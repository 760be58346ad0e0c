"""MP3 made in-process: the sounding parts of a session encoded by LAME on every core,
silent frames laid down between them, all under one info frame, decoding to exactly
the samples rendered.

Encoding is the one cost of a build that cannot be avoided, and most of a session is
silence. So only what sounds is encoded (:mod:`voiceguide.mp3plan` says where): each
sounding part by a fresh LAME (from ``lameenc``, which lets other threads run while it
works) started on the stream's frame grid, the parts taken by a pool of workers, one a
core; the silence between them is copies of one silent frame that borrows nothing and
lends nothing (:mod:`voiceguide.mp3lame`); a part whose samples were encoded before,
in this stream or an earlier one, is not encoded again (:mod:`voiceguide.mp3reuse`).
Joining is exact because of how LAME frames its input:

- LAME puts :data:`DELAY` samples before a part's audio and pads its end, so ``n``
  samples become :func:`frames_for` ``(n)`` frames of :func:`samples_per_frame` samples.
- A part that starts on sample ``F × spf`` therefore decodes in place as the stream's
  frames from ``F`` on; its delay and padding are silence, as are the frames around it,
  because it begins and ends in silence.
- An info frame at the front (Xing and LAME tags) gives decoders the frame count, a
  seek table, the delay to drop at the start and the padding to drop at the end. ffmpeg
  and mpg123 both read it, so the stream decodes to exactly the session's samples.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Event
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import fastcrc

from voiceguide import interrupts
from voiceguide.errors import ExportError
from voiceguide.mp3frames import (
    DELAY,
    RATES,
    allowed_kbps,
    frame_bytes,
    frames_for,
    info_frame,
    samples_per_frame,
)
from voiceguide.mp3lame import Cancelled, Lame, silent_frame
from voiceguide.mp3loop import Loop, Repeats
from voiceguide.mp3plan import Part, Stream, plan, repeating
from voiceguide.mp3reuse import Reuse
from voiceguide.mp3splice import Frames, join_at, repacked

if TYPE_CHECKING:
    from voiceguide.speech.cache import ClipCache

__all__ = ["RATES", "allowed_kbps", "default_parts", "encode", "frame_bytes", "frames_for"]
__all__ += ["plan", "samples_per_frame"]

MAX_WORKERS = 8
AHEAD = 4
"""Parts under way or done but not yet written, per worker: what bounds the memory."""
WORTH_A_LOOP = 1.5
"""How many times round a loop the runs where it sounds alone must add up to before
they are taken from one time round encoded once."""
SILENCE_BLOCK = 4096
"""Silent frames written at once."""

Render = Callable[[int, int], Iterable[bytes]]
T = TypeVar("T")


def default_parts() -> int:
    """One worker a core the build may use, at most :data:`MAX_WORKERS`."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MAX_WORKERS))


def encode(
    render: Render,
    *,
    samples: int,
    quiet: Sequence[tuple[int, int]],
    rate: int,
    out: BinaryIO,
    label: str,
    vbr_quality: int = 2,
    kbps: int | None = None,
    parts: int | None = None,
    cache: ClipCache | None = None,
    pieces: bool = False,
    loop: Loop | None = None,
) -> Reuse:
    """Encode a session of ``samples`` 16-bit mono samples at ``rate`` into ``out`` (a
    new, empty, seekable file), as VBR of ``vbr_quality`` or, given ``kbps``, a constant
    bit rate. ``render(start, end)`` gives the session's PCM from sample ``start`` to
    ``end`` (called from several threads at once); ``quiet`` lists its spans of digital
    silence, which are laid down as silent frames. ``parts`` workers encode the rest
    (default: one a core), each part once: a part encoded before, in this stream or,
    through ``cache``, in an earlier one, takes the frames made then. ``label`` names
    the file in messages. With ``pieces``, long sounding stretches are encoded in pieces
    (see :mod:`voiceguide.mp3plan`), for a session with little or no silence (under a
    bed): joined where they agree, not in silence, they decode to within LAME's noise of
    one LAME's encoding rather than to the same samples; and where the session is a
    ``loop`` sounding alone, its frames are those of the loop's one time round, encoded
    once (:mod:`voiceguide.mp3loop`). Returns how many parts were encoded and how many
    reused."""
    if rate not in RATES:
        raise ExportError(f"MP3 has no {rate} Hz sample rate")
    lame = Lame(rate, vbr_quality, allowed_kbps(kbps, rate) if kbps else None)
    pieces = pieces and not kbps
    runs = repeating(loop.spans, loop.since, rate) if loop is not None and pieces else []
    rounds = WORTH_A_LOOP * loop.period / samples_per_frame(rate) if loop is not None else 0
    if sum(b - a for a, b in runs) < rounds:
        runs = []  # encoding one time round would cost more than it saves
    stream = plan(samples, quiet, rate, pieces=pieces, repeats=runs)
    reuse = Reuse(lame, cache)
    join = _Join(lame, stream.frames, out)
    header = len(_info(lame, join, samples))  # the same length whatever it says
    try:
        out.write(bytes(header))
        # closed however the loop ends, so that no part goes on encoding after it
        workers = parts or default_parts()
        with contextlib.closing(_encoded(stream, render, reuse, loop, workers)) as done:
            for part, frames in done:
                join.silence(part.first)
                join.part(part, frames)
        join.silence(stream.frames)
        out.seek(0)
        out.write(_info(lame, join, samples, header))
        out.flush()
    except OSError as exc:
        raise ExportError(f"could not write {label}: {exc.strerror or exc}") from exc
    reuse.trim_cache()
    return reuse


def _info(lame: Lame, join: _Join, samples: int, header: int = 0) -> bytes:
    """The info frame of the stream ``join`` wrote after ``header`` bytes (the info
    frame's own)."""
    return info_frame(
        rate=lame.rate,
        vbr_quality=lame.vbr_quality,
        kbps=lame.kbps,
        frames=join.frames,
        size=header + join.written,
        toc=join.seek_table(),
        music_crc=join.crc,
        padding=max(0, join.frames * samples_per_frame(lame.rate) - DELAY - samples),
    )


def _encoded(
    stream: Stream, render: Render, reuse: Reuse, loop: Loop | None, workers: int
) -> Generator[tuple[Part, Frames], None, None]:
    """Each part of ``stream`` with its frames, in order, encoded by ``workers`` threads
    at once, at most :data:`AHEAD` a worker ahead of the one handed out; the ``loop``'s
    time round, if any part repeats it, first of all. A failure in any stops them all
    (the parts under way stop at their next chunk; no other starts), and the first is
    raised here, as is a Ctrl-C that arrives while this waits; so does closing this
    before its end."""
    cancel = Event()
    failures: list[BaseException] = []

    def guarded(work: Callable[[], T]) -> T:
        try:
            if cancel.is_set():
                raise Cancelled
            return work()
        except BaseException as exc:
            if not isinstance(exc, Cancelled):
                failures.append(exc)
            cancel.set()
            raise

    def task(part: Part) -> Frames:
        if part.repeat:
            loop_frames = made
            assert loop_frames is not None  # submitted first whenever a part repeats
            return guarded(lambda: loop_frames.result().run(part))
        return guarded(lambda: reuse.frames(part, render, cancel))

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mp3 part")
    pending: deque[tuple[Part, Future[Frames]]] = deque()
    waiting = iter(stream.parts)
    made: Future[Repeats] | None = None
    try:
        if loop is not None and any(part.repeat for part in stream.parts):
            with interrupts.held():
                made = pool.submit(guarded, lambda: Repeats(loop, reuse, reuse.lame.rate, cancel))
        while True:
            while len(pending) < AHEAD * workers and (part := next(waiting, None)) is not None:
                with interrupts.held():  # a Ctrl-C as a worker starts would leave it unjoined
                    pending.append((part, pool.submit(task, part)))
            if not pending:
                break
            part, future = pending.popleft()
            yield part, interrupts.result(future)
    except BaseException:
        cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)
        if failures:
            raise failures[0] from None
        raise
    pool.shutdown(wait=True)


class _Join:
    """The audio frames written after the info frame, in order: parts as encoded, and
    silent frames up to each. Keeps what the info frame needs: how many frames and
    bytes, the CRC-16 of them all, and where each hundredth of the frames begins."""

    def __init__(self, lame: Lame, total: int, out: BinaryIO):
        self.out = out
        self.rate = lame.rate
        self.silent = silent_frame(lame)
        self.frames = 0
        self.written = 0
        self.crc = 0
        self.marks = [total * k // 100 for k in range(100)]
        """The frame each seek-table entry points at."""
        self.offsets: list[int] = []
        """Where each of those frames begins, once written."""
        self.cbr = (144_000 if self.rate >= 32000 else 72_000) * lame.kbps if lame.kbps else 0
        """A constant bit rate's bytes a frame, times the rate: the padding keeps to it."""
        self.held: tuple[int, Frames] | None = None
        """The frames of a piece from its ``held_from`` on, by the stream's frame of its
        first: waiting for the next piece to join them."""

    def silence(self, until: int) -> None:
        """Silent frames up to frame ``until``."""
        while self.frames < until:
            self._write(*self._silent_run(min(until - self.frames, SILENCE_BLOCK)))

    def _silent_run(self, count: int) -> tuple[bytes, list[int]]:
        plain, padded = self.silent.plain, self.silent.padded
        if not self.cbr:
            return plain * count, [len(plain)] * count
        run, written = [], self.written
        for frame in range(self.frames + 1, self.frames + count + 1):
            # padded whenever the stream would otherwise fall behind its bit rate
            data = plain if (written + len(plain)) * self.rate >= frame * self.cbr else padded
            run.append(data)
            written += len(data)
        return b"".join(run), [len(data) for data in run]

    def part(self, part: Part, found: Frames) -> None:
        """A part's frames, checked to be as many as its place in the stream holds; a
        piece joined to the one before from the frame they agree on, and the frames a
        next piece joins held back for it."""
        if len(found) != part.frames or (self.frames != part.first and not part.joined):
            raise ExportError(
                f"the MP3 encoder made {len(found)} frames of a part that should have {part.frames}"
            )
        skip = 0
        if part.joined:
            skip = self._join(part, found)
        until = part.frames if part.held_from is None else part.held_from - part.first
        self._frames(found, skip, until)
        self.held = (part.first, found) if part.held_from is not None else None

    def _join(self, part: Part, found: Frames) -> int:
        """Write the held frames of the piece before ``part`` up to where the stream goes
        over to ``part``, and ``part``'s frame there, repacked; the frames of ``part``
        already in the stream."""
        if self.held is None:
            raise ExportError("an MP3 piece came with no piece before it to join")
        base, before = self.held
        j = join_at(before, found, part.first - base)
        if j is None:
            raise ExportError("found no frame at which to join two pieces of the MP3")
        self._frames(before, self.frames - base, part.first + j - base)
        first = repacked(found, j)
        assert first is not None  # join_at chose a frame that repacks
        self._write(first, [len(first)])
        return j + 1

    def _frames(self, frames: Frames, begin: int, end: int) -> None:
        """Frames ``begin`` to ``end`` of ``frames``, written."""
        if end > begin:
            starts = frames.starts
            lengths = [starts[k + 1] - starts[k] for k in range(begin, end)]
            self._write(frames.data[starts[begin] : starts[end]], lengths)

    def _write(self, data: bytes, lengths: list[int]) -> None:
        """``data``, frames of ``lengths`` bytes, noting where the seek table's begin."""
        end = self.frames + len(lengths)
        found = len(self.offsets)
        if found < len(self.marks) and self.marks[found] < end:
            starts = list(itertools.accumulate(lengths, initial=self.written))
            while found < len(self.marks) and self.marks[found] < end:
                self.offsets.append(starts[self.marks[found] - self.frames])
                found += 1
        self.out.write(data)
        self.frames = end
        self.written += len(data)
        self.crc = fastcrc.crc16.arc(data, initial=self.crc)

    def seek_table(self) -> bytes:
        """Where each hundredth of the audio begins, in 256ths of the audio's bytes."""
        offsets = self.offsets + [self.written] * (100 - len(self.offsets))
        return bytes(min(255, offset * 256 // max(self.written, 1)) for offset in offsets)
