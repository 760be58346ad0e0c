"""MP3 made in-process: LAME encodes the session in parts at once, and the parts are
joined into one stream that decodes to exactly the samples rendered.

Encoding is the one cost of a build that cannot be avoided, and one LAME uses one core.
A session is mostly silence, so it can be cut where it is silent and each part given to
its own LAME (from ``lameenc``, which lets other threads run while it works), one part a
core. Joining them is exact because of how LAME frames its input:

- LAME puts :data:`DELAY` samples before a part's audio and pads its end, so ``n``
  samples become :func:`frames_for` ``(n)`` frames of :func:`samples_per_frame` samples.
- Decoded back to back, a part's audio is followed by its padding and then the next
  part's delay: silence, because the cut is in silence. So each part after the first
  starts at the sample on which the frames before it end, and the silence it leaves out
  is exactly what that padding and delay put back (see :func:`plan_parts`).
- An info frame at the front (Xing and LAME tags) gives decoders the frame count, a
  seek table, the delay to drop at the start and the padding to drop at the end. ffmpeg
  and mpg123 both read it, so the stream decodes to exactly the session's samples.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import fastcrc
import lameenc

from voiceguide import interrupts
from voiceguide.errors import ExportError
from voiceguide.mp3frames import (
    ALGORITHM_QUALITY,
    DELAY,
    FLUSH,
    RATES,
    VBR_METHOD,
    allowed_kbps,
    frame_bytes,
    frames_for,
    info_frame,
    samples_per_frame,
)

MARGIN_FRAMES = 4
"""Frames of silence kept on both sides of a join, beyond what the join itself skips:
LAME looks ahead of and overlaps its frames by less than that."""
MIN_PART_SECONDS = 30
"""Shortest part worth its own encoder."""
MAX_PARTS = 8
COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class Part:
    """Samples ``start`` to ``end`` of the session, which LAME makes ``frames`` frames."""

    start: int
    end: int
    frames: int


def plan_parts(samples: int, quiet: Sequence[tuple[int, int]], rate: int, parts: int) -> list[Part]:
    """Up to ``parts`` parts of a session of ``samples`` samples, cut inside the
    ``quiet`` spans (``(start, end)`` samples of digital silence), as near as they allow
    to equal lengths. Each part after the first starts where the frames of the ones
    before it end; what lies between a part's end and the next one's start is silence,
    and decoding puts it back as the first part's padding and the next one's delay."""
    spf = samples_per_frame(rate)
    margin = MARGIN_FRAMES * spf
    skipped = FLUSH + spf  # the most a join leaves out: a whole frame more than FLUSH
    shortest = MIN_PART_SECONDS * rate
    plan: list[Part] = []
    start = 0
    for k in range(1, parts):
        target = samples * k // parts
        best = None
        for begin, end in quiet:
            low = max(begin + margin, start + shortest)
            high = min(end - margin - skipped, samples - shortest - skipped)
            if low <= high:
                cut = min(max(target, low), high)
                if best is None or abs(cut - target) < abs(best - target):
                    best = cut
        if best is None:
            break
        frames = frames_for(best - start, rate)
        plan.append(Part(start, best, frames))
        start += frames * spf
    plan.append(Part(start, samples, frames_for(samples - start, rate)))
    return plan


def default_parts() -> int:
    """One part a core the build may use, at most :data:`MAX_PARTS`."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MAX_PARTS))


def encode(
    render: Callable[[int, int], Iterable[bytes]],
    *,
    samples: int,
    quiet: Sequence[tuple[int, int]],
    rate: int,
    out: BinaryIO,
    label: str,
    vbr_quality: int = 2,
    kbps: int | None = None,
    parts: int | None = None,
) -> None:
    """Encode a session of ``samples`` 16-bit mono samples at ``rate`` into ``out`` (a
    new, empty, seekable file), as VBR of ``vbr_quality`` or, given ``kbps``, a constant
    bit rate. ``render(start, end)`` gives the session's PCM from sample ``start`` to
    ``end``; ``quiet`` lists its spans of digital silence, where it may be cut into
    ``parts`` (default: one a core). ``label`` names the file in messages."""
    if rate not in RATES:
        raise ExportError(f"MP3 has no {rate} Hz sample rate")
    kbps = allowed_kbps(kbps, rate) if kbps else None
    plan = plan_parts(samples, quiet, rate, parts or default_parts())
    encodings = _encodings(plan, rate, vbr_quality, kbps)
    info_size = len(
        info_frame(
            rate=rate,
            vbr_quality=vbr_quality,
            kbps=kbps,
            frames=0,
            size=0,
            toc=bytes(100),
            padding=0,
            music_crc=0,
        )
    )
    try:
        out.write(bytes(info_size))
        _run(encodings, render, out)
        crc = encodings[0].crc
        assert crc is not None  # the first part goes straight into ``out``, never spilled
        for encoding in encodings[1:]:
            crc = encoding.append_to(out, crc)
        for encoding in encodings:
            if encoding.frames != encoding.part.frames:
                raise ExportError(
                    f"the MP3 encoder made {encoding.frames} frames of a part "
                    f"that should have {encoding.part.frames}"
                )
        frames = sum(part.frames for part in plan)
        out.seek(0)
        out.write(
            info_frame(
                rate=rate,
                vbr_quality=vbr_quality,
                kbps=kbps,
                frames=frames,
                size=info_size + sum(e.written for e in encodings),
                toc=_seek_table(encodings),
                music_crc=crc,
                padding=frames * samples_per_frame(rate) - DELAY - samples,
            )
        )
        out.flush()
    except OSError as exc:
        raise ExportError(f"could not write {label}: {exc.strerror or exc}") from exc
    finally:
        for encoding in encodings:
            encoding.close()


def _encodings(plan: list[Part], rate: int, vbr_quality: int, kbps: int | None) -> list[_Encoding]:
    """An encoding for each part, told which of its frames begin a hundredth of the
    whole stream (the seek table's entries)."""
    total = sum(part.frames for part in plan)
    marks = [total * k // 100 for k in range(100)]
    encodings, first = [], 0
    for part in plan:
        wanted: dict[int, list[int]] = {}
        for k, mark in enumerate(marks):
            if first <= mark < first + part.frames:
                wanted.setdefault(mark - first, []).append(k)
        encodings.append(_Encoding(part, rate, vbr_quality, kbps, wanted))
        first += part.frames
    return encodings


def _seek_table(encodings: list[_Encoding]) -> bytes:
    """Where each hundredth of the audio begins, in 256ths of the audio's bytes."""
    audio = sum(e.written for e in encodings)
    toc = bytearray(100)
    before = 0
    for encoding in encodings:
        for k, offset in encoding.marks.items():
            toc[k] = min(255, (before + offset) * 256 // audio)
        before += encoding.written
    return bytes(toc)


def _run(
    encodings: list[_Encoding], render: Callable[[int, int], Iterable[bytes]], out: BinaryIO
) -> None:
    """Every part encoded at once: the first in this thread (so Ctrl-C lands here), into
    ``out``; each other in a thread of its own, into a temporary file. Any failure stops
    them all, and the first is raised."""
    cancel = threading.Event()
    failures: list[BaseException] = []

    def work(encoding: _Encoding) -> None:
        try:
            encoding.run(render, encoding.spill(out), cancel)
        except BaseException as exc:  # handed to the first thread, which raises it
            failures.append(exc)
            cancel.set()

    threads = [
        threading.Thread(target=work, args=(e,), name=f"mp3 part {n}", daemon=True)
        for n, e in enumerate(encodings[1:], 1)
    ]
    try:
        with interrupts.held():  # a Ctrl-C inside start() would leave a thread unjoinable
            for thread in threads:
                thread.start()
        encodings[0].run(render, out, cancel)
        for thread in threads:
            thread.join()
    except BaseException:
        cancel.set()
        for thread in threads:
            thread.join()
        raise
    if failures:
        raise failures[0]


class _Encoding:
    """One part going through its own LAME: counts the frames it writes, notes where the
    ones the seek table needs begin, and keeps the CRC-16 of the bytes it writes straight
    into the file (a part that spills has its CRC taken as it is appended)."""

    def __init__(
        self,
        part: Part,
        rate: int,
        vbr_quality: int,
        kbps: int | None,
        wanted: dict[int, list[int]],
    ):
        self.part = part
        self.rate = rate
        self.vbr_quality = vbr_quality
        self.kbps = kbps
        self.wanted = wanted
        """The seek-table entries (0-99) each frame of this part begins, by frame."""
        self.marks: dict[int, int] = {}
        """Byte offset in this part of each seek-table entry's frame."""
        self.frames = 0
        self.written = 0
        self.crc: int | None = 0
        self._next_frame = 0
        self._unread = bytearray()  # bytes from where the next frame header may be
        self._spill: BinaryIO | None = None

    def spill(self, out: BinaryIO) -> BinaryIO:
        """A temporary file beside ``out`` for this part's frames until they are joined
        (never visible: it has no name)."""
        folder = os.path.dirname(os.path.abspath(out.name)) if isinstance(out.name, str) else None
        self._spill = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by join
        self.crc = None
        return self._spill

    def run(
        self, render: Callable[[int, int], Iterable[bytes]], sink: BinaryIO, cancel: threading.Event
    ) -> None:
        lame = lameenc.Encoder()
        lame.set_channels(1)
        lame.set_in_sample_rate(self.rate)
        lame.set_out_sample_rate(self.rate)
        if self.kbps:
            lame.set_bit_rate(self.kbps)
        else:
            lame.set_vbr(VBR_METHOD)
            lame.set_vbr_quality(self.vbr_quality)
        lame.set_quality(ALGORITHM_QUALITY)
        lame.silence()
        for chunk in render(self.part.start, self.part.end):
            if cancel.is_set():
                return
            self._emit(lame.encode(chunk), sink)
        self._emit(lame.flush(), sink)

    def _emit(self, data: bytes, sink: BinaryIO) -> None:
        if not data:
            return
        sink.write(data)
        if self.crc is not None:
            self.crc = fastcrc.crc16.arc(data, initial=self.crc)
        unread = self._unread
        unread += data
        base = self.written - (len(unread) - len(data))  # offset of unread[0] in the part
        self.written += len(data)
        at = self._next_frame - base
        while at + 4 <= len(unread):
            for k in self.wanted.get(self.frames, ()):
                self.marks[k] = base + at
            at += frame_bytes(int.from_bytes(unread[at : at + 4], "big"), self.rate)
            self.frames += 1
        self._next_frame = base + at
        del unread[: min(at, len(unread))]

    def append_to(self, out: BinaryIO, crc: int) -> int:
        """Copy this part's frames from its temporary file to the end of ``out``; the
        CRC-16 of everything before them, ``crc``, carried on over them."""
        spill = self._spill
        assert spill is not None  # only parts that spilled are appended
        spill.seek(0)
        while block := spill.read(COPY_BLOCK):
            out.write(block)
            crc = fastcrc.crc16.arc(block, initial=crc)
        return crc

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
